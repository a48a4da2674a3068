package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
)

// InvitationInput starts an Invitation workflow. IDs only.
type InvitationInput struct {
	InvitationID string
	Window       time.Duration // how long the invitee has to register
}

// Invitation outcomes.
const (
	OutcomeRegistered = "registered"
	OutcomeExpired    = "expired"
)

// InvitationResult is how an invitation ended.
type InvitationResult struct {
	Outcome string // OutcomeRegistered or OutcomeExpired
}

// SignalRegistered tells an Invitation workflow that its invitee registered.
const SignalRegistered = "registered"

// InvitationWorkflowID is the workflow ID for an invitation.
func InvitationWorkflowID(invitationID string) string { return "invitation/" + invitationID }

var activityRef *activities.Activities

// Invitation sends a registration link and waits for the invitee to
// register or for the window to pass. When it passes, the invitee's details
// are deleted and only an anonymous count is kept. The database decides any
// race: an expiry after a registration changes nothing, and a registration
// after the expiry is refused.
func Invitation(ctx workflow.Context, in InvitationInput) (InvitationResult, error) {
	logger := workflow.GetLogger(ctx)

	// Sending runs beside the timer: a mail server that is down must not
	// hold the window open. It is cancelled once the invitation is settled.
	sendScope, cancelSend := workflow.WithCancel(ctx)
	sendCtx := workflow.WithActivityOptions(sendScope, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// Keep trying while the link is still worth sending.
		ScheduleToCloseTimeout: in.Window,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
	send := workflow.ExecuteActivity(sendCtx, activityRef.SendInvitation, activities.InvitationRef{InvitationID: in.InvitationID})

	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	timer := workflow.NewTimer(timerCtx, in.Window)
	registered := workflow.GetSignalChannel(ctx, SignalRegistered)

	outcome := ""
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(send, func(f workflow.Future) {
		if err := f.Get(ctx, nil); err != nil {
			logger.Error("invitation could not be sent before its window closed", "invitation_id", in.InvitationID, "error", err)
		}
	})
	sel.AddReceive(registered, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		outcome = OutcomeRegistered
	})
	sel.AddFuture(timer, func(f workflow.Future) {
		if f.Get(ctx, nil) == nil {
			outcome = OutcomeExpired
		}
	})
	for outcome == "" {
		sel.Select(ctx)
	}
	cancelTimer()
	cancelSend()
	if outcome == OutcomeRegistered {
		return InvitationResult{Outcome: OutcomeRegistered}, nil
	}

	// The window has passed: delete the details, retrying until the
	// database answers.
	expireCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	var res activities.ExpireResult
	if err := workflow.ExecuteActivity(expireCtx, activityRef.ExpireInvitation, activities.InvitationRef{InvitationID: in.InvitationID}).Get(expireCtx, &res); err != nil {
		return InvitationResult{}, err
	}
	if !res.Expired {
		// Registered, but the signal had not arrived when the timer fired.
		return InvitationResult{Outcome: OutcomeRegistered}, nil
	}
	return InvitationResult{Outcome: OutcomeExpired}, nil
}
