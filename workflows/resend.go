package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
)

// InvitationResendWorkflowID is the workflow ID InvitationResend ran under.
func InvitationResendWorkflowID(invitationID string) string {
	return InvitationWorkflowID(invitationID) + "/resend"
}

// InvitationResend sent an invitee a fresh link when they asked again.
// Deprecated: RegistrationRequest now does this for each request; it is
// no longer started and stays registered only for executions already
// running.
func InvitationResend(ctx workflow.Context, ref activities.InvitationRef) error {
	return workflow.ExecuteActivity(resendOptions(ctx), activityRef.ResendInvitation, ref).Get(ctx, nil)
}

// resendOptions: someone is waiting for this email, so keep trying for an
// hour, then let them ask again.
func resendOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
}
