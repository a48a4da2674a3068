package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// A retention run takes each step in order, runs a step again while it
// says more is due (resuming where it stopped), applies the whole run as
// of the moment it started, continues as new before its history grows
// large (carrying its progress and counts), and returns counts per step.
func TestRetentionRunsEveryStepToItsEnd(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	steps := []string{activities.StepExpireInvitations, "sweep:login_events", activities.StepAnonymise}
	// How many runs of each step find something, and how much each time:
	// anonymisation has far more batches than one run of the workflow
	// takes steps, so it continues as new part-way.
	batches := map[string]int{steps[0]: 2, steps[1]: 1, steps[2]: 450}
	calls := map[string]int{}
	var afters []string
	in := workflows.RetentionInput{}
	var runs int
	for runs = 1; ; runs++ {
		require.LessOrEqual(t, runs, 5)
		env, a := newEnv(t)
		env.SetStartTime(start.Add(time.Duration(runs) * time.Hour))
		env.OnActivity(a.RetentionPlan, mock.Anything).Return(steps, nil)
		env.OnActivity(a.RetentionStep, mock.Anything, mock.Anything).Return(
			func(_ context.Context, s activities.RetentionStepInput) (activities.RetentionStepResult, error) {
				require.True(t, start.Add(time.Hour).Equal(s.AsOf), "the whole sweep is as of the first run's start, not %s", s.AsOf)
				calls[s.Step]++
				if s.Step == activities.StepAnonymise {
					afters = append(afters, s.After)
				}
				more := calls[s.Step] < batches[s.Step]
				return activities.RetentionStepResult{Done: 10, After: s.Step + "-" + time.Duration(calls[s.Step]).String(), More: more}, nil
			})
		env.ExecuteWorkflow(workflows.Retention, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		if err == nil {
			var res workflows.RetentionResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, map[string]int64{steps[0]: 20, steps[1]: 10, steps[2]: 4500}, res.Done)
			require.True(t, start.Add(time.Hour).Equal(res.AsOf))
			break
		}
		var can *workflow.ContinueAsNewError
		require.ErrorAs(t, err, &can)
		require.Equal(t, sim.WorkflowRetention, can.WorkflowType.Name)
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
		require.Equal(t, steps, in.Steps, "the plan is carried, not asked again")
	}
	require.Equal(t, 3, runs, "450 batches and three steps at 200 steps a run")
	require.Equal(t, batches, calls, "each step until it is done, and no more")
	require.Equal(t, "", afters[0], "anonymisation starts from the beginning")
	for i := 1; i < len(afters); i++ {
		require.Equal(t, activities.StepAnonymise+"-"+time.Duration(i).String(), afters[i], "each batch resumes where the last stopped")
	}
}
