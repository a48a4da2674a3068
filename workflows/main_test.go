package workflows_test

import (
	"os"
	"testing"

	"github.com/muster-cms/muster/internal/testtemporal"
)

// temporalAddr is the dev server the relay tests share; the workflow
// logic itself is tested in the SDK's test environment.
var temporalAddr string

func TestMain(m *testing.M) {
	if os.Getenv(killWorkerEnv) != "" {
		// This process is the worker a test starts and kills.
		os.Exit(runKillableWorker())
	}
	testtemporal.Main(m, &temporalAddr, "the relay tests")
}
