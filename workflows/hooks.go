package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// JourneyHooksInput starts a JourneyHooks workflow.
type JourneyHooksInput = sim.JourneyHooksArgs

// hookDelivery retries a hook until it accepts the event, backing off to
// an hour between attempts, for up to 30 days: an embedder's endpoint
// that is down over a long weekend loses nothing.
var hookDelivery = workflow.ActivityOptions{
	StartToCloseTimeout:    time.Minute,
	ScheduleToCloseTimeout: 30 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
}

// JourneyHooks delivers one journey event to each hook configured when it
// happened, in parallel, each a retried activity with its own idempotency
// key. It returns how many hooks ran now. The organisation, for an
// organisation's part of the journey, is a search attribute.
func JourneyHooks(ctx workflow.Context, in JourneyHooksInput) (int, error) {
	if in.OrgID != "" {
		if err := workflow.UpsertTypedSearchAttributes(ctx, OrgID.ValueSet(in.OrgID)); err != nil {
			workflow.GetLogger(ctx).Warn("search attributes not set", "event_id", in.EventID, "error", err)
		}
	}
	actx := workflow.WithActivityOptions(ctx, hookDelivery)
	return fanOut(actx, in.Hooks, func(hook string) workflow.Future {
		return workflow.ExecuteActivity(actx, activityRef.RunJourneyHook, activities.JourneyHookRef{EventID: in.EventID, Hook: hook})
	})
}
