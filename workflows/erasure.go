package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// ErasureInput starts an Erasure workflow.
type ErasureInput = sim.ErasureArgs

// ErasureResult is what an erasure did: its receipt's number and how
// many organisations were told. Erased is false when there was nothing
// left to erase (a second request, say).
type ErasureResult struct {
	Receipt       string
	Erased        bool
	Organisations int
}

// erasureActivity retries each step of an erasure for a week: a receipt
// sent is never followed by a record left standing.
var erasureActivity = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour},
}

// Erasure erases a candidate who asked to be forgotten (or whom the
// operator erases on their behalf): it disables their account, ending
// every session; emails the receipt (what is erased, when, a number that
// names nobody) to their address before it is wiped; anonymises them into
// a ghost record; ends their placements' follow-ups; and tells each
// organisation that had their open interest that a candidate left,
// naming nobody. IDs only in its history; the receipt's number is drawn
// once (a side effect) and kept with the erasure.
func Erasure(ctx workflow.Context, in ErasureInput) (ErasureResult, error) {
	var receipt string
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return sim.NewReceipt() }).Get(&receipt); err != nil {
		return ErasureResult{}, err
	}
	ref := activities.ErasureRef{CandidateID: in.CandidateID, Receipt: receipt, RequestedBy: in.RequestedBy, At: workflow.Now(ctx).UTC()}
	actx := workflow.WithActivityOptions(ctx, erasureActivity)
	var plan activities.ErasurePlan
	if err := workflow.ExecuteActivity(actx, activityRef.ErasurePrepare, ref).Get(ctx, &plan); err != nil {
		return ErasureResult{}, err
	}
	if plan.Gone {
		return ErasureResult{Receipt: receipt}, nil
	}
	if err := workflow.ExecuteActivity(actx, activityRef.SendErasureReceipt, ref).Get(ctx, nil); err != nil {
		return ErasureResult{}, err
	}
	var erased bool
	if err := workflow.ExecuteActivity(actx, activityRef.Erase, ref).Get(ctx, &erased); err != nil {
		return ErasureResult{}, err
	}
	for _, interest := range plan.PlacedInterests {
		// A follow-up that already ended is not found: nothing to end.
		_ = workflow.RequestCancelExternalWorkflow(ctx, sim.PlacementFollowUpWorkflowID(interest), "").Get(ctx, nil)
	}
	for _, org := range plan.OrgIDs {
		left := activities.OrgLeftRef{OrgID: org, Receipt: receipt}
		var recipients []string
		if err := workflow.ExecuteActivity(actx, activityRef.CandidateLeftRecipients, left).Get(ctx, &recipients); err != nil {
			return ErasureResult{}, err
		}
		if _, err := fanOut(actx, recipients, func(r string) workflow.Future {
			return workflow.ExecuteActivity(actx, activityRef.NotifyCandidateLeft, activities.OrgLeftRecipientRef{OrgLeftRef: left, Recipient: r})
		}); err != nil {
			return ErasureResult{}, err
		}
	}
	return ErasureResult{Receipt: receipt, Erased: erased, Organisations: len(plan.OrgIDs)}, nil
}
