package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// DefaultTaskQueue is the task queue Muster's workers poll unless configured.
const DefaultTaskQueue = "muster"

// Definition is one workflow Muster runs: the name it is registered and
// started under (sim names it) and its function.
type Definition struct {
	Name string
	Func any
}

// All is every workflow Muster runs. Register registers each on a worker,
// the workflow tests on their test environment, and the replay test
// replays each one's committed histories (and fails for one that has
// none). A workflow no longer started stays here while executions of it
// may still be running.
var All = []Definition{
	{Name: sim.WorkflowInvitation, Func: Invitation},
	{Name: sim.WorkflowInvitationResend, Func: InvitationResend},
	{Name: sim.WorkflowRegistrationRequest, Func: RegistrationRequest},
	{Name: sim.WorkflowOrgOnboarding, Func: OrgOnboarding},
	{Name: sim.WorkflowAccountInvitation, Func: AccountInvitation},
	{Name: sim.WorkflowPasswordReset, Func: PasswordReset},
	{Name: sim.WorkflowMailboxVerification, Func: MailboxVerification},
	{Name: sim.WorkflowInterestNotification, Func: InterestNotification},
	{Name: sim.WorkflowMessageNotification, Func: MessageNotification},
	{Name: sim.WorkflowPlacementFollowUp, Func: PlacementFollowUp},
	{Name: sim.WorkflowSpotCheckNotice, Func: SpotCheckNotice},
	{Name: sim.WorkflowJourneyHooks, Func: JourneyHooks},
	{Name: sim.WorkflowRetention, Func: Retention},
	{Name: sim.WorkflowErasure, Func: Erasure},
	{Name: sim.WorkflowDataRequest, Func: DataRequest},
	{Name: sim.WorkflowInfoRequest, Func: InfoRequest},
}

// RegisterWorkflows registers every workflow in All on r under its name.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	for _, d := range All {
		r.RegisterWorkflowWithOptions(d.Func, workflow.RegisterOptions{Name: d.Name})
	}
}

// Register registers every Muster workflow and the activities on r: the
// one call that makes a worker run Muster.
func Register(r worker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(a)
}
