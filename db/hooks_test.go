package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// With journey hooks configured, every journey event starts their
// delivery through the outbox in its own transaction, and the engine
// reads it back as IDs and states only; without hooks, nothing is
// written.
func TestJourneyEventsReachHooks(t *testing.T) {
	t.Parallel()
	j := setupJourney(t, db.WithJourneyHooks("webhook", "crm"))
	ctx := context.Background()
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	_, err = j.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, j.now)
	require.NoError(t, err)
	rows, err := j.db.Admin.Query(ctx, "SELECT id::text, type FROM journey_events WHERE candidate_id = $1 AND org_id IS NOT NULL ORDER BY occurred_at, type", j.cand.Candidate.ID)
	require.NoError(t, err)
	var want []string
	types := map[string]string{}
	for rows.Next() {
		var id, typ string
		require.NoError(t, rows.Scan(&id, &typ))
		want = append(want, sim.JourneyHooksWorkflowID(id))
		types[id] = typ
	}
	require.NoError(t, rows.Err())
	require.Len(t, want, 2)
	require.ElementsMatch(t, want, j.outboxStarts(t, sim.WorkflowJourneyHooks))
	for id, typ := range types {
		require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
			ev, err := tx.JourneyEventForHook(ctx, id, "crm")
			require.Equal(t, sim.HookEvent{
				Key: sim.HookKey(id, "crm"), EventID: id, Type: sim.EventType(typ), CandidateID: j.cand.Candidate.ID,
				OrgID: j.orgA.ID, InterestID: ev.InterestID, From: ev.From, To: ev.To, At: ev.At,
			}, ev)
			require.NotEmpty(t, ev.InterestID)
			return err
		}))
	}
	err = j.in(t, j.userA, func(tx *db.Tx) error {
		_, err := tx.JourneyEventForHook(ctx, want[0], "crm")
		return err
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err), "the engine's alone")

	plain := setupJourney(t)
	_, err = plain.choose(t, plain.candActor, plain.now, plain.orgA.ID)
	require.NoError(t, err)
	require.Empty(t, plain.outboxStarts(t, sim.WorkflowJourneyHooks))
}
