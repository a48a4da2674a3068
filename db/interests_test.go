package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// journey is a world for a candidate's journey with organisations: two
// pledged, active organisations with a user each, and a registered
// candidate who consents to share their record, all from the factory.
type journey struct {
	*testBundle
	orgA, orgB   sim.Organisation
	userA, userB sim.Actor
	cand         testfactory.Registered
	candActor    sim.Actor
}

const shareConsent = "2026-11-share-v1"

func setupJourney(t *testing.T, opts ...db.Option) *journey {
	t.Helper()
	b := setup(t, opts...)
	j := &journey{testBundle: b}
	j.orgA = testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Northshire NHS Trust"})
	j.orgB = testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Southshire Health Board"})
	_, j.userA = testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: j.orgA.ID})
	_, j.userB = testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: j.orgB.ID})
	j.cand = testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	j.candActor = testfactory.Actor(j.cand.User)
	return j
}

// keepingPlaced is the same world seen through a store whose deployment
// keeps a placed candidate visible to the organisation that placed them.
func (j *journey) keepingPlaced() *journey {
	tb := *j.testBundle
	tb.store = db.NewStore(j.db.App, sim.DefaultSessionPolicy, db.WithVisibility(sim.VisibilityPolicy{KeepPlacedWithPlacer: true}))
	k := *j
	k.testBundle = &tb
	return &k
}

func (b *testBundle) choose(t *testing.T, actor sim.Actor, now time.Time, orgIDs ...string) ([]sim.InterestSummary, error) {
	t.Helper()
	var out []sim.InterestSummary
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.InterestsChoose(context.Background(), orgIDs, now)
		return err
	})
	return out, err
}

func (b *testBundle) removeInterest(t *testing.T, actor sim.Actor, orgID string, now time.Time) error {
	t.Helper()
	return b.in(t, actor, func(tx *db.Tx) error { return tx.InterestRemove(context.Background(), orgID, now) })
}

func (b *testBundle) recordSupport(t *testing.T, actor sim.Actor, orgID, candidateID string, iv sim.Intervention, now time.Time) (sim.InterestState, error) {
	t.Helper()
	var state sim.InterestState
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		_, state, err = tx.InterventionRecord(context.Background(), orgID, candidateID, iv, now)
		return err
	})
	return state, err
}

func (b *testBundle) orgCandidates(t *testing.T, actor sim.Actor, orgID string, f sim.CandidateFilter) ([]sim.OrgCandidate, error) {
	t.Helper()
	var out []sim.OrgCandidate
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.OrgCandidates(context.Background(), orgID, f)
		return err
	})
	return out, err
}

func (b *testBundle) orgCandidate(t *testing.T, actor sim.Actor, orgID, candidateID string) (sim.OrgCandidateProfile, error) {
	t.Helper()
	var out sim.OrgCandidateProfile
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.OrgCandidate(context.Background(), orgID, candidateID, b.now)
		return err
	})
	return out, err
}

func candidateIDs(cs []sim.OrgCandidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.CandidateID
	}
	return out
}

// rawCounts counts, as actor and past nothing but row-level security,
// the rows of each table that are about candidate c.
func (b *testBundle) rawCounts(t *testing.T, actor sim.Actor, c testfactory.Registered) map[string]int {
	t.Helper()
	ctx := context.Background()
	interests := b.ids(t, "SELECT id::text FROM interests WHERE candidate_id = $1", c.Candidate.ID)
	queries := map[string]struct {
		sql string
		arg any
	}{
		"candidates":     {"SELECT count(*) FROM candidates WHERE id = $1", c.Candidate.ID},
		"interests":      {"SELECT count(*) FROM interests WHERE candidate_id = $1", c.Candidate.ID},
		"interventions":  {"SELECT count(*) FROM interventions WHERE interest_id::text = ANY($1::text[])", interests},
		"journey_events": {"SELECT count(*) FROM journey_events WHERE candidate_id = $1", c.Candidate.ID},
		"users":          {"SELECT count(*) FROM users WHERE id = $1", c.User.ID},
	}
	out := map[string]int{}
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		for table, q := range queries {
			var n int
			if err := tx.QueryRow(ctx, q.sql, q.arg).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			out[table] = n
		}
		return nil
	}))
	return out
}

// requireSees checks that the user actor of organisation orgID sees c: in
// the list, in the profile, and in the raw rows of the candidate, their
// account and the organisation's interest.
func (b *testBundle) requireSees(t *testing.T, actor sim.Actor, orgID string, c testfactory.Registered, why string) sim.OrgCandidateProfile {
	t.Helper()
	p, err := b.orgCandidate(t, actor, orgID, c.Candidate.ID)
	require.NoError(t, err, why)
	require.Equal(t, c.Candidate.ID, p.CandidateID, why)
	list, err := b.orgCandidates(t, actor, orgID, sim.CandidateFilter{})
	require.NoError(t, err, why)
	require.Contains(t, candidateIDs(list), c.Candidate.ID, why)
	raw := b.rawCounts(t, actor, c)
	require.Equal(t, 1, raw["candidates"], why)
	require.Equal(t, 1, raw["interests"], "%s: the organisation's own interest only", why)
	require.Zero(t, raw["users"], "%s: the account itself stays hidden; the address comes through app_candidate_email", why)
	require.Positive(t, raw["journey_events"], why)
	return p
}

