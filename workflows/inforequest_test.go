package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// An information request's two weeks in test time: the operators are
// reminded two days before it is due to be acknowledged, and it is
// escalated when that passes (overdue); acknowledging it three days late
// starts the second deadline, a week from the acknowledgement, with its
// own reminder; supplying it ends it. Its state is a search attribute
// throughout.
func TestInfoRequestDeadlines(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ackDue := received.Add(sim.InfoAcknowledgeWithin)
	acknowledgedAt := ackDue.Add(3 * 24 * time.Hour)
	supplyDue := acknowledgedAt.Add(sim.InfoSupplyWithin)
	env, a := newEnv(t)
	env.SetStartTime(received)
	var states []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(workflows.RequestState); ok {
			states = append(states, v)
		}
	}).Return(nil)
	type step struct {
		at      time.Time
		state   sim.InfoRequestState
		due     time.Time
		overdue bool
	}
	var steps []step
	state := sim.InfoReceived
	env.OnActivity(a.InfoRequestDeadline, mock.Anything, mock.Anything).Return(
		func(_ context.Context, ref activities.InfoRequestRef) (activities.InfoRequestStatus, error) {
			steps = append(steps, step{at: env.Now().UTC(), state: ref.State, due: ref.DueAt, overdue: ref.Overdue})
			return activities.InfoRequestStatus{State: state}, nil
		})
	env.RegisterDelayedCallback(func() {
		state = sim.InfoAcknowledged
		env.SignalWorkflow(sim.SignalInfoRequestAcknowledged, sim.InfoRequestAcknowledgedSignal{At: acknowledgedAt})
	}, acknowledgedAt.Sub(received))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(sim.SignalInfoRequestClosed, sim.InfoRequestClosedSignal{State: sim.InfoSupplied})
	}, supplyDue.Add(-time.Hour).Sub(received))
	env.ExecuteWorkflow(workflows.InfoRequest, sim.InfoRequestArgs{RequestID: "i-1", ReceivedAt: received})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InfoRequestStatus
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, sim.InfoSupplied, res.State)
	require.Equal(t, []step{
		{at: ackDue.Add(-sim.InfoRequestReminder), state: sim.InfoReceived, due: ackDue},
		{at: ackDue, state: sim.InfoReceived, due: ackDue, overdue: true},
		{at: supplyDue.Add(-sim.InfoRequestReminder), state: sim.InfoAcknowledged, due: supplyDue},
	}, steps)
	require.Equal(t, []string{"received", "overdue", "acknowledged", "supplied"}, states)
}

// Denied before its first reminder: nothing is sent, and it ends denied.
func TestInfoRequestDeniedEarly(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	env, a := newEnv(t)
	env.SetStartTime(received)
	calls := 0
	env.OnActivity(a.InfoRequestDeadline, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.InfoRequestRef) (activities.InfoRequestStatus, error) {
			calls++
			return activities.InfoRequestStatus{State: sim.InfoReceived}, nil
		})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(sim.SignalInfoRequestClosed, sim.InfoRequestClosedSignal{State: sim.InfoDenied})
	}, 24*time.Hour)
	env.ExecuteWorkflow(workflows.InfoRequest, sim.InfoRequestArgs{RequestID: "i-2", ReceivedAt: received})
	require.True(t, env.IsWorkflowCompleted())
	var res workflows.InfoRequestStatus
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, sim.InfoDenied, res.State)
	require.Zero(t, calls)
}
