package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
)

// InvitationResendWorkflowID is the workflow ID for sending an invitation's
// link again. One runs at a time per invitation.
func InvitationResendWorkflowID(invitationID string) string {
	return InvitationWorkflowID(invitationID) + "/resend"
}

// InvitationResend sends an invitee a fresh link when they ask for it
// again (the old one stops working). It is a workflow of its own, not a
// signal to Invitation, so that however often people ask, the Invitation's
// history stays short and its expiry certain. The activity decides whether
// a link is due (unused, open, not emailed within the resend gap).
func InvitationResend(ctx workflow.Context, ref activities.InvitationRef) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// Someone is waiting for this email: keep trying for an hour, then
		// let them ask again.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	return workflow.ExecuteActivity(ctx, activityRef.ResendInvitation, ref).Get(ctx, nil)
}