// requireHidden checks that the user actor of organisation orgID does not
// see c at all: not in the list, not in a profile, not to record support
// on, and in no raw row of the candidate, their account, their interests,
// the interventions on them or their journey events, though such rows
// exist.
func (b *testBundle) requireHidden(t *testing.T, actor sim.Actor, orgID string, c testfactory.Registered, why string) {
	t.Helper()
	_, err := b.orgCandidate(t, actor, orgID, c.Candidate.ID)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "%s: profile: %v", why, err)
	_, err = b.recordSupport(t, actor, orgID, c.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: b.now}, b.now)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "%s: intervention: %v", why, err)
	list, err := b.orgCandidates(t, actor, orgID, sim.CandidateFilter{})
	require.NoError(t, err, why)
	require.NotContains(t, candidateIDs(list), c.Candidate.ID, why)
	require.Equal(t, map[string]int{"candidates": 0, "interests": 0, "interventions": 0, "journey_events": 0, "users": 0},
		b.rawCounts(t, actor, c), "%s: raw rows", why)
	// ...while the rows are there for the operator.
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM candidates WHERE id = $1", c.Candidate.ID))
	require.Positive(t, b.count(t, "SELECT count(*) FROM interests WHERE candidate_id = $1", c.Candidate.ID))
	require.Positive(t, b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", c.Candidate.ID))
}

// requirePrivilege checks that err is Postgres refusing a write for lack
// of privilege: a row-level security policy or a guard trigger (42501).
func requirePrivilege(t *testing.T, err error, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "%s: not refused by Postgres: %v", what, err)
	require.Equal(t, "42501", pgErr.Code, "%s: %v", what, err)
}

// Choosing organisations: each new choice is an interest, a journey event
// naming the organisation and an InterestNotification started through
// the outbox under the event's ID; choosing again changes nothing; an
// organisation that cannot be chosen refuses the whole request; a choice
// taken back and made again starts afresh, with its own event and
// notification.
func TestInterestsChoose(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	cid := j.cand.Candidate.ID

	got, err := j.choose(t, j.candActor, j.now, j.orgA.ID, j.orgB.ID)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, in := range got {
		require.Equal(t, sim.InterestInterested, in.State)
		require.Contains(t, []string{j.orgA.Name, j.orgB.Name}, in.OrgName)
	}
	require.Equal(t, 2, j.count(t, "SELECT count(*) FROM interests WHERE candidate_id = $1 AND state = 'interested'", cid))
	events := j.ids(t, `SELECT e.id::text FROM journey_events e JOIN interests i ON i.id = e.interest_id
		WHERE e.candidate_id = $1 AND e.type = $2 AND e.org_id = i.org_id AND e.org_id IN ($3, $4) ORDER BY e.id`,
		cid, string(sim.EventInterestExpressed), j.orgA.ID, j.orgB.ID)
	require.Len(t, events, 2, "one event per organisation, naming it and its interest")
	wantStarts := []string{sim.InterestNotificationWorkflowID(events[0]), sim.InterestNotificationWorkflowID(events[1])}
	require.ElementsMatch(t, wantStarts, j.outboxStarts(t, sim.WorkflowInterestNotification))
	for _, id := range wantStarts {
		require.True(t, strings.HasPrefix(id, "interest-notification/"), id)
	}
	orgEvents := func() int {
		return j.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1 AND org_id IS NOT NULL", cid)
	}

	// Again, alone or with the other: a no-op.
	for _, orgs := range [][]string{{j.orgA.ID}, {j.orgB.ID, j.orgA.ID, j.orgA.ID}} {
		got, err = j.choose(t, j.candActor, j.now.Add(time.Hour), orgs...)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, 2, orgEvents())
		require.Len(t, j.outboxStarts(t, sim.WorkflowInterestNotification), 2)
	}

	// An organisation that cannot be chosen refuses the request, and
	// nothing of it is written, not even the choice of one that can.
	c := testfactory.Organisation(t, j.db, testfactory.OrganisationOpts{})
	inactive := testfactory.Organisation(t, j.db, testfactory.OrganisationOpts{Inactive: true})
	unpledged := testfactory.Organisation(t, j.db, testfactory.OrganisationOpts{})
	noPledge := renamed(unpledged, unpledged.Name)
	noPledge.PledgeOn = time.Time{}
	require.NoError(t, j.in(t, j.op, func(tx *db.Tx) error {
		_, err := tx.OrgUpdate(ctx, unpledged.ID, noPledge, j.now)
		return err
	}))
	for name, bad := range map[string]string{"unknown": uuid.NewString(), "inactive": inactive.ID, "unpledged": unpledged.ID} {
		_, err = j.choose(t, j.candActor, j.now.Add(2*time.Hour), c.ID, bad)
		requireField(t, err, "org_ids")
		require.Equal(t, 2, j.count(t, "SELECT count(*) FROM interests WHERE candidate_id = $1", cid), name)
		require.Equal(t, 2, orgEvents(), name)
		require.Len(t, j.outboxStarts(t, sim.WorkflowInterestNotification), 2, name)
	}

	// Taken back after an interview, then chosen again: a fresh interest.
	_, err = j.recordSupport(t, j.userA, j.orgA.ID, cid, sim.Intervention{Kind: sim.InterventionInterview, On: j.now}, j.now.Add(3*time.Hour))
	require.NoError(t, err)
	require.NoError(t, j.removeInterest(t, j.candActor, j.orgA.ID, j.now.Add(4*time.Hour)))
	require.Equal(t, "removed", j.stateOf(t, cid, j.orgA.ID))
	again := j.now.Add(5 * time.Hour)
	got, err = j.choose(t, j.candActor, again, j.orgA.ID)
	require.NoError(t, err)
	i := slices.IndexFunc(got, func(s sim.InterestSummary) bool { return s.OrgID == j.orgA.ID })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, sim.InterestInterested, got[i].State)
	require.True(t, again.Equal(got[i].OpenedAt), "opened again at %s, not %s", again, got[i].OpenedAt)
	var interviewed, workPlaced bool
	require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT interviewed, work_placed FROM interests WHERE candidate_id = $1 AND org_id = $2",
		cid, j.orgA.ID).Scan(&interviewed, &workPlaced))
	require.False(t, interviewed, "a fresh interest forgets the interview")
	require.False(t, workPlaced)
	expressedA := j.ids(t, "SELECT id::text FROM journey_events WHERE candidate_id = $1 AND org_id = $2 AND type = $3 ORDER BY occurred_at",
		cid, j.orgA.ID, string(sim.EventInterestExpressed))
	require.Len(t, expressedA, 2)
	require.Contains(t, j.outboxStarts(t, sim.WorkflowInterestNotification), sim.InterestNotificationWorkflowID(expressedA[1]))
	require.Len(t, j.outboxStarts(t, sim.WorkflowInterestNotification), 3)
	// chosen ×2, interview, removed, chosen again.
	require.Equal(t, 5, orgEvents())
}

