package httpapi_test

import (
	"testing"

	"github.com/muster-cms/muster/internal/testtemporal"
)

// temporalAddr is the dev server every test in this package shares; each
// test uses its own task queue and database.
var temporalAddr string

func TestMain(m *testing.M) { testtemporal.Main(m, &temporalAddr, "the end-to-end tests") }
