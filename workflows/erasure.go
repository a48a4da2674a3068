package workflows

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// ErasureInput starts an Erasure workflow.
type ErasureInput = sim.ErasureArgs

// ErasureResult is what an erasure did: its receipt's number, whether
// emailing the receipt failed (for ErasureReceiptTries), and how many
// organisations were told. Erased is false when there was nothing left
// to erase (a second request, say).
type ErasureResult struct {
	Receipt       string
	ReceiptFailed bool
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

// ErasureReceiptTries is how long an erasure keeps trying to email its
// receipt before it erases all the same: the receipt is owed, but a mail
// server that is down does not keep a person's record standing (their
// account is disabled meanwhile). The receipt's number stays in the
// workflow's result and in the erasure's receipt row, for the operator to
// quote if asked.
const ErasureReceiptTries = 24 * time.Hour

// Erasure erases a candidate who asked to be forgotten (or whom the
// operator erases on their behalf): it disables their account, ending
// every session; emails the receipt (what is erased, when, a number that
// names nobody) to their address before it is wiped (trying for
// ErasureReceiptTries, then going on without it); anonymises them into
// a ghost record; ends their placements' follow-ups; and tells each
// organisation that had their open interest that a candidate left,
// naming nobody. IDs only in its history; the receipt's number is drawn
// once (a side effect) and kept with the erasure.
func Erasure(ctx workflow.Context, in ErasureInput) (ErasureResult, error) {
	// The receipt's number, and the ID of the notices to organisations
	// (which must not link to the receipt), drawn once.
	var drawn struct{ Receipt, Notice string }
	if err := workflow.SideEffect(ctx, func(workflow.Context) any {
		return struct{ Receipt, Notice string }{sim.NewReceipt(), uuid.NewString()}
	}).Get(&drawn); err != nil {
		return ErasureResult{}, err
	}
	receipt := drawn.Receipt
	ref := activities.ErasureRef{CandidateID: in.CandidateID, Receipt: receipt, RequestedBy: in.RequestedBy, At: workflow.Now(ctx).UTC()}
	actx := workflow.WithActivityOptions(ctx, erasureActivity)
	var plan activities.ErasurePlan
	if err := workflow.ExecuteActivity(actx, activityRef.ErasurePrepare, ref).Get(ctx, &plan); err != nil {
		return ErasureResult{}, err
	}
	if plan.Gone {
		return ErasureResult{Receipt: receipt}, nil
	}
	rctx := workflow.WithScheduleToCloseTimeout(actx, ErasureReceiptTries)
	receiptFailed := false
	if err := workflow.ExecuteActivity(rctx, activityRef.SendErasureReceipt, ref).Get(ctx, nil); err != nil {
		// Not the error itself: a mail server's answer may quote the address.
		workflow.GetLogger(ctx).Warn("erasure receipt not sent; erasing all the same", "receipt", receipt)
		receiptFailed = true
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
		left := activities.OrgLeftRef{OrgID: org, Notice: drawn.Notice}
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
	return ErasureResult{Receipt: receipt, ReceiptFailed: receiptFailed, Erased: erased, Organisations: len(plan.OrgIDs)}, nil
}
