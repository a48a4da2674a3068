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
	"github.com/muster-cms/muster/workflows"
)

var interestInput = workflows.InterestNotificationInput{EventID: "ev-1", InterestID: "in-1", OrgID: "org-1"}

// One recipient's mail server refuses for forty minutes (the test
// environment stops retrying at ten attempts, the real policy only after a
// week): its notification is retried with back-off until it goes, the others go at once, and each
// recipient is notified by exactly one successful attempt.
func TestInterestNotificationRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	start := env.Now()
	ref := activities.InterestRef{EventID: "ev-1", InterestID: "in-1", OrgID: "org-1"}
	recipients := []string{"u-1", "u-2", "u-3", "mailbox"}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	env.OnActivity(a.InterestRecipients, mock.Anything, ref).Return(recipients, nil).Once()

	var mu sync.Mutex
	attempts := map[string]int{}
	var deliveredAt time.Time
	env.OnActivity(a.NotifyInterest, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.InterestRecipientRef) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, ref, in.InterestRef)
			attempts[in.Recipient]++
			if in.Recipient == "u-2" && env.Now().Sub(start) < 40*time.Minute {
				return false, errors.New("421 service not available")
			}
			if in.Recipient == "u-2" {
				deliveredAt = env.Now()
			}
			return true, nil
		})

	env.ExecuteWorkflow(workflows.InterestNotification, interestInput)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InterestNotificationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.InterestNotificationResult{Recipients: 4, Sent: 4}, res)
	require.Equal(t, 1, attempts["u-1"])
	require.Equal(t, 1, attempts["u-3"])
	require.Equal(t, 1, attempts["mailbox"])
	require.Greater(t, attempts["u-2"], 5, "retried with back-off through the outage")
	require.GreaterOrEqual(t, deliveredAt.Sub(start), 40*time.Minute)
	require.Less(t, deliveredAt.Sub(start), 45*time.Minute, "retried at 5 s doubling: the tenth attempt is 2555 s in")
}

// Nobody to tell (the organisation no longer sees the candidate): the
// workflow ends without notifying anyone.
func TestInterestNotificationWithNobodyToTell(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	env.OnActivity(a.InterestRecipients, mock.Anything, mock.Anything).Return(nil, nil).Once()
	env.ExecuteWorkflow(workflows.InterestNotification, interestInput)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InterestNotificationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Zero(t, res.Recipients)
}
