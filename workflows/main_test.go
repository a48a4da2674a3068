package workflows_test

import (
	"testing"

	"github.com/muster-cms/muster/internal/testtemporal"
)

// temporalAddr is the dev server the relay tests share; the workflow
// logic itself is tested in the SDK's test environment.
var temporalAddr string

func TestMain(m *testing.M) { testtemporal.Main(m, &temporalAddr, "the relay tests") }
