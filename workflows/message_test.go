package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// A candidate's message tells the organisation's users and mailbox; one
// mail server is down for half an hour, and its recipient is retried
// until told, the others told at once, each by one successful attempt.
func TestMessageNotificationRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	start := env.Now()
	in := sim.MessageNotificationArgs{MessageID: "m-1", ThreadID: "t-1", OrgID: "org-1", FromCandidate: true}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	env.OnActivity(a.MessageRecipients, mock.Anything, in).Return([]string{"u-1", "u-2", "mailbox"}, nil).Once()
	var mu sync.Mutex
	attempts := map[string]int{}
	env.OnActivity(a.NotifyMessage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.MessageRecipientRef) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, in, r.MessageNotificationArgs)
			attempts[r.Recipient]++
			if r.Recipient == "mailbox" && env.Now().Sub(start) < 30*time.Minute {
				return false, errors.New("421 service not available")
			}
			return true, nil
		})
	env.ExecuteWorkflow(workflows.MessageNotification, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.MessageNotificationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.MessageNotificationResult{Recipients: 3, Sent: 3}, res)
	require.Equal(t, 1, attempts["u-1"])
	require.Equal(t, 1, attempts["u-2"])
	require.Greater(t, attempts["mailbox"], 5)
}
