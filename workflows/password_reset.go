package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// PasswordResetInput starts a PasswordReset workflow.
type PasswordResetInput = sim.PasswordResetArgs

// PasswordResetResult is what a request led to (IDs only).
type PasswordResetResult = activities.ResetRequestResult

// PasswordReset handles one request for a password reset link, after the
// API has answered it the same way for every address: an active
// account's address is sent a single-use link that works for an hour (at
// most one per resend gap, however often anyone asks); any other address
// gets nothing.
func PasswordReset(ctx workflow.Context, in PasswordResetInput) (PasswordResetResult, error) {
	handleCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	var res PasswordResetResult
	if err := workflow.ExecuteActivity(handleCtx, activityRef.HandlePasswordResetRequest, activities.ResetRequestRef{RequestID: in.RequestID}).Get(ctx, &res); err != nil {
		return PasswordResetResult{}, err
	}
	if res.ResetID == "" {
		return res, nil
	}
	// Worth sending only while the link works.
	sendCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: sim.PasswordResetWindow,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	if err := workflow.ExecuteActivity(sendCtx, activityRef.SendPasswordReset, activities.PasswordResetRef{ResetID: res.ResetID}).Get(ctx, nil); err != nil {
		return res, err
	}
	return res, nil
}
