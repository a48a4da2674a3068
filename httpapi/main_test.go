package httpapi_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/muster-cms/muster/internal/testtemporal"
)

// temporalAddr is the dev server every test in this package shares; each
// test uses its own task queue and database.
var temporalAddr string

func TestMain(m *testing.M) {
	srv, err := testtemporal.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: the end-to-end tests need a Temporal dev server:", err)
		os.Exit(1)
	}
	temporalAddr = srv.FrontendHostPort()
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}