func (b *testBundle) stateOf(t *testing.T, candidateID, orgID string) string {
	t.Helper()
	var s string
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), "SELECT state FROM interests WHERE candidate_id = $1 AND org_id = $2",
		candidateID, orgID).Scan(&s))
	return s
}

// chosenAndContacted has the candidate choose both organisations and A's
// user contact them, so that there is something of A's to hide.
func (j *journey) chosenAndContacted(t *testing.T) {
	t.Helper()
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID, j.orgB.ID)
	require.NoError(t, err)
	state, err := j.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, j.now)
	require.NoError(t, err)
	require.Equal(t, sim.InterestContacted, state)
	p := j.requireSees(t, j.userA, j.orgA.ID, j.cand, "chosen and contacted")
	require.Len(t, p.Interventions, 1)
	j.requireSees(t, j.userB, j.orgB.ID, j.cand, "chosen")
}

// An organisation sees a candidate, through the data layer and through
// row-level security alike, exactly while the candidate holds an open
// interest in it, shares their record, is registered (or, if the
// deployment says so, placed by it) and was not rejected by a spot check.
func TestOrgSeesCandidateOnlyWhileVisible(t *testing.T) {
	t.Parallel()
	t.Run("interest removed", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		require.NoError(t, j.removeInterest(t, j.candActor, j.orgA.ID, j.now.Add(time.Minute)))
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "interest removed")
		j.requireSees(t, j.userB, j.orgB.ID, j.cand, "B's interest is still open")
	})
	t.Run("consent withdrawn", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		consent := func(given bool, at time.Time) {
			t.Helper()
			require.NoError(t, j.in(t, j.candActor, func(tx *db.Tx) error {
				_, err := tx.ConsentChange(context.Background(), shareConsent, given, at)
				return err
			}))
		}
		consent(false, j.now.Add(time.Minute))
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "consent withdrawn")
		j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "consent withdrawn")
		consent(true, j.now.Add(2*time.Minute))
		j.requireSees(t, j.userA, j.orgA.ID, j.cand, "consent given again")
		j.requireSees(t, j.userB, j.orgB.ID, j.cand, "consent given again")
	})
	t.Run("candidate withdrew", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		require.NoError(t, j.in(t, j.candActor, func(tx *db.Tx) error { return tx.CandidateWithdraw(context.Background(), j.now.Add(time.Minute)) }))
		require.Equal(t, 1, j.count(t, "SELECT count(*) FROM candidates WHERE id = $1 AND status = 'withdrawn'", j.cand.Candidate.ID))
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "withdrawn")
		j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "withdrawn")
	})
	t.Run("rejected by a spot check", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		j.asOperator(t, "UPDATE candidates SET verification = 'rejected' WHERE id = $1", j.cand.Candidate.ID)
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "rejected")
		j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "rejected")
	})
	t.Run("placed by A", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		j.place(t, j.testBundle)
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "placed, by default")
		j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "placed by another")
		k := j.keepingPlaced()
		p := k.requireSees(t, k.userA, k.orgA.ID, k.cand, "placed, kept with the placer")
		require.Equal(t, sim.InterestPlaced, p.State)
		k.requireHidden(t, k.userB, k.orgB.ID, k.cand, "placed by another, kept with the placer")
	})
	t.Run("placed by A, kept with the placer", func(t *testing.T) {
		t.Parallel()
		j := setupJourney(t)
		j.chosenAndContacted(t)
		k := j.keepingPlaced()
		j.place(t, k.testBundle)
		p := k.requireSees(t, k.userA, k.orgA.ID, k.cand, "placed, kept with the placer")
		require.Equal(t, sim.InterestPlaced, p.State)
		require.Empty(t, p.Allowed)
		k.requireHidden(t, k.userB, k.orgB.ID, k.cand, "placed by another, kept with the placer")
		j.requireHidden(t, j.userA, j.orgA.ID, j.cand, "placed, by default")
		j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "placed by another")
	})
}

// asOperator runs sql on the admin connection as the programme operator
// (the guard triggers read app.role): for what the operator will do
// through code that does not exist yet, such as deciding a spot check.
func (b *testBundle) asOperator(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.db.Admin.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, "SELECT set_config('app.role', 'operator', true)")
	require.NoError(t, err)
	tag, err := tx.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
	require.EqualValues(t, 1, tag.RowsAffected(), sql)
	require.NoError(t, tx.Commit(ctx))
}

// place has A's user make a direct offer and record the placement,
// through the store of b.
func (j *journey) place(t *testing.T, b *testBundle) {
	t.Helper()
	state, err := b.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: sim.InterventionOffer, On: j.now, Direct: true}, j.now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, sim.InterestOffered, state)
	state, err = b.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: sim.InterventionPlaced, On: j.now}, j.now.Add(2*time.Minute))
	require.NoError(t, err, "recording the placement")
	require.Equal(t, sim.InterestPlaced, state)
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM candidates WHERE id = $1 AND status = 'placed'", j.cand.Candidate.ID))
}

