package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// onboardingStates records the MusterOnboardingState values a workflow
// sets, and checks every upsert names the organisation.
func onboardingStates(t *testing.T, env *testsuite.TestWorkflowEnvironment, orgID string) *[]string {
	var got []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		org, ok := sa.GetKeyword(workflows.OrgID)
		require.True(t, ok && org == orgID, "every upsert names the organisation")
		if v, ok := sa.GetKeyword(workflows.OnboardingState); ok {
			got = append(got, v)
		}
	}).Return(nil)
	return &got
}

var onboardingInput = workflows.AccountInvitationInput{
	InvitationID: "inv-o1", OrgID: "org-1",
	Window: sim.Duration(sim.DefaultAccountInvitationWindow), RemindAfter: sim.Duration(sim.ReminderAfter(sim.DefaultAccountInvitationWindow)),
}

// Seven days pass in test time with no answer: the reminder goes on day
// five, the invitation closes on day seven, and the operators are told.
func TestOrgOnboardingEscalatesWhenUnanswered(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	start := env.Now()
	var remindedAt, closedAt time.Time
	invitation := activities.AccountLinkRef{InvitationID: "inv-o1", Purpose: activities.LinkInvitation}
	reminder := activities.AccountLinkRef{InvitationID: "inv-o1", Purpose: activities.LinkReminder}
	ref := activities.AccountInvitationRef{InvitationID: "inv-o1", OrgID: "org-1"}
	env.OnActivity(a.SendAccountInvitation, mock.Anything, invitation).Return(true, nil).Once()
	env.OnActivity(a.SendAccountInvitation, mock.Anything, reminder).
		Run(func(mock.Arguments) { remindedAt = env.Now() }).Return(true, nil).Once()
	env.OnActivity(a.CloseAccountInvitation, mock.Anything, ref).
		Run(func(mock.Arguments) { closedAt = env.Now() }).Return(activities.AccountExpired, nil).Once()
	env.OnActivity(a.NotifyOnboardingEscalated, mock.Anything, ref).Return(nil).Once()
	seen := onboardingStates(t, env, "org-1")

	var midway workflows.InvitationProgress
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryState)
		require.NoError(t, err)
		require.NoError(t, v.Get(&midway))
	}, 6*24*time.Hour)
	env.ExecuteWorkflow(workflows.OrgOnboarding, onboardingInput)

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InvitationProgress
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OnboardingEscalated, res.State)
	require.Equal(t, 5*24*time.Hour, remindedAt.Sub(start), "reminded two days before it closes")
	require.Equal(t, 7*24*time.Hour, closedAt.Sub(start))
	require.Equal(t, []string{"inviting", "reminded", "escalated"}, *seen, "visible in the Temporal UI")
	require.Equal(t, workflows.OnboardingReminded, midway.State, "the query shows progress")
	require.True(t, midway.Reminded)
	require.True(t, start.Add(7*24*time.Hour).Equal(midway.ExpiresAt), "expires %s", midway.ExpiresAt)
	env.AssertExpectations(t)
}

// The administrator sets up their account on day three: no reminder, no
// escalation, the onboarding completes.
func TestOrgOnboardingCompletes(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	ref := activities.AccountInvitationRef{InvitationID: "inv-o1", OrgID: "org-1"}
	env.OnActivity(a.SendAccountInvitation, mock.Anything, mock.Anything).Return(true, nil).Once()
	env.OnActivity(a.CompleteOnboarding, mock.Anything, ref).Return(nil).Once()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalAccepted, nil) }, 3*24*time.Hour)
	seen := onboardingStates(t, env, "org-1")
	start := env.Now()

	env.ExecuteWorkflow(workflows.OrgOnboarding, onboardingInput)

	var res workflows.InvitationProgress
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OnboardingCompleted, res.State)
	require.False(t, res.Reminded)
	require.Equal(t, 3*24*time.Hour, env.Now().Sub(start))
	require.Equal(t, []string{"inviting", "completed"}, *seen)
	env.AssertExpectations(t)
}

// The acceptance committed but its signal had not arrived when the window
// closed: the database says so, and nothing is escalated.
func TestOrgOnboardingAcceptedWithoutSignal(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendAccountInvitation, mock.Anything, mock.Anything).Return(true, nil)
	env.OnActivity(a.CloseAccountInvitation, mock.Anything, mock.Anything).Return(activities.AccountAccepted, nil).Once()
	env.OnActivity(a.CompleteOnboarding, mock.Anything, mock.Anything).Return(nil).Once()
	onboardingStates(t, env, "org-1")
	env.ExecuteWorkflow(workflows.OrgOnboarding, onboardingInput)
	var res workflows.InvitationProgress
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OnboardingCompleted, res.State)
	env.AssertExpectations(t)
}

// A colleague's invitation closes quietly: no escalation, no onboarding
// state, only the organisation as a search attribute.
func TestAccountInvitationExpires(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendAccountInvitation, mock.Anything, mock.Anything).Return(true, nil).Twice()
	env.OnActivity(a.CloseAccountInvitation, mock.Anything, mock.Anything).Return(activities.AccountExpired, nil).Once()
	seen := onboardingStates(t, env, "org-2")
	in := onboardingInput
	in.OrgID = "org-2"
	env.ExecuteWorkflow(workflows.AccountInvitation, in)
	var res workflows.InvitationProgress
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OnboardingExpired, res.State)
	require.Empty(t, *seen, "a colleague's invitation has no onboarding state")
	env.AssertExpectations(t)
	env.AssertNotCalled(t, "NotifyOnboardingEscalated", mock.Anything, mock.Anything)
}
