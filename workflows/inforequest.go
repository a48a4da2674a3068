package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// InfoRequestQuery is the query that reads where an information request
// stands.
const InfoRequestQuery = "state"

// InfoRequestStatus is what the query answers.
type InfoRequestStatus = activities.InfoRequestStatus

// requestKindInformation is the MusterRequestKind of an information
// request's workflow (a data request's is its sim kind).
const requestKindInformation = "information"

// InfoRequest follows one information request to its two deadlines:
// acknowledged within sim.InfoAcknowledgeWithin of being received, then
// supplied within sim.InfoSupplyWithin of being acknowledged. Before each
// it reminds the operators (sim.InfoRequestReminder ahead); when one
// passes it escalates to them and records the request overdue in its
// search attributes. Acknowledging (a signal, through the outbox) moves
// it to the second deadline; supplying or denying it (a signal) ends it.
// Its state is a query and the MusterRequestState search attribute; the
// request's ID and kind are search attributes too: no personal data.
func InfoRequest(ctx workflow.Context, in sim.InfoRequestArgs) (InfoRequestStatus, error) {
	st := InfoRequestStatus{State: sim.InfoReceived}
	setState := func(s string) {
		if err := workflow.UpsertTypedSearchAttributes(ctx, RequestState.ValueSet(s)); err != nil {
			workflow.GetLogger(ctx).Warn("search attributes not set", "request_id", in.RequestID, "error", err)
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		RequestID.ValueSet(in.RequestID), RequestKind.ValueSet(requestKindInformation), RequestState.ValueSet(string(st.State))); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "request_id", in.RequestID, "error", err)
	}
	if err := workflow.SetQueryHandler(ctx, InfoRequestQuery, func() (InfoRequestStatus, error) { return st, nil }); err != nil {
		return st, err
	}
	actx := workflow.WithActivityOptions(ctx, dataRequestActivity)
	acknowledged := workflow.GetSignalChannel(ctx, sim.SignalInfoRequestAcknowledged)
	closed := workflow.GetSignalChannel(ctx, sim.SignalInfoRequestClosed)
	reminded, overdue := false, false
	due := func() time.Time {
		if st.State == sim.InfoAcknowledged {
			return st.AcknowledgedAt.Add(sim.InfoSupplyWithin)
		}
		return in.ReceivedAt.Add(sim.InfoAcknowledgeWithin)
	}
	acknowledge := func(at time.Time) {
		st.State, st.AcknowledgedAt, reminded, overdue = sim.InfoAcknowledged, at, false, false
		setState(string(sim.InfoAcknowledged))
	}
	deadline := func(isOverdue bool) (bool, error) {
		var got InfoRequestStatus
		err := workflow.ExecuteActivity(actx, activityRef.InfoRequestDeadline,
			activities.InfoRequestRef{RequestID: in.RequestID, State: st.State, DueAt: due(), Overdue: isOverdue}).Get(ctx, &got)
		if err != nil {
			return false, err
		}
		switch {
		case got.State == sim.InfoSupplied || got.State == sim.InfoDenied:
			st.State = got.State
			setState(string(got.State))
			return true, nil
		case got.State == sim.InfoAcknowledged && st.State == sim.InfoReceived:
			acknowledge(got.AcknowledgedAt) // its signal is on the way
		case isOverdue:
			setState("overdue")
		}
		return false, nil
	}
	for {
		now := workflow.Now(ctx)
		var wait time.Duration
		var next func() (bool, error)
		switch remindAt := due().Add(-sim.InfoRequestReminder); {
		case !reminded && remindAt.After(now):
			wait, next = remindAt.Sub(now), func() (bool, error) { reminded = true; return deadline(false) }
		case !overdue:
			reminded = true
			wait, next = max(due().Sub(now), 0), func() (bool, error) { overdue = true; return deadline(true) }
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		fired, done := false, false
		if next != nil {
			sel.AddFuture(workflow.NewTimer(timerCtx, wait), func(workflow.Future) { fired = true })
		}
		sel.AddReceive(acknowledged, func(c workflow.ReceiveChannel, _ bool) {
			var s sim.InfoRequestAcknowledgedSignal
			c.Receive(ctx, &s)
			if st.State == sim.InfoReceived {
				acknowledge(s.At)
			}
		})
		sel.AddReceive(closed, func(c workflow.ReceiveChannel, _ bool) {
			var s sim.InfoRequestClosedSignal
			c.Receive(ctx, &s)
			st.State, done = s.State, true
		})
		sel.Select(ctx)
		cancelTimer()
		if done {
			setState(string(st.State))
			return st, nil
		}
		if fired {
			end, err := next()
			if err != nil {
				return st, err
			}
			if end {
				return st, nil
			}
		}
	}
}
