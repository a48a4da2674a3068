package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// AccountInvitationInput starts an OrgOnboarding or an AccountInvitation.
// IDs and durations only.
type AccountInvitationInput = sim.AccountInvitationArgs

// Onboarding states, as the OnboardingState search attribute and the
// "state" query show them.
const (
	OnboardingInviting  = "inviting"
	OnboardingReminded  = "reminded"
	OnboardingCompleted = "completed"
	OnboardingEscalated = "escalated"
	OnboardingExpired   = "expired" // a colleague's invitation that closed unanswered
)

// QueryState is the query that answers an OrgOnboarding's or
// AccountInvitation's InvitationProgress.
const QueryState = "state"

// SignalAccepted tells an OrgOnboarding or AccountInvitation that its
// invitee has set up their account.
const SignalAccepted = sim.SignalAccountAccepted

// InvitationProgress is where an OrgOnboarding or AccountInvitation is:
// its state, and when its reminder is and its window closes. IDs only.
type InvitationProgress struct {
	State        string
	OrgID        string
	InvitationID string
	RemindAt     time.Time
	ExpiresAt    time.Time
	Reminded     bool
}

// OrgOnboarding sees an organisation's initial administrator through
// setting up their account: it sends the invitation, reminds them before
// it closes, and when it closes unanswered escalates to the operators (a
// notification, and the organisation in the escalated queue, to re-issue).
// Its progress is the "state" query and the MusterOrgID and
// MusterOnboardingState search attributes.
func OrgOnboarding(ctx workflow.Context, in AccountInvitationInput) (InvitationProgress, error) {
	return accountInvitation(ctx, in, true)
}

// AccountInvitation sends an administrator's invitation of a colleague,
// reminds them before it closes, and closes it (wiping the invitee's
// details) when its window passes unanswered.
func AccountInvitation(ctx workflow.Context, in AccountInvitationInput) (InvitationProgress, error) {
	return accountInvitation(ctx, in, false)
}

func accountInvitation(ctx workflow.Context, in AccountInvitationInput, onboarding bool) (InvitationProgress, error) {
	logger := workflow.GetLogger(ctx)
	start := workflow.Now(ctx)
	window, remindAfter := time.Duration(in.Window), time.Duration(in.RemindAfter)
	progress := InvitationProgress{
		State: OnboardingInviting, OrgID: in.OrgID, InvitationID: in.InvitationID,
		RemindAt: start.Add(remindAfter), ExpiresAt: start.Add(window),
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (InvitationProgress, error) { return progress, nil }); err != nil {
		return progress, err
	}
	setState := func(state string) {
		progress.State = state
		updates := []temporal.SearchAttributeUpdate{OrgID.ValueSet(in.OrgID)}
		if onboarding {
			updates = append(updates, OnboardingState.ValueSet(state))
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			logger.Warn("search attributes not set", "invitation_id", in.InvitationID, "error", err)
		}
	}
	setState(OnboardingInviting)

	// Emails go beside the timers: a mail server that is down must not
	// hold the window open. Each keeps trying while it is worth sending.
	sendScope, cancelSends := workflow.WithCancel(ctx)
	sendOpts := func(until time.Duration) workflow.Context {
		return workflow.WithActivityOptions(sendScope, workflow.ActivityOptions{
			StartToCloseTimeout:    time.Minute,
			ScheduleToCloseTimeout: until,
			RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
		})
	}
	send := func(purpose string, until time.Duration) workflow.Future {
		return workflow.ExecuteActivity(sendOpts(until), activityRef.SendAccountInvitation, activities.AccountLinkRef{InvitationID: in.InvitationID, Purpose: purpose})
	}
	timersCtx, cancelTimers := workflow.WithCancel(ctx)
	remind := workflow.NewTimer(timersCtx, remindAfter)
	closes := workflow.NewTimer(timersCtx, window)
	accepted := workflow.GetSignalChannel(ctx, SignalAccepted)

	done, expired := false, false
	sel := workflow.NewSelector(ctx)
	logSend := func(purpose string) func(workflow.Future) {
		return func(f workflow.Future) {
			if err := f.Get(ctx, nil); err != nil {
				logger.Error("account invitation email not sent", "invitation_id", in.InvitationID, "purpose", string(purpose), "error", err)
			}
		}
	}
	sel.AddFuture(send(activities.LinkInvitation, window), logSend(activities.LinkInvitation))
	sel.AddFuture(remind, func(f workflow.Future) {
		if f.Get(ctx, nil) != nil {
			return
		}
		progress.Reminded = true
		if onboarding {
			setState(OnboardingReminded)
		}
		sel.AddFuture(send(activities.LinkReminder, window-remindAfter), logSend(activities.LinkReminder))
	})
	sel.AddReceive(accepted, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		done = true
	})
	sel.AddFuture(closes, func(f workflow.Future) {
		if f.Get(ctx, nil) == nil {
			done, expired = true, true
		}
	})
	for !done {
		sel.Select(ctx)
	}
	cancelTimers()
	cancelSends()

	settle := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	ref := activities.AccountInvitationRef{InvitationID: in.InvitationID, OrgID: in.OrgID}
	if expired {
		// The database decides a race with a late acceptance.
		var outcome string
		if err := workflow.ExecuteActivity(settle, activityRef.CloseAccountInvitation, ref).Get(settle, &outcome); err != nil {
			return progress, err
		}
		expired = outcome == activities.AccountExpired
	}
	switch {
	case expired && onboarding:
		if err := workflow.ExecuteActivity(settle, activityRef.NotifyOnboardingEscalated, ref).Get(settle, nil); err != nil {
			return progress, err
		}
		setState(OnboardingEscalated)
	case expired:
		setState(OnboardingExpired)
	case onboarding:
		if err := workflow.ExecuteActivity(settle, activityRef.CompleteOnboarding, ref).Get(settle, nil); err != nil {
			return progress, err
		}
		setState(OnboardingCompleted)
	default:
		setState(OnboardingCompleted)
	}
	return progress, nil
}
