package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// PlacementFollowUpInput starts (or continues) a PlacementFollowUp: IDs,
// the start date and the schedule the placement keeps.
type PlacementFollowUpInput = sim.PlacementFollowUpArgs

// PlacementFollowUpResult is how the follow-up's last check-in ended.
type PlacementFollowUpResult struct {
	Months int
	Answer sim.FollowUpAnswer
	// Gone: the placement's record was erased, and the follow-up ended.
	Gone bool
}

// changeFollowUpReminder is the change that added the check-in's reminder.
const changeFollowUpReminder = "follow-up-reminder"

// followUpActivity retries a check-in's step for up to a week, backing
// off to an hour: a database or mail server that is down for a day loses
// nothing, and each email goes once (see activities.FollowUpAsk).
var followUpActivity = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
}

// PlacementFollowUp asks a placed candidate, at each month of its
// schedule after the start date, whether they are still in post: it
// sleeps until the check-in is due, asks, and waits for the answer (the
// API signals it); an unanswered check-in is reminded once, then recorded
// as no answer. Each
// check-in is one run: the next continues as new, so the history stays
// small however long the schedule. A "not in post" answer ends the
// follow-up. The organisation is a search attribute.
func PlacementFollowUp(ctx workflow.Context, in PlacementFollowUpInput) (PlacementFollowUpResult, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, OrgID.ValueSet(in.OrgID)); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "interest_id", in.InterestID, "error", err)
	}
	if in.Next < 0 || in.Next >= len(in.Months) {
		return PlacementFollowUpResult{}, nil
	}
	months := in.Months[in.Next]
	ref := activities.FollowUpRef{InterestID: in.InterestID, Months: months, DueOn: sim.FollowUpDue(in.StartsOn, months)}
	if wait := ref.DueOn.Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return PlacementFollowUpResult{}, err
		}
	}
	actx := workflow.WithActivityOptions(ctx, followUpActivity)
	step := func(fn any) (activities.FollowUpStatus, error) {
		var st activities.FollowUpStatus
		err := workflow.ExecuteActivity(actx, fn, ref).Get(ctx, &st)
		return st, err
	}
	st, err := step(activityRef.FollowUpAsk)
	if err != nil || st.Gone {
		return PlacementFollowUpResult{Months: months, Gone: st.Gone}, err
	}

	answer := st.Answer
	answered := workflow.GetSignalChannel(ctx, sim.SignalFollowUpAnswered)
	// waitFor waits d for the answer to this check-in; an answer to an
	// earlier one (late, or repeated by the outbox) is let go.
	waitFor := func(d time.Duration) {
		timerCtx, cancel := workflow.WithCancel(ctx)
		defer cancel()
		timer := workflow.NewTimer(timerCtx, d)
		done := false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(answered, func(c workflow.ReceiveChannel, _ bool) {
			var a sim.FollowUpAnswered
			c.Receive(ctx, &a)
			if a.Months == months {
				answer, done = a.Answer, true
			}
		})
		sel.AddFuture(timer, func(workflow.Future) { done = true })
		for !done {
			sel.Select(ctx)
		}
	}
	if answer == "" {
		waitFor(time.Duration(in.RemindAfter))
	}
	// Version 1 reminds an unanswered check-in once, and waits the answer
	// window again, before recording no answer; runs that reached this
	// point under version 0 close at once, as they did.
	if answer == "" && workflow.GetVersion(ctx, changeFollowUpReminder, workflow.DefaultVersion, 1) >= 1 {
		if st, err = step(activityRef.FollowUpRemind); err != nil || st.Gone {
			return PlacementFollowUpResult{Months: months, Gone: st.Gone}, err
		}
		if answer = st.Answer; answer == "" {
			waitFor(time.Duration(in.AnswerWindow))
		}
	}
	if answer == "" {
		if st, err = step(activityRef.FollowUpClose); err != nil || st.Gone {
			return PlacementFollowUpResult{Months: months, Gone: st.Gone}, err
		}
		answer = st.Answer
	}

	res := PlacementFollowUpResult{Months: months, Answer: answer}
	if answer == sim.FollowUpNotInPost || in.Next+1 >= len(in.Months) {
		return res, nil
	}
	// Answers still in the channel are recorded already; the next run
	// waits for its own.
	for answered.ReceiveAsync(nil) {
	}
	next := in
	next.Next++
	return res, workflow.NewContinueAsNewError(ctx, sim.WorkflowPlacementFollowUp, next)
}
