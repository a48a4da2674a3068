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

// followUpWorld is a placement's check-ins as the activities would keep
// them, and when each step happened, across the runs of one follow-up.
type followUpWorld struct {
	answers  map[int]sim.FollowUpAnswer
	asked    map[int]time.Time
	reminded map[int]time.Time
	closed   map[int]time.Time
	gone     bool
}

func newFollowUpWorld() *followUpWorld {
	return &followUpWorld{answers: map[int]sim.FollowUpAnswer{}, asked: map[int]time.Time{}, reminded: map[int]time.Time{}, closed: map[int]time.Time{}}
}

// candidateAnswer is the candidate answering the check-in months, after
// it was asked: the API records the answer and signals the follow-up.
type candidateAnswer struct {
	months int
	after  time.Duration // after the check-in is asked
	answer sim.FollowUpAnswer
	// during is the check-in whose run the signal arrives in: months
	// unless set (a late answer to an earlier check-in).
	during int
}

// runFollowUp runs a follow-up from in to its end in the time-skipping
// test environment, one environment per run (continue-as-new starts the
// next, on the same clock), and returns the last run's result and how
// many runs there were.
func runFollowUp(t *testing.T, w *followUpWorld, in sim.PlacementFollowUpArgs, clock time.Time, answers ...candidateAnswer) (workflows.PlacementFollowUpResult, int) {
	t.Helper()
	for runs := 1; ; runs++ {
		require.LessOrEqual(t, runs, len(in.Months), "one run per check-in")
		env, a := newEnv(t)
		env.SetStartTime(clock)
		env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
		status := func(ref activities.FollowUpRef) activities.FollowUpStatus {
			return activities.FollowUpStatus{ID: "f-" + time.Duration(ref.Months).String(), Answer: w.answers[ref.Months], Gone: w.gone}
		}
		env.OnActivity(a.FollowUpAsk, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.FollowUpRef) (activities.FollowUpStatus, error) {
			require.Equal(t, in.InterestID, ref.InterestID)
			require.True(t, sim.FollowUpDue(in.StartsOn, ref.Months).Equal(ref.DueOn), "due on %s", ref.DueOn)
			if _, ok := w.asked[ref.Months]; !ok {
				w.asked[ref.Months] = env.Now().UTC()
			}
			return status(ref), nil
		})
		env.OnActivity(a.FollowUpRemind, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.FollowUpRef) (activities.FollowUpStatus, error) {
			require.NotContains(t, w.reminded, ref.Months, "reminded once")
			w.reminded[ref.Months] = env.Now().UTC()
			return status(ref), nil
		})
		env.OnActivity(a.FollowUpClose, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.FollowUpRef) (activities.FollowUpStatus, error) {
			if w.answers[ref.Months] == "" {
				w.answers[ref.Months] = sim.FollowUpNoAnswer
				w.closed[ref.Months] = env.Now().UTC()
			}
			return status(ref), nil
		})
		months := in.Months[in.Next]
		for _, ans := range answers {
			if during := ans.during; during != months && (during != 0 || ans.months != months) {
				continue
			}
			due := sim.FollowUpDue(in.StartsOn, months)
			if due.Before(clock) {
				due = clock
			}
			env.RegisterDelayedCallback(func() {
				w.answers[ans.months] = ans.answer
				env.SignalWorkflow(sim.SignalFollowUpAnswered, sim.FollowUpAnswered{Months: ans.months, Answer: ans.answer})
			}, due.Sub(clock)+ans.after)
		}
		env.ExecuteWorkflow(workflows.PlacementFollowUp, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if err == nil {
			var res workflows.PlacementFollowUpResult
			require.NoError(t, env.GetWorkflowResult(&res))
			return res, runs
		}
		require.ErrorAs(t, err, &can)
		require.Equal(t, sim.WorkflowPlacementFollowUp, can.WorkflowType.Name)
		var next sim.PlacementFollowUpArgs
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
		require.Equal(t, in.Next+1, next.Next)
		in, clock = next, env.Now()
	}
}

