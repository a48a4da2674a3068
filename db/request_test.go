package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// A request authenticates and acts in one transaction (Store.OpenSession):
// what finding the session wrote, its last-seen time, commits or rolls
// back with the first transaction the request then runs as the session's
// user; a transaction as anyone else commits it first; and if nothing
// takes it, finishing the request commits it.
func TestRequestAuthenticatesAndActsInOneTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res, err := b.login("operator@example.org", opPassword, "::1", b.now)
	require.NoError(t, err)
	lastSeen := func() time.Time {
		var at time.Time
		require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT last_seen_at FROM sessions WHERE id = $1", res.Session.ID).Scan(&at))
		return at
	}
	boom := errors.New("the request's work failed")
	me := func(rctx context.Context) func(*db.Tx) error {
		return func(tx *db.Tx) error {
			_, err := tx.Me(rctx)
			return err
		}
	}

	// The work fails: the session's touch is rolled back with it.
	at := b.now.Add(10 * time.Minute)
	rctx, sess, finish, err := b.store.OpenSession(ctx, res.Token, at)
	require.NoError(t, err)
	require.Equal(t, res.Session.ID, sess.ID)
	err = b.store.InTx(rctx, sess.Actor(), func(tx *db.Tx) error {
		require.NoError(t, me(rctx)(tx))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.NoError(t, finish(ctx))
	require.True(t, lastSeen().Equal(b.now), "the touch went with the failed work, in one transaction: %s", lastSeen())

	// The work commits: so does the touch; a second transaction in the
	// same request is a transaction of its own.
	rctx, sess, finish, err = b.store.OpenSession(ctx, res.Token, at)
	require.NoError(t, err)
	require.NoError(t, b.store.InTx(rctx, sess.Actor(), me(rctx)))
	require.True(t, lastSeen().Equal(at))
	require.ErrorIs(t, b.store.InTx(rctx, sess.Actor(), func(tx *db.Tx) error { return boom }), boom)
	require.True(t, lastSeen().Equal(at), "the second transaction's failure does not reach the first")
	require.NoError(t, finish(ctx))

	// A transaction as another actor commits the request's first.
	at = at.Add(10 * time.Minute)
	rctx, _, finish, err = b.store.OpenSession(ctx, res.Token, at)
	require.NoError(t, err)
	require.ErrorIs(t, b.store.InTx(rctx, sim.System, func(tx *db.Tx) error { return boom }), boom)
	require.True(t, lastSeen().Equal(at))
	require.NoError(t, finish(ctx))

	// Nothing takes it: finishing the request commits it.
	at = at.Add(10 * time.Minute)
	_, _, finish, err = b.store.OpenSession(ctx, res.Token, at)
	require.NoError(t, err)
	require.True(t, lastSeen().Equal(at.Add(-10*time.Minute)), "not committed before the request finishes")
	require.NoError(t, finish(ctx))
	require.True(t, lastSeen().Equal(at))
}

// roundTrips counts the messages a pool sends to Postgres that wait for an
// answer: a query, or a batch of them.
type roundTrips struct{ n int }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n++
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n++
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// A request reads in as few round trips as bare statements would: the
// transaction's BEGIN and context ride with its first statement, a change
// of actor and the list's plan settings with the next. Reading one's own
// record (GET /v1/me) is three: find the session; become its user and read
// the record; commit. An organisation's list is three too: its standing
// comes with the session, and its plan settings with the page.
func TestRequestRoundTrips(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	trips := &roundTrips{}
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.ConnConfig.Tracer = trips
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store := db.NewStore(pool, sim.DefaultSessionPolicy)
	request := func(token string, work func(context.Context, *db.Tx) error) int {
		t.Helper()
		// Past the first time, each connection has its statements
		// prepared: count a request as it is made again and again.
		count := 0
		for range 3 {
			trips.n = 0
			rctx, sess, finish, err := store.OpenSession(ctx, token, b.now.Add(time.Second))
			require.NoError(t, err)
			require.NoError(t, store.InTx(rctx, sess.Actor(), func(tx *db.Tx) error { return work(rctx, tx) }))
			require.NoError(t, finish(ctx))
			count = trips.n
		}
		return count
	}

	op := testfactory.Session(t, b.db, mustUser(t, b, "operator@example.org"), b.now)
	require.Equal(t, 3, request(op, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.Me(ctx)
		return err
	}))

	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Round Trip Trust"})
	admin, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	tok := testfactory.Session(t, b.db, admin, b.now)
	require.Equal(t, 3, request(tok, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.OrgCandidates(ctx, org.ID, sim.CandidateFilter{Region: sim.Region("london")})
		return err
	}))
}

func mustUser(t *testing.T, b *testBundle, email string) sim.User {
	t.Helper()
	var u sim.User
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), "SELECT id, role FROM users WHERE email = $1", email).Scan(&u.ID, &u.Role))
	return u
}

// The standing that comes with the session is read with the owner's
// rights, so it is given only for the session whose token the transaction
// presents: to anyone else, nothing; and read as a user, an organisation's
// standing follows row-level security as before.
func TestSessionStandingOnlyForThePresentedToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Standing Trust"})
	other := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Other Standing Trust"})
	admin, actor := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	testfactory.Session(t, b.db, admin, b.now)
	count := func(a sim.Actor, sql string, args ...any) int {
		t.Helper()
		var n int
		require.NoError(t, b.in(t, a, func(tx *db.Tx) error { return tx.QueryRow(ctx, sql, args...).Scan(&n) }))
		return n
	}
	for _, a := range []sim.Actor{actor, b.op, sim.Presenting([]byte("not a session's token"))} {
		require.Zero(t, count(a, "SELECT count(*) FROM session_standing()"), "%s presents no session's token", a.Role)
	}
	require.Equal(t, 1, count(actor, "SELECT count(*) FROM org_standing($1, $2)", admin.ID, org.ID))
	require.Zero(t, count(actor, "SELECT count(*) FROM org_standing($1, $2)", admin.ID, other.ID), "another organisation's standing")
}
