package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// world puts at least one row in every table, through the code paths that
// write them, and returns who is in it.
type world struct {
	member      testfactory.Registered // a registered candidate
	other       testfactory.Registered // another one
	inv         sim.Invitation         // a pending invitation...
	token       string                 // ...and its link
	memberToken string                 // the member's bearer token
}

func populate(t *testing.T, b *testBundle) world {
	t.Helper()
	ctx := context.Background()
	w := world{
		member: testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"}),
		other:  testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "other@example.org"}),
	}
	w.inv, w.token = b.invite(t, "invitee@example.org")
	gone, _ := b.invite(t, "gone@example.org")
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.InvitationExpire(ctx, gone.ID, b.now.Add(sim.DefaultInvitationWindow))
		return err
	}))
	res, err := b.login("member@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	w.memberToken = res.Token
	require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, "asks@example.org", b.now) }))
	return w
}

// A transaction without tenant context sees no rows at all, in any table
// of the schema (read from the catalogue, so a new table cannot escape),
// even as the application role with every table populated.
func TestNoContextSeesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	populate(t, b)
	ctx := context.Background()
	for table, all := range b.db.Counts(t) {
		require.Positive(t, all, "table %s is empty: make populate write a row to it, through the code that does", table)
		var seen int
		require.NoError(t, b.db.App.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&seen))
		require.Zero(t, seen, "app role without context saw rows of %s", table)
	}
}

// What each actor sees of each table is what its role allows: the
// policies decide, now that every transaction runs as its real actor.
func TestEachActorSeesOnlyItsRows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := populate(t, b)
	ctx := context.Background()
	all := b.db.Counts(t)
	memberSession := b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", w.member.User.ID)
	memberLogins := b.count(t, "SELECT count(*) FROM login_events WHERE user_id = $1", w.member.User.ID)
	memberEvents := b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", w.member.Candidate.ID)
	inviteeEvents := b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", w.inv.CandidateID)

	cases := []struct {
		name  string
		actor sim.Actor
		want  map[string]int // tables not named: nothing visible
	}{
		{"operator", b.op, map[string]int{
			"users": all["users"], "candidates": all["candidates"], "invitations": all["invitations"],
			"consents": all["consents"], "journey_events": all["journey_events"], "login_events": all["login_events"],
			"consent_texts": all["consent_texts"], "expired_invitation_counts": all["expired_invitation_counts"],
		}},
		{"candidate", testfactory.Actor(w.member.User), map[string]int{
			"users": 1, "candidates": 1, "consents": 1, "journey_events": memberEvents, "sessions": memberSession,
			"login_events": memberLogins, "consent_texts": all["consent_texts"],
		}},
		{"anonymous", sim.Anonymous, map[string]int{"consent_texts": all["consent_texts"]}},
		{"holder of a registration link", sim.Presenting(db.HashToken(w.token)), map[string]int{
			"invitation_tokens": 1, "invitations": 1, "candidates": 1, "journey_events": inviteeEvents,
			"consent_texts": all["consent_texts"],
		}},
		{"holder of a bearer token", sim.Presenting(db.HashToken(w.memberToken)), map[string]int{
			"sessions": 1, "users": 1, "consent_texts": all["consent_texts"],
		}},
		{"holder of an unknown secret", sim.Presenting(db.HashToken("nothing")), map[string]int{"consent_texts": all["consent_texts"]}},
		{"engine", sim.System, all},
	}
	for _, c := range cases {
		require.NoError(t, b.in(t, c.actor, func(tx *db.Tx) error {
			for table := range all {
				var seen int
				if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&seen); err != nil {
					return err
				}
				require.Equal(t, c.want[table], seen, "%s sees %s", c.name, table)
			}
			return nil
		}))
	}
}

