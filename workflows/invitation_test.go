package workflows_test

import (
	"encoding/json"
	"errors"
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

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.Activities) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	a := &activities.Activities{}
	workflows.Register(env, a)
	return env, a
}

// states records the MusterInvitationState values a workflow sets.
func states(env *testsuite.TestWorkflowEnvironment) *[]string {
	var got []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(workflows.InvitationState); ok {
			got = append(got, v)
		}
		if v, ok := sa.GetKeyword(workflows.InvitationKind); ok {
			got = append(got, "kind="+v)
		}
	}).Return(nil)
	return &got
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

	seen := states(env)
	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-1", Kind: sim.InvitationSelf, Window: sim.Duration(sim.DefaultInvitationWindow)})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeExpired, res.Outcome)
	require.Equal(t, sim.DefaultInvitationWindow, expiredAt.Sub(start))
	require.Equal(t, []string{"waiting", "kind=self", "expired"}, *seen, "visible in the Temporal UI")
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
	seen := states(env)

	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-2", Kind: sim.InvitationByOperator, Window: sim.Duration(sim.DefaultInvitationWindow)})

	require.True(t, env.IsWorkflowCompleted())
	var res workflows.InvitationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.OutcomeRegistered, res.Outcome)
	require.Equal(t, 12*24*time.Hour, env.Now().Sub(start))
	require.Equal(t, []string{"waiting", "kind=operator", "registered"}, *seen)
	env.AssertNotCalled(t, "ExpireInvitation", mock.Anything, mock.Anything)
}

// A registration whose signal was lost is found by the expiry, which then
// deletes nothing.
func TestInvitationRegisteredWithoutSignal(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	env.OnActivity(a.SendInvitation, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.ExpireInvitation, mock.Anything, mock.Anything).Return(activities.ExpireResult{Expired: false}, nil)
	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-3", Window: sim.Duration(time.Hour)})
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
	env.ExecuteWorkflow(workflows.Invitation, workflows.InvitationInput{InvitationID: "inv-4", Window: sim.Duration(7 * 24 * time.Hour)})
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

// A request for a link: a new address's invitation is made (its workflow
// starts through the outbox), a pending one's link is sent again, a
// registered one gets nothing.
func TestRegistrationRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome string
		resends int
	}{{"created", 0}, {"pending", 1}, {"registered", 0}} {
		env, a := newEnv(t)
		ref := activities.RegistrationRequestRef{RequestID: "req-1"}
		env.OnActivity(a.HandleRegistrationRequest, mock.Anything, ref).
			Return(activities.RegistrationRequestResult{Outcome: tc.outcome, InvitationID: "inv-7"}, nil).Once()
		if tc.resends > 0 {
			env.OnActivity(a.ResendInvitation, mock.Anything, activities.InvitationRef{InvitationID: "inv-7"}).Return(nil).Once()
		}
		env.ExecuteWorkflow(workflows.RegistrationRequest, workflows.RegistrationRequestInput{RequestID: "req-1"})
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		var res workflows.RegistrationRequestResult
		require.NoError(t, env.GetWorkflowResult(&res))
		require.Equal(t, tc.outcome, res.Outcome)
		env.AssertExpectations(t)
		if tc.resends == 0 {
			env.AssertNotCalled(t, "ResendInvitation", mock.Anything, mock.Anything)
		}
	}
}

// Durations in workflow inputs read well, and inputs recorded before they
// did still decode.
func TestDurationInInputs(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(workflows.InvitationInput{InvitationID: "x", Window: sim.Duration(30 * 24 * time.Hour)})
	require.NoError(t, err)
	require.JSONEq(t, `{"InvitationID":"x","Kind":"","Window":"720h0m0s"}`, string(b))
	var in workflows.InvitationInput
	require.NoError(t, json.Unmarshal([]byte(`{"InvitationID":"x","Window":3000000000}`), &in))
	require.Equal(t, sim.Duration(3*time.Second), in.Window)
	require.Error(t, json.Unmarshal([]byte(`{"Window":"soon"}`), &in))
}
