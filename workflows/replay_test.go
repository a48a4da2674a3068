package workflows_test

import (
	"encoding/base64"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/workflows"
)

// replayKey encrypted the committed histories in testdata. It is a test
// fixture, never a deployment key.
const replayKey = "bXVzdGVyLXJlcGxheS10ZXN0LWtleS0zMi1ieXRlcyE="

// Histories recorded on a real Temporal dev server must replay against the
// current workflow code: a change that breaks this needs workflow.GetVersion.
func TestReplayCommittedHistories(t *testing.T) {
	t.Parallel()
	key, err := base64.StdEncoding.DecodeString(replayKey)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("replay-test", key)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: codec.DataConverter()})
		require.NoError(t, err)
		r.RegisterWorkflow(workflows.Invitation)
		r.RegisterWorkflow(workflows.InvitationResend)
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f), f)
	}
}
