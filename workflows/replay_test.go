package workflows_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/workflows"
)

// replayKey encrypted the committed histories in testdata. It is a test
// fixture, never a deployment key.
const replayKey = "bXVzdGVyLXJlcGxheS10ZXN0LWtleS0zMi1ieXRlcyE="

// historyType reads which workflow a committed history is of.
func historyType(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var h struct {
		Events []struct {
			Attrs struct {
				Type struct {
					Name string `json:"name"`
				} `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(b, &h), file)
	require.NotEmpty(t, h.Events, file)
	return h.Events[0].Attrs.Type.Name
}

// Histories recorded on a real Temporal dev server (make histories) must
// replay against the current workflow code: a change that breaks this
// needs workflow.GetVersion. Every workflow Muster registers must have at
// least one committed history, so none escapes this check.
func TestReplayCommittedHistories(t *testing.T) {
	t.Parallel()
	key, err := base64.StdEncoding.DecodeString(replayKey)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("replay-test", key)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	byType := map[string][]string{}
	for _, f := range files {
		name := historyType(t, f)
		byType[name] = append(byType[name], f)
	}
	for _, d := range workflows.All {
		require.NotEmpty(t, byType[d.Name], "workflow %s has no committed history in testdata: record one with `make histories`", d.Name)
		for _, f := range byType[d.Name] {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: codec.DataConverter()})
			require.NoError(t, err)
			workflows.RegisterWorkflows(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f), f)
		}
		delete(byType, d.Name)
	}
	require.Empty(t, byType, "histories of workflows that are no longer registered")
}
