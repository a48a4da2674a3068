package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// registerWith registers email through the store with the profile's
// connection changed, and returns the candidate's ID.
func (b *testBundle) registerWith(t *testing.T, email string, conn sim.Connection) string {
	t.Helper()
	_, token := b.invite(t, email)
	p := testfactory.Profile(b.now)
	p.Connection = conn
	r, err := b.store.Register(context.Background(), db.Registration{Token: token, Password: "a long enough password", Profile: p,
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: b.now})
	require.NoError(t, err)
	return r.CandidateID
}

func (b *testBundle) spotChecks(t *testing.T) []sim.SpotCheck {
	t.Helper()
	var out []sim.SpotCheck
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		out, err = tx.SpotChecks(context.Background(), nil, 0)
		return err
	}))
	return out
}

// Registrations are sampled as sim's policy says, at registration: the
// random share drawn from the candidate's ID, and every one a rule flags.
// The queue holds exactly those, each once, with why.
func TestRegistrationsAreSampledAsThePolicySays(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithSpotChecks(sim.SpotCheckPolicy{Share: 0.3}))
	want := map[string][]sim.SpotCheckFlag{}
	for i := range 20 {
		conn := sim.ConnVeteran
		if i%5 == 0 {
			conn = sim.ConnOtherFamilyMember
		}
		id := b.registerWith(t, fmt.Sprintf("sample-%d@example.org", i), conn)
		p := testfactory.Profile(b.now)
		p.Connection = conn
		if flags := (sim.SpotCheckPolicy{Share: 0.3}).Sample(id, p); len(flags) > 0 {
			want[id] = flags
		}
	}
	require.NotEmpty(t, want)
	got := map[string][]sim.SpotCheckFlag{}
	for _, sc := range b.spotChecks(t) {
		got[sc.CandidateID] = sc.Flags
		require.Equal(t, sim.VerificationSampled, sim.Verification(b.stringOf(t, "SELECT verification FROM candidates WHERE id = $1", sc.CandidateID)))
	}
	require.Equal(t, want, got)
	require.Equal(t, 20-len(want), b.count(t, "SELECT count(*) FROM candidates WHERE verification = 'unchecked' AND status = 'registered'"))
}

// The operator verifies or rejects; a rejection hides the candidate from
// the organisation at once and starts the notice to the candidate; a
// decided check cannot be decided again; nobody but the operator decides.
func TestSpotCheckDecisions(t *testing.T) {
	t.Parallel()
	j := setupJourney(t, db.WithSpotChecks(sim.SpotCheckPolicy{Share: 0}))
	ctx := context.Background()
	kept := j.registerWith(t, "kept@example.org", sim.ConnOtherFamilyMember)
	rejected := j.registerWith(t, "rejected@example.org", sim.ConnOtherFamilyMember)
	j.registerWith(t, "unsampled@example.org", sim.ConnVeteran)
	queue := j.spotChecks(t)
	require.Len(t, queue, 2)
	ids := map[string]string{}
	for _, sc := range queue {
		ids[sc.CandidateID] = sc.ID
		require.Equal(t, []sim.SpotCheckFlag{sim.FlagConnectionOther}, sc.Flags)
	}
	// Both choose A, which sees them while they wait for the check.
	for _, email := range []string{"kept@example.org", "rejected@example.org"} {
		var uid string
		require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT id::text FROM users WHERE email = $1", email).Scan(&uid))
		_, err := j.choose(t, sim.Actor{UserID: uid, Role: sim.RoleCandidate}, j.now, j.orgA.ID)
		require.NoError(t, err)
	}
	seen := func() []string {
		list, err := j.orgCandidates(t, j.userA, j.orgA.ID, sim.CandidateFilter{})
		require.NoError(t, err)
		var out []string
		for _, c := range list {
			out = append(out, c.CandidateID)
		}
		return out
	}
	require.ElementsMatch(t, []string{kept, rejected}, seen())

	decide := func(actor sim.Actor, id string, v sim.Verification, reason string) error {
		return j.in(t, actor, func(tx *db.Tx) error { return tx.SpotCheckDecide(ctx, id, v, reason, j.now) })
	}
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(decide(j.userA, ids[rejected], sim.VerificationRejected, "x")))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(decide(j.op, ids[rejected], sim.VerificationRejected, "  ")))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(decide(j.op, ids[rejected], sim.VerificationUnchecked, "")))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(decide(j.op, ids[kept], sim.VerificationVerified, "fine")), "a reason is for a rejection")
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(decide(j.op, "nope", sim.VerificationVerified, "")))

	require.NoError(t, decide(j.op, ids[kept], sim.VerificationVerified, ""))
	require.NoError(t, decide(j.op, ids[rejected], sim.VerificationRejected, "No service record found"))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(decide(j.op, ids[rejected], sim.VerificationVerified, "")))
	require.Equal(t, []string{kept}, seen(), "the rejected candidate is hidden at once")
	require.Empty(t, j.spotChecks(t))
	require.Equal(t, []string{sim.SpotCheckNoticeWorkflowID(ids[rejected])}, j.outboxStarts(t, sim.WorkflowSpotCheckNotice))
	require.Equal(t, 2, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditSpotCheckDecided)))
	require.Equal(t, "No service record found", j.stringOf(t, "SELECT reason FROM spot_checks WHERE id = $1", ids[rejected]))

	// The notice goes to the rejected candidate's account only.
	var notice string
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		notice, err = tx.SpotCheckNotice(ctx, ids[rejected])
		return err
	}))
	require.Equal(t, j.stringOf(t, "SELECT user_id::text FROM candidates WHERE id = $1", rejected), notice)
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		notice, err = tx.SpotCheckNotice(ctx, ids[kept])
		return err
	}))
	require.Empty(t, notice, "nothing to tell a verified candidate")
}

func (b *testBundle) stringOf(t *testing.T, query string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), query, args...).Scan(&s))
	return s
}
