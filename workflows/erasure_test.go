package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// An erasure, step by step: the account is disabled first, the receipt
// goes to the address before the record is anonymised, every step names
// the same receipt (drawn once), the placement's follow-up is asked to
// end, and each organisation's recipients are told, each once. A second
// erasure of the same candidate finds them gone and does nothing.
func TestErasureSteps(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	var order []string
	receipts := map[string]bool{}
	env.OnActivity(a.ErasurePrepare, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.ErasureRef) (activities.ErasurePlan, error) {
		order = append(order, "prepare")
		receipts[ref.Receipt] = true
		return activities.ErasurePlan{OrgIDs: []string{"org-a", "org-b"}, PlacedInterests: []string{"interest-1"}}, nil
	})
	env.OnActivity(a.SendErasureReceipt, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.ErasureRef) (bool, error) {
		order = append(order, "receipt")
		receipts[ref.Receipt] = true
		require.True(t, sim.ValidReceipt(ref.Receipt), ref.Receipt)
		return true, nil
	})
	env.OnActivity(a.Erase, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.ErasureRef) (bool, error) {
		order = append(order, "erase")
		receipts[ref.Receipt] = true
		require.Equal(t, sim.ErasureByOperator, ref.RequestedBy)
		return true, nil
	})
	env.OnRequestCancelExternalWorkflow(mock.Anything, sim.PlacementFollowUpWorkflowID("interest-1"), "").Run(func(mock.Arguments) {
		order = append(order, "end follow-up")
	}).Return(nil)
	env.OnActivity(a.CandidateLeftRecipients, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.OrgLeftRef) ([]string, error) {
		return []string{ref.OrgID + "/u1", ref.OrgID + "/" + "mailbox"}, nil
	})
	told := map[string]int{}
	notices := map[string]bool{}
	var mu sync.Mutex // the notices go out concurrently
	env.OnActivity(a.NotifyCandidateLeft, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.OrgLeftRecipientRef) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		told[ref.Recipient]++
		notices[ref.Notice] = true
		return true, nil
	})
	env.ExecuteWorkflow(workflows.Erasure, sim.ErasureArgs{CandidateID: "c-1", RequestedBy: sim.ErasureByOperator})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ErasureResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, []string{"prepare", "receipt", "erase", "end follow-up"}, order)
	require.Len(t, receipts, 1, "one receipt number throughout")
	require.Len(t, notices, 1, "one notice ID for every organisation")
	require.False(t, notices[res.Receipt], "the notices do not name the receipt")
	require.NotContains(t, notices, "", "the notices have an ID")
	require.True(t, receipts[res.Receipt])
	require.Equal(t, map[string]int{"org-a/u1": 1, "org-a/mailbox": 1, "org-b/u1": 1, "org-b/mailbox": 1}, told)
	require.Equal(t, workflows.ErasureResult{Receipt: res.Receipt, Erased: true, Organisations: 2}, res, "the receipt went")

	again, a2 := newEnv(t)
	again.OnActivity(a2.ErasurePrepare, mock.Anything, mock.Anything).Return(activities.ErasurePlan{Gone: true}, nil)
	again.ExecuteWorkflow(workflows.Erasure, sim.ErasureArgs{CandidateID: "c-1", RequestedBy: sim.ErasureByCandidate})
	require.NoError(t, again.GetWorkflowError())
	var second workflows.ErasureResult
	require.NoError(t, again.GetWorkflowResult(&second))
	require.False(t, second.Erased)
}

// A receipt that cannot be emailed (the mail server refuses it for
// ErasureReceiptTries) does not keep the record standing: the erasure
// goes on, and its result says the receipt failed.
func TestErasureGoesOnWithoutItsReceipt(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.ErasurePrepare, mock.Anything, mock.Anything).Return(activities.ErasurePlan{}, nil)
	tries := 0
	env.OnActivity(a.SendErasureReceipt, mock.Anything, mock.Anything).Return(func(context.Context, activities.ErasureRef) (bool, error) {
		tries++
		return false, errors.New("421 mail server unavailable")
	})
	erased := false
	env.OnActivity(a.Erase, mock.Anything, mock.Anything).Return(func(context.Context, activities.ErasureRef) (bool, error) {
		erased = true
		return true, nil
	})
	env.ExecuteWorkflow(workflows.Erasure, sim.ErasureArgs{CandidateID: "c-1", RequestedBy: sim.ErasureByCandidate})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ErasureResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.True(t, erased, "erased all the same")
	require.True(t, res.ReceiptFailed)
	require.True(t, res.Erased)
	require.Greater(t, tries, 5, "the receipt was retried")
}
