package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// RegistrationRequestInput starts a RegistrationRequest workflow.
type RegistrationRequestInput = sim.RegistrationRequestArgs

// RegistrationRequestResult is what a request led to (IDs only).
type RegistrationRequestResult = activities.RegistrationRequestResult

// RegistrationRequest handles one request for a registration link, after
// the API has answered it the same way for every address: a new address
// gets a self-invitation (its own Invitation workflow, started through the
// outbox, sends the link); an address with an unused invitation is sent a
// further link (at most one per resend gap; earlier links keep working);
// a registered address is sent a "you already have an account" email with
// a password reset link (at most one per resend gap).
func RegistrationRequest(ctx workflow.Context, in RegistrationRequestInput) (RegistrationRequestResult, error) {
	handleCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	var res RegistrationRequestResult
	if err := workflow.ExecuteActivity(handleCtx, activityRef.HandleRegistrationRequest, activities.RegistrationRequestRef{RequestID: in.RequestID}).Get(ctx, &res); err != nil {
		return RegistrationRequestResult{}, err
	}
	if res.Outcome == "registered" && res.ResetID != "" &&
		workflow.GetVersion(ctx, changeAlreadyRegisteredEmail, workflow.DefaultVersion, 1) >= 1 {
		if err := workflow.ExecuteActivity(resendOptions(ctx), activityRef.SendPasswordReset, activities.PasswordResetRef{ResetID: res.ResetID}).Get(ctx, nil); err != nil {
			return res, err
		}
	}
	if res.Outcome == "pending" && res.InvitationID != "" {
		if err := workflow.ExecuteActivity(resendOptions(ctx), activityRef.ResendInvitation, activities.InvitationRef{InvitationID: res.InvitationID}).Get(ctx, nil); err != nil {
			return res, err
		}
	}
	return res, nil
}