// An organisation the candidate did not choose never sees them, while the
// one they chose does.
func TestOrgNeverSeesCandidateWhoChoseAnother(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	_, err = j.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, j.now)
	require.NoError(t, err)
	j.requireSees(t, j.userA, j.orgA.ID, j.cand, "chose A")
	j.requireHidden(t, j.userB, j.orgB.ID, j.cand, "chose only A")
	list, err := j.orgCandidates(t, j.userB, j.orgB.ID, sim.CandidateFilter{})
	require.NoError(t, err)
	require.Empty(t, list)
	// Nor through A's organisation ID: B's user may not ask for A's list.
	_, err = j.orgCandidates(t, j.userB, j.orgA.ID, sim.CandidateFilter{})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "%v", err)
	_, err = j.orgCandidate(t, j.userB, j.orgA.ID, j.cand.Candidate.ID)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "%v", err)
}

// Interventions follow the journey's rules: a refused one says why (and
// what is allowed) and writes nothing; each accepted one writes exactly
// one journey event and one audit event; viewing a profile is audited.
func TestInterventionRules(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	cid := j.cand.Candidate.ID
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	interest := j.ids(t, "SELECT id::text FROM interests WHERE candidate_id = $1 AND org_id = $2", cid, j.orgA.ID)[0]
	written := func() [3]int {
		return [3]int{
			j.count(t, "SELECT count(*) FROM journey_events WHERE interest_id = $1", interest),
			j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2 AND org_id = $3 AND actor_id = $4",
				string(sim.AuditSupportRecorded), interest, j.orgA.ID, j.userA.UserID),
			j.count(t, "SELECT count(*) FROM interventions WHERE interest_id = $1", interest),
		}
	}
	at := j.now
	accept := func(iv sim.Intervention, want sim.InterestState) {
		t.Helper()
		at = at.Add(time.Minute)
		before := written()
		state, err := j.recordSupport(t, j.userA, j.orgA.ID, cid, iv, at)
		require.NoError(t, err, "%+v", iv)
		require.Equal(t, want, state, "%+v", iv)
		require.Equal(t, [3]int{before[0] + 1, before[1] + 1, before[2] + 1}, written(), "one event, one audit event, one intervention: %+v", iv)
		var last string
		require.NoError(t, j.db.Admin.QueryRow(context.Background(), "SELECT type FROM journey_events WHERE interest_id = $1 ORDER BY occurred_at DESC LIMIT 1",
			interest).Scan(&last))
		require.Equal(t, string(sim.InterventionEvent(iv.Kind)), last)
	}
	refuse := func(iv sim.Intervention, code string) *sim.Error {
		t.Helper()
		before := written()
		_, err := j.recordSupport(t, j.userA, j.orgA.ID, cid, iv, at)
		var e *sim.Error
		require.ErrorAs(t, err, &e, "%+v", iv)
		require.Equal(t, code, e.Code, "%+v: %v", iv, err)
		require.Equal(t, before, written(), "a refused intervention writes nothing: %+v", iv)
		return e
	}

	e := refuse(sim.Intervention{Kind: sim.InterventionOffer, On: j.now}, sim.ECONFLICT)
	require.Contains(t, e.Message, "interview or a work placement")
	e = refuse(sim.Intervention{Kind: sim.InterventionWorkPlacement, On: j.now, EndsOn: j.now.AddDate(0, 0, -1)}, sim.EINVALID)
	require.Equal(t, "ends_on", e.Field)
	e = refuse(sim.Intervention{Kind: sim.InterventionPlaced, On: j.now}, sim.ECONFLICT)
	require.Contains(t, e.Message, "allowed from interested: contacted, information_day, work_placement, interview, offer, not_progressed")

	accept(sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, sim.InterestContacted)
	accept(sim.Intervention{Kind: sim.InterventionInfoDay, On: j.now, Attended: true}, sim.InterestEngaged)
	accept(sim.Intervention{Kind: sim.InterventionWorkPlacement, On: j.now, EndsOn: j.now.AddDate(0, 0, 14)}, sim.InterestWorkPlacement)
	accept(sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, sim.InterestWorkPlacement) // never backwards
	accept(sim.Intervention{Kind: sim.InterventionInterview, On: j.now.AddDate(0, 0, 7)}, sim.InterestInterviewing)
	accept(sim.Intervention{Kind: sim.InterventionOffer, On: j.now.AddDate(0, 0, 8)}, sim.InterestOffered)
	e = refuse(sim.Intervention{Kind: sim.InterventionContacted, On: j.now}, sim.ECONFLICT)
	require.Contains(t, e.Message, "allowed from offered: placed, not_progressed")

	// A profile view is audited, and shows what was recorded.
	views := func() int {
		return j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2 AND org_id = $3 AND actor_id = $4",
			string(sim.AuditCandidateViewed), cid, j.orgA.ID, j.userA.UserID)
	}
	require.Zero(t, views())
	p, err := j.orgCandidate(t, j.userA, j.orgA.ID, cid)
	require.NoError(t, err)
	require.Equal(t, 1, views())
	require.Equal(t, sim.InterestOffered, p.State)
	require.True(t, p.Interviewed)
	require.True(t, p.WorkPlaced)
	require.Len(t, p.Interventions, 6)
	require.Equal(t, []sim.InterventionKind{sim.InterventionPlaced, sim.InterventionNotProgressed}, p.Allowed)
	require.Equal(t, j.userA.UserID, p.Interventions[0].RecordedBy)
	require.Equal(t, j.cand.Candidate.Email, p.Email)
	// A view that finds nothing is not audited.
	_, err = j.orgCandidate(t, j.userB, j.orgB.ID, cid)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	require.Zero(t, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND org_id = $2", string(sim.AuditCandidateViewed), j.orgB.ID))
}

