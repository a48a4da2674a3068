package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.Activities) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	a := &activities.Activities{}
	env.RegisterWorkflow(workflows.Invitation)
	env.RegisterWorkflow(workflows.InvitationResend)
	env.RegisterActivity(a)
	return env, a
}

// The default 30-day window passes in test time: the invitee's details are
// deleted exactly when it closes.
func TestInvitationExpiresAfterWindow(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	start := env.Now()
	var expiredAt time.Time
	env.OnActivity(a.SendInvitation, mock.Anything, activities.InvitationRef{InvitationID: "inv-1"}).Return(nil).Once()
	env.OnActivity(a.ExpireInvitation, mock.Anything, activities.InvitationRef{InvitationID: "inv-1"}).
		Run(func(mock.Arguments) { expiredAt = env.Now() }).
		Return(activities.ExpireResult{Expired: true}, nil).Once()

	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-1", Window: sim.DefaultInvitationWindow})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeExpired, res.Outcome)
	require.Equal(t, sim.DefaultInvitationWindow, expiredAt.Sub(start))
	env.AssertExpectations(t)
}

// A registration signal on day 12 ends the workflow; nothing is deleted.
func TestInvitationRegistered(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendInvitation, mock.Anything, mock.Anything).Return(nil).Once()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalRegistered, nil)
	}, 12*24*time.Hour)
	start := env.Now()

	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-2", Window: sim.DefaultInvitationWindow})

	require.True(t, env.IsWorkflowCompleted())
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeRegistered, res.Outcome)
	require.Equal(t, 12*24*time.Hour, env.Now().Sub(start))
	env.AssertNotCalled(t, "ExpireInvitation", mock.Anything, mock.Anything)
}

// A registration whose signal was lost is found by the expiry, which then
// deletes nothing.
func TestInvitationRegisteredWithoutSignal(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendInvitation, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.ExpireInvitation, mock.Anything, mock.Anything).Return(activities.ExpireResult{Expired: false}, nil)
	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-3", Window: time.Hour})
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeRegistered, res.Outcome)
}

// A mail server that never accepts the message does not stop the window
// from closing and the details from being deleted.
func TestInvitationExpiresEvenIfSendingFails(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendInvitation, mock.Anything, mock.Anything).Return(sim.Errorf(sim.EINTERNAL, "smtp down"))
	env.OnActivity(a.ExpireInvitation, mock.Anything, mock.Anything).Return(activities.ExpireResult{Expired: true}, nil).Once()
	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-4", Window: 7 * 24 * time.Hour})
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeExpired, res.Outcome)
}

// Sending a link again retries a mail server that is down, then ends.
func TestInvitationResendRetries(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	ref := activities.InvitationRef{InvitationID: "inv-5"}
	env.OnActivity(a.ResendInvitation, mock.Anything, ref).Return(errors.New("smtp: connection refused")).Twice()
	env.OnActivity(a.ResendInvitation, mock.Anything, ref).Return(nil).Once()
	env.ExecuteWorkflow(workflows.InvitationResend, ref)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	env.AssertExpectations(t)
}
