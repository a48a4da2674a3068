package workflows

import (
	"context"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// DefaultTaskQueue is the task queue Muster's workers poll unless configured.
const DefaultTaskQueue = "muster"

// Register registers every Muster workflow and the activities on r: the one
// call an embedder makes on its worker.
func Register(r worker.Registry, a *activities.Activities) {
	r.RegisterWorkflow(Invitation)
	r.RegisterWorkflow(InvitationResend)
	r.RegisterActivity(a)
}

// Engine starts and signals Muster's workflows from the client side.
type Engine struct {
	Client    client.Client
	TaskQueue string
}

// StartInvitation starts the Invitation workflow for inv. Starting twice
// for the same invitation is not an error.
func (e *Engine) StartInvitation(ctx context.Context, inv sim.Invitation) error {
	window := inv.ExpiresAt.Sub(inv.CreatedAt)
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        InvitationWorkflowID(inv.ID),
		TaskQueue: e.TaskQueue,
	}, Invitation, InvitationInput{InvitationID: inv.ID, Window: window})
	if err != nil {
		if _, ok := err.(*serviceerror.WorkflowExecutionAlreadyStarted); ok {
			return nil
		}
		return fmt.Errorf("start invitation workflow: %w", err)
	}
	return nil
}

// ResendInvitation starts sending an invitation's link again. While one
// resend is under way, asking again is not an error and starts nothing.
func (e *Engine) ResendInvitation(ctx context.Context, invitationID string) error {
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        InvitationResendWorkflowID(invitationID),
		TaskQueue: e.TaskQueue,
	}, InvitationResend, activities.InvitationRef{InvitationID: invitationID})
	if err != nil {
		if _, ok := err.(*serviceerror.WorkflowExecutionAlreadyStarted); ok {
			return nil
		}
		return fmt.Errorf("start invitation resend workflow: %w", err)
	}
	return nil
}

// SignalRegistered tells the invitation's workflow that its invitee has
// registered. A workflow that has already finished is not an error: the
// registration is already safe in the database.
func (e *Engine) SignalRegistered(ctx context.Context, invitationID string) error {
	err := e.Client.SignalWorkflow(ctx, InvitationWorkflowID(invitationID), "", SignalRegistered, nil)
	if err != nil {
		if _, ok := err.(*serviceerror.NotFound); ok {
			return nil
		}
		return fmt.Errorf("signal invitation workflow: %w", err)
	}
	return nil
}
