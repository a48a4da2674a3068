package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// Each hook gets the event in its own activity: one whose endpoint is
// down for half an hour is retried with back-off until it accepts, the other
// is delivered at once, once. (The test environment stops at ten
// attempts; the real policy keeps going for 30 days.)
func TestJourneyHooksRetryUntilAccepted(t *testing.T) {
	t.Parallel()
	env, a := newEnv(t)
	start := env.Now()
	in := sim.JourneyHooksArgs{EventID: "ev-1", OrgID: "org-1", Hooks: []string{"webhook", "crm"}}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	var mu sync.Mutex
	tries := map[string]int{}
	env.OnActivity(a.RunJourneyHook, mock.Anything, mock.Anything).Return(func(_ context.Context, ref activities.JourneyHookRef) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, "ev-1", ref.EventID)
		tries[ref.Hook]++
		if ref.Hook == "webhook" && env.Now().Sub(start) < 30*time.Minute {
			return false, errors.New("the endpoint answered 503")
		}
		return true, nil
	})
	env.ExecuteWorkflow(workflows.JourneyHooks, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var ran int
	require.NoError(t, env.GetWorkflowResult(&ran))
	require.Equal(t, 2, ran)
	require.Equal(t, 1, tries["crm"])
	require.Greater(t, tries["webhook"], 5)
}
