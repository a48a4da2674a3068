package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// InvitationInput starts an Invitation workflow. IDs and enumerations
// only; the window reads as a duration ("720h0m0s") in the Temporal UI.
type InvitationInput = sim.InvitationArgs

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
const SignalRegistered = sim.SignalInvitationRegistered

// InvitationWorkflowID is the workflow ID for an invitation.
func InvitationWorkflowID(invitationID string) string { return sim.InvitationWorkflowID(invitationID) }

var activityRef *activities.Activities

// Change IDs for workflow.GetVersion: each names a change to a workflow's
// commands, so that histories recorded before it still replay.
const (
	changeSearchAttributes       = "search-attributes"
	changeAlreadyRegisteredEmail = "already-registered-email"
)

// Invitation sends a registration link and waits for the invitee to
// register or for the window to pass. When it passes, the invitee's details
// are deleted and only an anonymous count is kept. The database decides any
// race: an expiry after a registration changes nothing, and a registration
// after the expiry is refused. Its state and kind are search attributes
// (MusterInvitationState, MusterInvitationKind).
func Invitation(ctx workflow.Context, in InvitationInput) (InvitationResult, error) {
	logger := workflow.GetLogger(ctx)
	searchable := workflow.GetVersion(ctx, changeSearchAttributes, workflow.DefaultVersion, 1) >= 1
	setState := func(state string) {
		if !searchable {
			return
		}
		updates := []temporal.SearchAttributeUpdate{InvitationState.ValueSet(state)}
		if state == StateWaiting && in.Kind != "" {
			updates = append(updates, InvitationKind.ValueSet(string(in.Kind)))
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			logger.Warn("search attributes not set", "invitation_id", in.InvitationID, "error", err)
		}
	}
	setState(StateWaiting)
	window := time.Duration(in.Window)

	// Sending runs beside the timer: a mail server that is down must not
	// hold the window open. It is cancelled once the invitation is settled.
	sendScope, cancelSend := workflow.WithCancel(ctx)
	sendCtx := workflow.WithActivityOptions(sendScope, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// Keep trying while the link is still worth sending.
		ScheduleToCloseTimeout: window,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
	send := workflow.ExecuteActivity(sendCtx, activityRef.SendInvitation, activities.InvitationRef{InvitationID: in.InvitationID})

	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	timer := workflow.NewTimer(timerCtx, window)
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
		setState(StateRegistered)
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
		setState(StateRegistered)
		return InvitationResult{Outcome: OutcomeRegistered}, nil
	}
	setState(StateExpired)
	return InvitationResult{Outcome: OutcomeExpired}, nil
}
