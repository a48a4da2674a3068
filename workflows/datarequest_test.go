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

// A subject access request's month in test time: the operators are
// reminded exactly seven days before the deadline and told exactly when
// it passes (the request is then overdue); an extension of two months
// starts the clock again (reminded seven days before the new deadline);
// the answer ends it. Its state is a query and a search attribute.
func TestDataRequestDeadlines(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	due := sim.DataRequestDue(sim.RequestSubjectAccess, received)
	require.Equal(t, time.Date(2027, 1, 7, 10, 0, 0, 0, time.UTC), due, "one month")
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
		overdue bool
		due     time.Time
	}
	var steps []step
	state, dueNow := sim.RequestOpen, due
	env.OnActivity(a.DataRequestDeadline, mock.Anything, mock.Anything).Return(
		func(_ context.Context, ref activities.DataRequestRef) (activities.DataRequestStatus, error) {
			steps = append(steps, step{at: env.Now().UTC(), overdue: ref.Overdue, due: ref.DueAt})
			if ref.Overdue {
				state = sim.RequestOverdue
			}
			return activities.DataRequestStatus{State: state, DueAt: dueNow}, nil
		})
	extended := due.AddDate(0, 2, 0)
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.DataRequestQuery)
		require.NoError(t, err)
		var st workflows.DataRequestStatus
		require.NoError(t, v.Get(&st))
		require.Equal(t, sim.RequestOverdue, st.State, "three days past the deadline")
		state, dueNow = sim.RequestExtended, extended
		env.SignalWorkflow(sim.SignalDataRequestExtended, sim.DataRequestExtended{DueAt: extended})
	}, due.Add(3*24*time.Hour).Sub(received))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(sim.SignalDataRequestAnswered, nil)
	}, extended.Add(-2*24*time.Hour).Sub(received))
	env.ExecuteWorkflow(workflows.DataRequest, sim.DataRequestArgs{RequestID: "r-1", Kind: sim.RequestSubjectAccess, DueAt: due})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.DataRequestStatus
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, sim.RequestAnswered, res.State)
	require.Equal(t, []step{
		{at: due.Add(-7 * 24 * time.Hour), due: due},
		{at: due, overdue: true, due: due},
		{at: extended.Add(-7 * 24 * time.Hour), due: extended},
	}, steps)
	require.Equal(t, []string{"open", "overdue", "extended", "answered"}, states)
}