// Writes past a policy are refused by Postgres itself, whatever the code
// above it does.
func TestPoliciesRefuseWrites(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := populate(t, b)
	ctx := context.Background()
	refused := func(actor sim.Actor, sql string, args ...any) {
		t.Helper()
		err := b.in(t, actor, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			if err == nil && tag.RowsAffected() > 0 {
				return errors.New("the write went through")
			}
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			// Refused by a policy, a grant, or the invitation's identity trigger.
			require.Contains(t, []string{"42501", "23000"}, pgErr.Code, "%s: %v", sql, err)
		} else {
			require.NoError(t, err, "%s: no rows may be touched", sql)
		}
	}
	member := testfactory.Actor(w.member.User)
	refused(member, "UPDATE candidates SET first_name = 'x' WHERE id = $1", w.other.Candidate.ID)
	refused(member, "UPDATE users SET role = 'operator' WHERE id = $1", w.other.User.ID)
	refused(member, "DELETE FROM consents WHERE candidate_id = $1", w.other.Candidate.ID)
	refused(member, "INSERT INTO candidates (id, status, invited_at) VALUES (gen_random_uuid(), 'invited', now())")
	refused(sim.Anonymous, "INSERT INTO users (id, role, email, password_hash) VALUES (gen_random_uuid(), 'candidate', 'x@example.org', 'x')")
	holder := sim.Presenting(db.HashToken(w.token))
	refused(holder, "INSERT INTO users (id, role, email, password_hash) VALUES (gen_random_uuid(), 'operator', 'x@example.org', 'x')")
	refused(holder, "UPDATE candidates SET first_name = 'x' WHERE id = $1", w.member.Candidate.ID)
	refused(b.op, "DELETE FROM candidates WHERE id = $1", w.member.Candidate.ID)
	refused(b.op, "UPDATE workflow_outbox SET delivered_at = now()")
	// Consents and journey events are append-only for everyone but the engine.
	refused(member, "DELETE FROM consents WHERE candidate_id = $1", w.member.Candidate.ID)
	refused(member, "UPDATE journey_events SET to_status = 'placed' WHERE candidate_id = $1", w.member.Candidate.ID)
	// Only the sign-in check opens sessions, and only last_seen_at changes.
	refused(holder, "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (gen_random_uuid(), $1, $2, now(), now(), now() + interval '1 hour')",
		b.op.UserID, db.HashToken(w.token))
	refused(sim.Presenting(db.HashToken(w.memberToken)), "UPDATE sessions SET user_id = $1", b.op.UserID)
	refused(member, "UPDATE sessions SET expires_at = now() + interval '10 years'")
	// A link's holder cannot point its invitation at someone else.
	refused(holder, "UPDATE invitations SET candidate_id = $1 WHERE id = $2", w.member.Candidate.ID, w.inv.ID)
	refused(holder, "UPDATE invitations SET expires_at = now() + interval '10 years' WHERE id = $1", w.inv.ID)
	refused(b.op, "UPDATE invitations SET candidate_id = $1 WHERE id = $2", w.member.Candidate.ID, w.inv.ID)
}

// A registration link opens its invitee's record only until it is used: a
// forwarded or leaked email's link unlocks nothing afterwards.
func TestUsedLinkUnlocksNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "once@example.org")
	_, err := b.register(t, token, b.now)
	require.NoError(t, err)
	holder := sim.Presenting(db.HashToken(token))
	require.NoError(t, b.in(t, holder, func(tx *db.Tx) error {
		for table, want := range map[string]int{"candidates": 0, "consents": 0, "journey_events": 0, "users": 0, "invitations": 1} {
			var seen int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&seen); err != nil {
				return err
			}
			require.Equal(t, want, seen, "a used link's holder sees %s", table)
		}
		tag, err := tx.Exec(ctx, "UPDATE candidates SET first_name = 'x' WHERE id = $1", inv.CandidateID)
		require.Zero(t, tag.RowsAffected())
		return err
	}))
	// And asking with it again is told why, not shown anything.
	_, err = b.register(t, token, b.now)
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
}

// The context a transaction opens with is built only from a known role, a
// UUID and hexadecimal: anything else is refused before it reaches SQL.
func TestTransactionContextIsChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, actor := range []sim.Actor{
		{},
		{Role: "operator', true); DROP TABLE users; --"},
		{Role: sim.RoleOperator, UserID: "1', true); --"},
		{Role: sim.RoleCandidate, UserID: "not-a-uuid"},
	} {
		err := b.in(t, actor, func(*db.Tx) error { return nil })
		require.Error(t, err, "%+v", actor)
	}
	require.NoError(t, b.in(t, sim.Presenting([]byte("'); --")), func(*db.Tx) error { return nil }), "a credential is hex-encoded")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM users"))
}
