package workflows_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/muster-cms/muster/internal/testtemporal"
)

// temporalAddr is the dev server the relay tests share; the workflow
// logic itself is tested in the SDK's test environment.
var temporalAddr string

func TestMain(m *testing.M) {
	srv, err := testtemporal.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: the relay tests need a Temporal dev server:", err)
		os.Exit(1)
	}
	temporalAddr = srv.FrontendHostPort()
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}
