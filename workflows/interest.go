package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// InterestNotificationInput starts an InterestNotification workflow.
type InterestNotificationInput = sim.InterestNotificationArgs

// InterestNotificationResult says how many recipients were told now (a
// retry of an earlier attempt's recipients counts none of them again).
type InterestNotificationResult struct {
	Recipients int
	Sent       int
}

// interestNotifyRetry retries a recipient's notification for up to a week,
// backing off to an hour between attempts: a mail server that is down for
// a day loses nothing. An attempt whose worker died is retried after 20
// seconds; one still running then holds its notification's key, so the
// retry waits for it and sends nothing twice.
var interestNotifyRetry = workflow.ActivityOptions{
	StartToCloseTimeout:    20 * time.Second,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
}

// InterestNotification tells an organisation's active users and its
// verified group mailbox that a candidate chose it: it reads the
// recipients (IDs only) once, then notifies each in parallel, each exactly
// once however often it is retried or a worker dies. The organisation is
// a search attribute.
func InterestNotification(ctx workflow.Context, in InterestNotificationInput) (InterestNotificationResult, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, OrgID.ValueSet(in.OrgID)); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "event_id", in.EventID, "error", err)
	}
	actx := workflow.WithActivityOptions(ctx, interestNotifyRetry)
	ref := activities.InterestRef{EventID: in.EventID, InterestID: in.InterestID, OrgID: in.OrgID}
	var recipients []string
	if err := workflow.ExecuteActivity(actx, activityRef.InterestRecipients, ref).Get(ctx, &recipients); err != nil {
		return InterestNotificationResult{}, err
	}
	sent, err := fanOut(actx, recipients, func(r string) workflow.Future {
		return workflow.ExecuteActivity(actx, activityRef.NotifyInterest, activities.InterestRecipientRef{InterestRef: ref, Recipient: r})
	})
	return InterestNotificationResult{Recipients: len(recipients), Sent: sent}, err
}

// fanOut notifies every recipient at once, one activity each, and waits
// for all of them: it returns how many were told now and the first error
// (the others still ran to their end).
func fanOut(ctx workflow.Context, recipients []string, notify func(string) workflow.Future) (int, error) {
	futures := make([]workflow.Future, len(recipients))
	for i, r := range recipients {
		futures[i] = notify(r)
	}
	sent := 0
	var firstErr error
	for _, f := range futures {
		var ok bool
		if err := f.Get(ctx, &ok); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, firstErr
}
