package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// MailboxVerificationInput starts a MailboxVerification workflow.
type MailboxVerificationInput = sim.MailboxVerificationArgs

// MailboxVerification sends the link that verifies an organisation's new
// group mailbox, retrying while the link still works; following the link
// verifies it (the API does that). The organisation is a search attribute.
func MailboxVerification(ctx workflow.Context, in MailboxVerificationInput) error {
	if err := workflow.UpsertTypedSearchAttributes(ctx, OrgID.ValueSet(in.OrgID)); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "verification_id", in.VerificationID, "error", err)
	}
	sendCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
	return workflow.ExecuteActivity(sendCtx, activityRef.SendMailboxVerification, activities.MailboxVerificationRef{
		VerificationID: in.VerificationID, OrgID: in.OrgID,
	}).Get(ctx, nil)
}
