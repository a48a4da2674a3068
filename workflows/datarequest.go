package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// DataRequestInput starts a DataRequest workflow.
type DataRequestInput = sim.DataRequestArgs

// DataRequestQuery is the query that reads where a request stands.
const DataRequestQuery = "state"

// DataRequestStatus is what the query answers: the state and deadline.
type DataRequestStatus = activities.DataRequestStatus

var dataRequestActivity = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
}

// DataRequest follows one data request to its deadline: it reminds the
// operators a week before (sim.DataRequestReminder), records it overdue
// and tells them when the deadline passes unanswered, starts over when
// the deadline is extended (a signal, through the outbox), and ends when
// the request is answered (a signal). Its state is a query and the
// MusterRequestState search attribute; the request's ID and kind are
// search attributes too: no personal data.
func DataRequest(ctx workflow.Context, in DataRequestInput) (DataRequestStatus, error) {
	st := DataRequestStatus{State: sim.RequestOpen, DueAt: in.DueAt}
	setState := func(s sim.DataRequestState) {
		st.State = s
		if err := workflow.UpsertTypedSearchAttributes(ctx, RequestState.ValueSet(string(s))); err != nil {
			workflow.GetLogger(ctx).Warn("search attributes not set", "request_id", in.RequestID, "error", err)
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		RequestID.ValueSet(in.RequestID), RequestKind.ValueSet(string(in.Kind)), RequestState.ValueSet(string(st.State))); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "request_id", in.RequestID, "error", err)
	}
	if err := workflow.SetQueryHandler(ctx, DataRequestQuery, func() (DataRequestStatus, error) { return st, nil }); err != nil {
		return st, err
	}
	actx := workflow.WithActivityOptions(ctx, dataRequestActivity)
	extended := workflow.GetSignalChannel(ctx, sim.SignalDataRequestExtended)
	answered := workflow.GetSignalChannel(ctx, sim.SignalDataRequestAnswered)
	reminded, overdue := false, false
	deadline := func(isOverdue bool) error {
		var got DataRequestStatus
		err := workflow.ExecuteActivity(actx, activityRef.DataRequestDeadline,
			activities.DataRequestRef{RequestID: in.RequestID, DueAt: st.DueAt, Overdue: isOverdue}).Get(ctx, &got)
		if err == nil && got.State != st.State && got.DueAt.Equal(st.DueAt) {
			setState(got.State)
		}
		return err
	}
	for {
		now := workflow.Now(ctx)
		var wait time.Duration
		var next func() error
		switch remindAt := st.DueAt.Add(-sim.DataRequestReminder); {
		case !reminded && remindAt.After(now):
			wait, next = remindAt.Sub(now), func() error { reminded = true; return deadline(false) }
		case !reminded && st.DueAt.After(now):
			reminded = true
			if err := deadline(false); err != nil {
				return st, err
			}
			continue
		case !overdue:
			wait, next = st.DueAt.Sub(now), func() error { overdue = true; return deadline(true) }
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		fired := false
		if next != nil {
			sel.AddFuture(workflow.NewTimer(timerCtx, max(wait, 0)), func(workflow.Future) { fired = true })
		}
		done := false
		sel.AddReceive(extended, func(c workflow.ReceiveChannel, _ bool) {
			var e sim.DataRequestExtended
			c.Receive(ctx, &e)
			if e.DueAt.After(st.DueAt) {
				st.DueAt, reminded, overdue = e.DueAt, false, false
				setState(sim.RequestExtended)
			}
		})
		sel.AddReceive(answered, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			done = true
		})
		sel.Select(ctx)
		cancelTimer()
		if done {
			setState(sim.RequestAnswered)
			return st, nil
		}
		if fired {
			if err := next(); err != nil {
				return st, err
			}
			if st.State == sim.RequestAnswered {
				return st, nil
			}
		}
	}
}