// Recording the placement closes the candidate's record as placed, with
// one event and one audit event; afterwards nothing more can be recorded:
// ENOTFOUND where the placed record is the operator's only, ECONFLICT
// (final) where the placer keeps it.
func TestPlacementClosesRecord(t *testing.T) {
	t.Parallel()
	for name, keep := range map[string]bool{"by default": false, "kept with the placer": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			j := setupJourney(t, db.WithVisibility(sim.VisibilityPolicy{KeepPlacedWithPlacer: keep}))
			cid := j.cand.Candidate.ID
			_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
			require.NoError(t, err)
			_, err = j.recordSupport(t, j.userA, j.orgA.ID, cid, sim.Intervention{Kind: sim.InterventionOffer, On: j.now, Direct: true}, j.now)
			require.NoError(t, err)
			events := j.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", cid)
			audits := j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditSupportRecorded))

			state, err := j.recordSupport(t, j.userA, j.orgA.ID, cid, sim.Intervention{Kind: sim.InterventionPlaced, On: j.now}, j.now.Add(time.Minute))
			require.NoError(t, err, "recording the placement")
			require.Equal(t, sim.InterestPlaced, state)
			require.Equal(t, 1, j.count(t, "SELECT count(*) FROM candidates WHERE id = $1 AND status = 'placed'", cid))
			require.Equal(t, events+1, j.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", cid))
			require.Equal(t, audits+1, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditSupportRecorded)))

			_, err = j.recordSupport(t, j.userA, j.orgA.ID, cid, sim.Intervention{Kind: sim.InterventionNotProgressed, On: j.now, Reason: "other"}, j.now.Add(2*time.Minute))
			if keep {
				require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "%v", err)
				require.Contains(t, sim.ErrorMessage(err), "final")
			} else {
				require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "%v", err)
			}
			// The candidate can no longer take the choice back or make another.
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(j.removeInterest(t, j.candActor, j.orgA.ID, j.now.Add(3*time.Minute))))
			_, err = j.choose(t, j.candActor, j.now.Add(3*time.Minute), j.orgB.ID)
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
		})
	}
}

// Postgres itself refuses the changes nobody's code should make, whatever
// the code above it does: an organisation's people change nothing of a
// candidate they see but a placement they made; a candidate cannot place
// or verify themselves; an interest never moves to another organisation.
func TestJourneyGuards(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	cid := j.cand.Candidate.ID
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	j.requireSees(t, j.userA, j.orgA.ID, j.cand, "chosen")
	exec := func(actor sim.Actor, sql string, args ...any) error {
		return j.in(t, actor, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			if err == nil {
				return fmt.Errorf("not refused, %d rows changed", tag.RowsAffected())
			}
			return err
		})
	}
	refused := func(actor sim.Actor, sql string, args ...any) {
		t.Helper()
		requirePrivilege(t, exec(actor, sql, args...), sql)
	}
	for _, userA := range []sim.Actor{j.userA, testfactory.Actor(mustOrgAdmin(t, j))} {
		refused(userA, "UPDATE candidates SET first_name = 'Mallory' WHERE id = $1", cid)
		refused(userA, "UPDATE candidates SET status = 'withdrawn' WHERE id = $1", cid)
		refused(userA, "UPDATE candidates SET status = 'placed' WHERE id = $1", cid) // A has not placed them
		refused(userA, "UPDATE candidates SET sharing = false WHERE id = $1", cid)
		refused(userA, "UPDATE interests SET org_id = $2 WHERE candidate_id = $1", cid, j.orgB.ID)
		refused(userA, "UPDATE interests SET state = 'interested' WHERE candidate_id = $1", cid)
		refused(userA, "INSERT INTO interests (id, candidate_id, org_id, state, opened_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 'interested', now(), now())",
			j.cand.Candidate.ID, j.orgB.ID)
	}
	refused(j.candActor, "UPDATE candidates SET status = 'placed' WHERE id = $1", cid)
	refused(j.candActor, "UPDATE candidates SET verification = 'verified' WHERE id = $1", cid)
	refused(j.candActor, "UPDATE candidates SET verification = 'sampled' WHERE id = $1", cid)
	refused(j.candActor, "UPDATE interests SET org_id = $2 WHERE candidate_id = $1", cid, j.orgB.ID)
	refused(j.candActor, "UPDATE interests SET state = 'placed' WHERE candidate_id = $1", cid)
	refused(j.candActor, "INSERT INTO interests (id, candidate_id, org_id, state, opened_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 'offered', now(), now())",
		cid, j.orgB.ID)
	refused(j.op, "UPDATE interests SET org_id = $2 WHERE candidate_id = $1", cid, j.orgB.ID)
	refused(j.op, "UPDATE interests SET candidate_id = gen_random_uuid() WHERE candidate_id = $1", cid)

	require.Equal(t, "interested", j.stateOf(t, cid, j.orgA.ID))
	var first, status, verification string
	require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT first_name, status, verification FROM candidates WHERE id = $1", cid).Scan(&first, &status, &verification))
	require.Equal(t, []string{j.cand.Candidate.Profile.FirstName, "registered", "unchecked"}, []string{first, status, verification})

	// What the refusals stop short of is allowed: the candidate withdraws.
	errRollBack := errors.New("roll back")
	err = j.in(t, j.candActor, func(tx *db.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE candidates SET status = 'withdrawn' WHERE id = $1", cid)
		require.NoError(t, err)
		require.EqualValues(t, 1, tag.RowsAffected())
		return errRollBack
	})
	require.ErrorIs(t, err, errRollBack)
}

func mustOrgAdmin(t *testing.T, j *journey) sim.User {
	t.Helper()
	u, _ := testfactory.OrgUser(t, j.db, testfactory.OrgUserOpts{OrgID: j.orgA.ID, Role: sim.RoleOrgAdmin})
	return u
}