var placedOn = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

func followUpArgs() sim.PlacementFollowUpArgs {
	intent := sim.StartPlacementFollowUp("interest-1", "org-1", placedOn, sim.DefaultFollowUpPolicy)
	return intent.Args.(sim.PlacementFollowUpArgs)
}

// The whole year in test time: each check-in is asked exactly when due
// (3, 6 and 12 months after the start date), each in its own run. The
// candidate answers the first at once; the second never (reminded after
// two weeks, then no answer two weeks later); the third after its
// reminder.
func TestPlacementFollowUpForAYear(t *testing.T) {
	t.Parallel()
	w := newFollowUpWorld()
	week := 7 * 24 * time.Hour
	res, runs := runFollowUp(t, w, followUpArgs(), placedOn.Add(time.Hour),
		candidateAnswer{months: 3, after: 2 * 24 * time.Hour, answer: sim.FollowUpInPost},
		candidateAnswer{months: 12, after: 3 * week, answer: sim.FollowUpInPost},
	)
	require.Equal(t, 3, runs, "each check-in in its own run: the history stays small")
	require.Equal(t, workflows.PlacementFollowUpResult{Months: 12, Answer: sim.FollowUpInPost}, res)
	require.Equal(t, map[int]time.Time{
		3:  time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC),
		6:  time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC),
		12: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC),
	}, w.asked)
	require.Equal(t, map[int]sim.FollowUpAnswer{3: sim.FollowUpInPost, 6: sim.FollowUpNoAnswer, 12: sim.FollowUpInPost}, w.answers)
	require.Equal(t, map[int]time.Time{6: w.asked[6].Add(2 * week), 12: w.asked[12].Add(2 * week)}, w.reminded)
	require.Equal(t, map[int]time.Time{6: w.asked[6].Add(4 * week)}, w.closed)
}

// "Not in post" ends the follow-up: no later check-in is asked.
func TestPlacementFollowUpEndsWhenNoLongerInPost(t *testing.T) {
	t.Parallel()
	w := newFollowUpWorld()
	res, runs := runFollowUp(t, w, followUpArgs(), placedOn, candidateAnswer{months: 3, after: time.Hour, answer: sim.FollowUpNotInPost})
	require.Equal(t, 1, runs)
	require.Equal(t, workflows.PlacementFollowUpResult{Months: 3, Answer: sim.FollowUpNotInPost}, res)
	require.Len(t, w.asked, 1)
	require.Empty(t, w.reminded)
}

// An answer to an earlier check-in arriving late (the outbox repeats a
// signal) does not answer this one, even "not in post": the 6-month
// check-in is still reminded and closed, and the 12-month one asked. A
// placement whose record was erased ends the follow-up.
func TestPlacementFollowUpIgnoresStaleAnswersAndEndsWhenErased(t *testing.T) {
	t.Parallel()
	w := newFollowUpWorld()
	w.answers[3] = sim.FollowUpInPost
	in := followUpArgs()
	in.Next = 1 // the 6-month check-in
	res, runs := runFollowUp(t, w, in, placedOn.AddDate(0, 3, 1),
		candidateAnswer{months: 3, during: 6, after: time.Hour, answer: sim.FollowUpNotInPost},
		candidateAnswer{months: 12, after: time.Hour, answer: sim.FollowUpInPost},
	)
	require.Equal(t, 2, runs)
	require.Equal(t, workflows.PlacementFollowUpResult{Months: 12, Answer: sim.FollowUpInPost}, res)
	require.Equal(t, sim.FollowUpNoAnswer, w.answers[6])
	require.Contains(t, w.reminded, 6)
	require.Contains(t, w.closed, 6)

	w = newFollowUpWorld()
	w.gone = true
	res, runs = runFollowUp(t, w, followUpArgs(), placedOn)
	require.Equal(t, 1, runs)
	require.True(t, res.Gone)
	require.Empty(t, w.reminded)
	require.Empty(t, w.closed)
}
