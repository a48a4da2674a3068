package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
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

// The three years, in test time, with the real activities on the real
// Postgres and the default schedule: a candidate last active on 10
// January 2026 is kept by a run on 9 January 2029 and anonymised by the
// run on 11 January 2029; a candidate active since stays.
func TestRetentionAnonymisesThreeYearsAfterTheLastActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	lastActive := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	old := testfactory.Candidate(t, d, testfactory.CandidateOpts{Now: lastActive.AddDate(0, -1, 0)})
	recent := testfactory.Candidate(t, d, testfactory.CandidateOpts{Now: lastActive.AddDate(0, -1, 0)})
	_, err := d.Admin.Exec(ctx, `INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES ($1, $3), ($2, $3 + interval '2 years')
		ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = EXCLUDED.last_active_at`, old.Candidate.ID, recent.Candidate.ID, lastActive)
	require.NoError(t, err)
	run := func(at time.Time) workflows.RetentionResult {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		workflows.Register(env, &activities.Activities{Store: store})
		env.SetStartTime(at)
		env.ExecuteWorkflow(workflows.Retention, workflows.RetentionInput{})
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		var res workflows.RetentionResult
		require.NoError(t, env.GetWorkflowResult(&res))
		return res
	}
	count := func(id string) (n int) {
		require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM candidates WHERE id = $1", id).Scan(&n))
		return n
	}
	res := run(time.Date(2029, 1, 9, 2, 0, 0, 0, time.UTC))
	require.Zero(t, res.Done[activities.StepAnonymise])
	require.Equal(t, 1, count(old.Candidate.ID), "a day short of three years")
	res = run(time.Date(2029, 1, 11, 2, 0, 0, 0, time.UTC))
	require.EqualValues(t, 1, res.Done[activities.StepAnonymise])
	require.Zero(t, count(old.Candidate.ID), "three years and a day")
	require.Equal(t, 1, count(recent.Candidate.ID))
}