// listed is a candidate of the list test and what the filters read.
type listed struct {
	reg    testfactory.Registered
	opened time.Time
	state  sim.InterestState
}

// An organisation's list filters by each filter and pages by keyset:
// pages in either order concatenate to the whole list, in order, without
// repeats, even across candidates who chose at the same instant.
func TestOrgCandidatesFiltersAndPages(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	base := j.now
	regions := []sim.Region{"wales", "london", "scotland"}
	conns := []sim.Connection{sim.ConnVeteran, sim.ConnReservist, sim.ConnSpouseOrPartner, sim.ConnServiceLeaver}
	skillSets := [][]string{{"First Aid"}, {"Logistics", "driving"}, {"Catering"}}
	const n = 30
	var all []listed
	for i := range n {
		p := testfactory.Profile(base)
		p.FirstName = fmt.Sprintf("Cand%02d", i)
		p.Region = regions[i%3]
		p.Connection = conns[i%4]
		p.Skills = slices.Clone(skillSets[i%3])
		switch i {
		case 5:
			p.Skills = append(p.Skills, "first_aid") // '_' is literal: "First Aid" does not match "first_aid"
		case 7:
			p.Skills = append(p.Skills, "100% reliable")
		case 11:
			p.Skills = append(p.Skills, "1000 hours") // '%' is literal: "100%" does not match "1000"
		}
		switch {
		case i == 16:
			p.JobPreferences = "day_shift rota"
		case i%5 == 0:
			p.JobPreferences = "Night shifts, A&E"
		case i%5 == 1:
			p.JobPreferences = "Day shift portering"
		}
		reg := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Profile: &p})
		opened := base.Add(time.Duration(i) * time.Minute)
		if i == 21 || i == 22 {
			opened = base.Add(20 * time.Minute) // three chose at the same instant: the keyset's tie-break
		}
		_, err := j.choose(t, testfactory.Actor(reg.User), opened, j.orgA.ID)
		require.NoError(t, err)
		state := sim.InterestInterested
		switch {
		case i%4 == 1:
			state, err = j.recordSupport(t, j.userA, j.orgA.ID, reg.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: base}, opened)
		case i%6 == 2:
			state, err = j.recordSupport(t, j.userA, j.orgA.ID, reg.Candidate.ID, sim.Intervention{Kind: sim.InterventionInterview, On: base}, opened)
		}
		require.NoError(t, err)
		all = append(all, listed{reg: reg, opened: opened, state: state})
	}
	// Candidates A does not see, whom no filter may bring back: one took the
	// choice back, one chose only B, one does not share their record.
	removed := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	_, err := j.choose(t, testfactory.Actor(removed.User), base, j.orgA.ID)
	require.NoError(t, err)
	require.NoError(t, j.removeInterest(t, testfactory.Actor(removed.User), j.orgA.ID, base.Add(time.Minute)))
	onlyB := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	_, err = j.choose(t, testfactory.Actor(onlyB.User), base, j.orgB.ID)
	require.NoError(t, err)
	unshared := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Consent: new(false)})
	_, err = j.choose(t, testfactory.Actor(unshared.User), base, j.orgA.ID)
	require.NoError(t, err)

	list := func(f sim.CandidateFilter) []sim.OrgCandidate {
		t.Helper()
		out, err := j.orgCandidates(t, j.userA, j.orgA.ID, f)
		require.NoError(t, err, "%+v", f)
		return out
	}
	want := func(keep func(i int, l listed) bool) []string {
		out := []string{}
		for i, l := range all {
			if keep(i, l) {
				out = append(out, l.reg.Candidate.ID)
			}
		}
		return out
	}
	hasSkill := func(l listed, sub string) bool {
		return slices.ContainsFunc(l.reg.Candidate.Profile.Skills, func(s string) bool {
			return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
		})
	}

	whole := list(sim.CandidateFilter{})
	require.ElementsMatch(t, want(func(int, listed) bool { return true }), candidateIDs(whole))
	require.True(t, slices.IsSortedFunc(whole, func(a, b sim.OrgCandidate) int { return -compareKey(a, b) }), "newest first, by (opened_at, interest id)")
	for _, c := range whole {
		i := slices.IndexFunc(all, func(l listed) bool { return l.reg.Candidate.ID == c.CandidateID })
		require.Equal(t, all[i].state, c.State)
		require.True(t, all[i].opened.Equal(c.OpenedAt))
		require.Equal(t, all[i].reg.Candidate.Profile.FirstName, c.FirstName)
	}

	for name, c := range map[string]struct {
		f    sim.CandidateFilter
		keep func(i int, l listed) bool
	}{
		"region":                {sim.CandidateFilter{Region: "london"}, func(i int, _ listed) bool { return i%3 == 1 }},
		"connection":            {sim.CandidateFilter{Connection: sim.ConnReservist}, func(i int, _ listed) bool { return i%4 == 1 }},
		"region and connection": {sim.CandidateFilter{Region: "wales", Connection: sim.ConnVeteran}, func(i int, _ listed) bool { return i%3 == 0 && i%4 == 0 }},
		"state":                 {sim.CandidateFilter{States: []sim.InterestState{sim.InterestContacted}}, func(_ int, l listed) bool { return l.state == sim.InterestContacted }},
		"states": {sim.CandidateFilter{States: []sim.InterestState{sim.InterestContacted, sim.InterestInterviewing}}, func(_ int, l listed) bool {
			return l.state == sim.InterestContacted || l.state == sim.InterestInterviewing
		}},
		"state nobody is in":        {sim.CandidateFilter{States: []sim.InterestState{sim.InterestOffered}}, func(int, listed) bool { return false }},
		"skill, any case":           {sim.CandidateFilter{Skill: "LOGISTICS"}, func(i int, _ listed) bool { return i%3 == 1 }},
		"skill substring":           {sim.CandidateFilter{Skill: "  gist "}, func(i int, _ listed) bool { return i%3 == 1 }},
		"skill, another one":        {sim.CandidateFilter{Skill: "Driv"}, func(i int, l listed) bool { return hasSkill(l, "driv") }},
		"skill with '_'":            {sim.CandidateFilter{Skill: "first_aid"}, func(i int, _ listed) bool { return i == 5 }},
		"skill with '%'":            {sim.CandidateFilter{Skill: "100%"}, func(i int, _ listed) bool { return i == 7 }},
		"skill '%' alone":           {sim.CandidateFilter{Skill: "%"}, func(i int, _ listed) bool { return i == 7 }},
		"skill '_' alone":           {sim.CandidateFilter{Skill: "_"}, func(i int, _ listed) bool { return i == 5 }},
		"skill with '\\'":           {sim.CandidateFilter{Skill: `first\`}, func(int, listed) bool { return false }},
		"job preferences":           {sim.CandidateFilter{JobPreferences: "NIGHT"}, func(i int, _ listed) bool { return i%5 == 0 }},
		"job preferences with '_'":  {sim.CandidateFilter{JobPreferences: "day_shift"}, func(i int, _ listed) bool { return i == 16 }},
		"job preferences, any case": {sim.CandidateFilter{JobPreferences: "day shift"}, func(i int, _ listed) bool { return i%5 == 1 && i != 16 }},
		"since":                     {sim.CandidateFilter{Since: base.Add(25 * time.Minute)}, func(i int, _ listed) bool { return i >= 25 }},
		"until, exclusive":          {sim.CandidateFilter{Until: base.Add(5 * time.Minute)}, func(i int, _ listed) bool { return i < 5 }},
		"since and until": {sim.CandidateFilter{Since: base.Add(10 * time.Minute), Until: base.Add(20 * time.Minute)}, func(i int, _ listed) bool {
			return i >= 10 && i < 20
		}},
		"since the tie": {sim.CandidateFilter{Since: base.Add(20 * time.Minute), Until: base.Add(21 * time.Minute)}, func(i int, _ listed) bool {
			return i == 20 || i == 21 || i == 22
		}},
		"all at once": {sim.CandidateFilter{Region: "wales", Skill: "aid", States: []sim.InterestState{sim.InterestInterested}, Since: base.Add(time.Minute)},
			func(i int, l listed) bool { return i%3 == 0 && l.state == sim.InterestInterested && i >= 1 }},
	} {
		for _, oldest := range []bool{false, true} {
			f := c.f
			f.Oldest = oldest
			got := list(f)
			require.ElementsMatch(t, want(c.keep), candidateIDs(got), "%s (oldest first: %v)", name, oldest)
		}
	}
	_, err = j.orgCandidates(t, j.userA, j.orgA.ID, sim.CandidateFilter{Region: "atlantis"})
	requireField(t, err, "region")
	_, err = j.orgCandidates(t, j.userA, j.orgA.ID, sim.CandidateFilter{States: []sim.InterestState{"hired"}})
	requireField(t, err, "state")

	// Pages of 7, in both orders, whole and filtered.
	for _, f := range []sim.CandidateFilter{{}, {Region: "wales"}, {Since: base.Add(15 * time.Minute)}} {
		for _, oldest := range []bool{false, true} {
			f := f
			f.Oldest = oldest
			full := list(f)
			var paged []sim.OrgCandidate
			page := f
			page.Limit = 7
			for range n {
				got := list(page)
				require.LessOrEqual(t, len(got), 7)
				paged = append(paged, got...)
				if len(got) < 7 {
					break
				}
				last := got[len(got)-1]
				page.After = sim.CandidateCursor{At: last.OpenedAt, ID: last.InterestID}
			}
			require.Equal(t, candidateIDs(full), candidateIDs(paged), "pages of %+v", f)
			seen := map[string]bool{}
			for _, c := range paged {
				require.False(t, seen[c.CandidateID], "repeated: %s", c.CandidateID)
				seen[c.CandidateID] = true
			}
			sign := -1
			if oldest {
				sign = 1
			}
			require.True(t, slices.IsSortedFunc(full, func(a, b sim.OrgCandidate) int { return sign * compareKey(a, b) }), "order of %+v", f)
		}
	}
}

// compareKey orders list lines as the keyset does: by when the candidate
// chose the organisation, then by interest ID.
func compareKey(a, b sim.OrgCandidate) int {
	if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
		return c
	}
	return strings.Compare(a.InterestID, b.InterestID)
}

// Two requests choosing the same organisation for one candidate at once
// make one interest, one event and one notification, and neither fails.
func TestInterestsChooseConcurrently(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	for round := range 5 {
		c := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
		actor := testfactory.Actor(c.User)
		start := make(chan struct{})
		errs := make(chan error, 2)
		var wg sync.WaitGroup
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- j.store.InTx(context.Background(), actor, func(tx *db.Tx) error {
					_, err := tx.InterestsChoose(context.Background(), []string{j.orgA.ID}, j.now.Add(time.Duration(g)*time.Second))
					return err
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "round %d", round)
		}
		require.Equal(t, 1, j.count(t, "SELECT count(*) FROM interests WHERE candidate_id = $1", c.Candidate.ID), "round %d", round)
		require.Equal(t, 1, j.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1 AND org_id IS NOT NULL", c.Candidate.ID), "round %d", round)
		events := j.ids(t, "SELECT id::text FROM journey_events WHERE candidate_id = $1 AND org_id IS NOT NULL", c.Candidate.ID)
		require.Equal(t, 1, j.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow_id = $1", sim.InterestNotificationWorkflowID(events[0])), "round %d", round)
	}
	require.Len(t, j.outboxStarts(t, sim.WorkflowInterestNotification), 5)
}

// Two organisations recording a placement of the same candidate at the
// same moment: the first closes the record as placed; the second is told
// it no longer sees the candidate (ENOTFOUND) or that the record changed
// meanwhile (ECONFLICT), never an internal error, and writes nothing.
func TestConcurrentPlacementsConflict(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	cid := j.cand.Candidate.ID
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID, j.orgB.ID)
	require.NoError(t, err)
	offer := sim.Intervention{Kind: sim.InterventionOffer, On: j.now, Direct: true}
	placed := sim.Intervention{Kind: sim.InterventionPlaced, On: j.now}
	for _, u := range []struct {
		actor sim.Actor
		org   string
	}{{j.userA, j.orgA.ID}, {j.userB, j.orgB.ID}} {
		_, err := j.recordSupport(t, u.actor, u.org, cid, offer, j.now)
		require.NoError(t, err)
	}

	// A records the placement and holds its transaction open until B's is
	// waiting on it; then A commits.
	aPlaced, release := make(chan int32, 1), make(chan struct{})
	var releaseOnce sync.Once
	releaseA := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseA) // a failure below must not leave A held
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	go func() {
		aDone <- j.store.InTx(ctx, j.userA, func(tx *db.Tx) error {
			if _, _, err := tx.InterventionRecord(ctx, j.orgA.ID, cid, placed, j.now.Add(time.Minute)); err != nil {
				return err
			}
			pid, err := backendPID(ctx, tx)
			if err != nil {
				return err
			}
			aPlaced <- pid
			<-release
			return nil
		})
	}()
	var aPID int32
	select {
	case aPID = <-aPlaced:
	case err := <-aDone:
		require.NoError(t, err, "A's placement")
		require.FailNow(t, "A's transaction ended before it placed the candidate")
	}
	bStarted := make(chan int32, 1)
	go func() {
		bDone <- j.store.InTx(ctx, j.userB, func(tx *db.Tx) error {
			pid, err := backendPID(ctx, tx)
			if err != nil {
				return err
			}
			bStarted <- pid
			_, _, err = tx.InterventionRecord(ctx, j.orgB.ID, cid, placed, j.now.Add(time.Minute))
			return err
		})
	}()
	var bPID int32
	select {
	case bPID = <-bStarted:
	case err := <-bDone:
		require.FailNow(t, "B's transaction ended before it began", "%v", err)
	}
	j.waitBlocked(t, bPID, aPID) // B's placement waits for A's transaction
	releaseA()
	require.NoError(t, <-aDone)
	errB := <-bDone
	require.Contains(t, []string{sim.ENOTFOUND, sim.ECONFLICT}, sim.ErrorCode(errB), "B's placement: %v", errB)
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM candidates WHERE id = $1 AND status = 'placed'", cid))
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM interventions WHERE kind = 'placed'"))
	require.Equal(t, "placed", j.stateOf(t, cid, j.orgA.ID))
	require.Equal(t, "offered", j.stateOf(t, cid, j.orgB.ID))
}

// Row-level security is the backstop behind the journey's rules, so what
// the code never does through the state machine Postgres refuses too: an
// organisation cannot mark its own interest placed (and so close the
// candidate's record, which candidates_guard allows exactly when that
// interest is placed) without an offer, nor move an interest backwards;
// a candidate cannot undo what an organisation recorded, nor take back a
// placement.
func TestInterestRowsFollowTheJourney(t *testing.T) {
	t.Parallel()
	offer := sim.Intervention{Kind: sim.InterventionOffer, On: testfactory.Now, Direct: true}
	placed := sim.Intervention{Kind: sim.InterventionPlaced, On: testfactory.Now}
	for _, c := range []struct {
		name  string
		by    func(j *journey) sim.Actor
		setup []sim.Intervention // recorded by A first
		stmts []string
	}{
		{"A places the candidate without an offer", func(j *journey) sim.Actor { return j.userA }, nil, []string{
			"UPDATE interests SET state = 'placed' WHERE candidate_id = $1",
			"UPDATE candidates SET status = 'placed' WHERE id = $1",
		}},
		{"A moves its offer back to contacted", func(j *journey) sim.Actor { return j.userA }, []sim.Intervention{offer}, []string{
			"UPDATE interests SET state = 'contacted' WHERE candidate_id = $1",
		}},
		{"the candidate turns A's offer back into a fresh interest", func(j *journey) sim.Actor { return j.candActor }, []sim.Intervention{offer}, []string{
			"UPDATE interests SET state = 'interested', interviewed = false, work_placed = false WHERE candidate_id = $1",
		}},
		{"the candidate takes back A's placement", func(j *journey) sim.Actor { return j.candActor }, []sim.Intervention{offer, placed}, []string{
			"UPDATE interests SET state = 'removed' WHERE candidate_id = $1",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			j := setupJourney(t)
			ctx := context.Background()
			cid := j.cand.Candidate.ID
			_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
			require.NoError(t, err)
			for _, iv := range c.setup {
				_, err := j.recordSupport(t, j.userA, j.orgA.ID, cid, iv, j.now)
				require.NoError(t, err)
			}
			before := j.stateOf(t, cid, j.orgA.ID)
			err = j.in(t, c.by(j), func(tx *db.Tx) error {
				for _, sql := range c.stmts {
					tag, err := tx.Exec(ctx, sql, cid)
					if err != nil {
						return err
					}
					require.EqualValues(t, 1, tag.RowsAffected(), "%s: the row is the actor's to update", sql)
				}
				return errors.New("not refused")
			})
			requirePrivilege(t, err, c.name)
			require.Equal(t, before, j.stateOf(t, cid, j.orgA.ID))
		})
	}
}
