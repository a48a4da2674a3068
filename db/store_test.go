package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
)

type testBundle struct {
	db    *testdb.DB
	store *db.Store
	op    sim.Actor
	now   time.Time
}

func setup(t *testing.T, opts ...db.Option) *testBundle {
	t.Helper()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy, opts...)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	_, err := store.EnsureOperator(ctx, "operator@example.org", "operator password 1", now)
	require.NoError(t, err)
	res, err := store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "127.0.0.1", UserAgent: "test", Now: now})
	require.NoError(t, err)
	return &testBundle{db: d, store: store, op: res.Session.Actor(), now: now}
}

func profile(now time.Time) sim.Profile {
	return sim.Profile{
		FirstName: "Sam", LastName: "Carter", DateOfBirth: now.AddDate(-35, 0, 0),
		Connection: sim.ConnReservist, Skills: []string{"first aid"}, Region: "wales", HeardAbout: "event",
	}
}

// invite creates an invitation and issues its token, as the workflow does.
func (b *testBundle) invite(t *testing.T, email string) (sim.Invitation, string) {
	t.Helper()
	ctx := context.Background()
	inv, err := b.store.CreateInvitation(ctx, b.op, db.InvitationRequest{Email: email, Window: sim.DefaultInvitationWindow, Now: b.now})
	require.NoError(t, err)
	link, err := b.store.IssueInvitationToken(ctx, inv.ID)
	require.NoError(t, err)
	require.Equal(t, email, link.Email)
	require.NoError(t, b.store.MarkInvitationSent(ctx, inv.ID, b.now))
	return inv, link.Token
}

func (b *testBundle) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

func TestRegisterOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "sam@example.org")

	// A sent invitation is not sent again.
	again, err := b.store.IssueInvitationToken(ctx, inv.ID)
	require.NoError(t, err)
	require.Empty(t, again.Token)

	reg := db.Registration{Token: token, Password: "a long enough password", Profile: profile(b.now), ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: b.now}
	out, err := b.store.Register(ctx, reg)
	require.NoError(t, err)
	require.Equal(t, inv.CandidateID, out.CandidateID)

	_, err = b.store.Register(ctx, reg)
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
	require.Contains(t, sim.ErrorMessage(err), "already been used")

	// The address is wiped from the used invitation; it lives on the account.
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM invitations WHERE email IS NOT NULL"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", inv.CandidateID))

	res, err := b.store.Login(ctx, db.LoginAttempt{Email: "SAM@example.org", Password: "a long enough password", IP: "10.0.0.1", UserAgent: "ua", Now: b.now})
	require.NoError(t, err)
	me, err := b.store.Me(ctx, res.Session.Actor())
	require.NoError(t, err)
	require.Equal(t, sim.StatusRegistered, me.Candidate.Status)
	require.Equal(t, "Sam", me.Candidate.Profile.FirstName)
	require.True(t, me.Candidate.Consent.Given)
	require.Equal(t, "2026-11-share-v1", me.Candidate.Consent.TextVersion)
}

func TestRegisterRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, token := b.invite(t, "young@example.org")
	young := profile(b.now)
	young.DateOfBirth = b.now.AddDate(-17, 0, 0)
	cases := []struct {
		reg  db.Registration
		code string
	}{
		{db.Registration{Token: token, Password: "a long enough password", Profile: young, ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: token, Password: "short", Profile: profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: token, Password: "a long enough password", Profile: profile(b.now), ConsentVersion: "nope", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: "not-a-token", Password: "a long enough password", Profile: profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.ENOTFOUND},
		{db.Registration{Token: token, Password: "a long enough password", Profile: profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now.Add(31 * 24 * time.Hour)}, sim.EGONE},
	}
	for _, tc := range cases {
		_, err := b.store.Register(ctx, tc.reg)
		require.Equal(t, tc.code, sim.ErrorCode(err), "%v", err)
	}
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM users"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM invitations WHERE used_at IS NULL"))
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM consents"))
}

func TestExpireDeletesEverything(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, _ := b.invite(t, "gone@example.org")
	expired, err := b.store.ExpireInvitation(ctx, inv.ID, b.now.Add(sim.DefaultInvitationWindow))
	require.NoError(t, err)
	require.True(t, expired)
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM candidates"))
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM invitations"))
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM journey_events"))
	n, err := b.store.ExpiredInvitationCount(ctx, b.op)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	// Idempotent: a retry changes nothing.
	expired, err = b.store.ExpireInvitation(ctx, inv.ID, b.now.Add(sim.DefaultInvitationWindow))
	require.NoError(t, err)
	require.False(t, expired)
	n, err = b.store.ExpiredInvitationCount(ctx, b.op)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}

func TestExpireAfterRegistrationKeepsCandidate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "kept@example.org")
	_, err := b.store.Register(ctx, db.Registration{Token: token, Password: "a long enough password", Profile: profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now})
	require.NoError(t, err)
	expired, err := b.store.ExpireInvitation(ctx, inv.ID, b.now.Add(sim.DefaultInvitationWindow))
	require.NoError(t, err)
	require.False(t, expired)
	st, err := b.store.CandidateStatus(ctx, inv.CandidateID)
	require.NoError(t, err)
	require.Equal(t, sim.StatusRegistered, st)
}

func TestDuplicateInvitation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first, _ := b.invite(t, "dup@example.org")
	_, err := b.store.CreateInvitation(ctx, b.op, db.InvitationRequest{Email: "DUP@example.org", Window: time.Hour, Now: b.now})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	pending, outcome, err := b.store.RequestRegistration(ctx, db.InvitationRequest{Email: "dup@example.org", Window: time.Hour, Now: b.now})
	require.NoError(t, err)
	require.Equal(t, db.RequestPending, outcome)
	require.Equal(t, first.ID, pending.ID, "the pending invitation, whose link can be sent again")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM invitations"))
	_, err = b.store.CreateInvitation(ctx, sim.Actor{UserID: b.op.UserID, Role: sim.RoleCandidate}, db.InvitationRequest{Email: "x@example.org", Window: time.Hour, Now: b.now})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Asking again for a link replaces the token, at most once per gap, and
// only while the invitation is open: the old link stops working.
func TestReissueInvitationToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, oldToken := b.invite(t, "again@example.org") // sent at b.now
	gap := 10 * time.Minute

	link, err := b.store.ReissueInvitationToken(ctx, inv.ID, b.now.Add(5*time.Minute), gap)
	require.NoError(t, err)
	require.Empty(t, link.Token, "too soon after the last email")

	later := b.now.Add(gap)
	link, err = b.store.ReissueInvitationToken(ctx, inv.ID, later, gap)
	require.NoError(t, err)
	require.NotEmpty(t, link.Token)
	require.NotEqual(t, oldToken, link.Token)
	require.Equal(t, "again@example.org", link.Email)
	require.NoError(t, b.store.MarkInvitationSent(ctx, inv.ID, later))

	_, err = b.store.Register(ctx, db.Registration{Token: oldToken, Password: "a long enough password", Profile: profile(b.now),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: later})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "the old link no longer works")
	_, err = b.store.Register(ctx, db.Registration{Token: link.Token, Password: "a long enough password", Profile: profile(b.now),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: later})
	require.NoError(t, err)

	link, err = b.store.ReissueInvitationToken(ctx, inv.ID, later.Add(time.Hour), gap)
	require.NoError(t, err)
	require.Empty(t, link.Token, "nothing to send once used")

	expired, _ := b.invite(t, "late@example.org")
	link, err = b.store.ReissueInvitationToken(ctx, expired.ID, expired.ExpiresAt, gap)
	require.NoError(t, err)
	require.Empty(t, link.Token, "nothing to send once the window has passed")
}

func TestLoginRecordsEveryAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "wrong password!!", IP: "192.0.2.1", UserAgent: "curl", Now: b.now})
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	wrongPw := sim.ErrorMessage(err)
	_, err = b.store.Login(ctx, db.LoginAttempt{Email: "nobody@example.org", Password: "wrong password!!", IP: "192.0.2.2", UserAgent: "curl", Now: b.now})
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	require.Equal(t, wrongPw, sim.ErrorMessage(err))
	// setup's successful login plus two failures, one for an unknown user.
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM login_events"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'failure'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE user_id IS NULL AND ip = '192.0.2.2' AND user_agent = 'curl'"))
}

func TestLoginThrottlesAnAccount(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 100}))
	ctx := context.Background()
	login := func(pw, ip string, at time.Duration) error {
		_, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: pw, IP: ip, UserAgent: "ua", Now: b.now.Add(at)})
		return err
	}
	const good, bad = "operator password 1", "not the password"

	// Two failures, then a success: the success wipes the slate.
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, "192.0.2.1", time.Second)))
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, "192.0.2.1", 2*time.Second)))
	require.NoError(t, login(good, "192.0.2.1", 3*time.Second))

	// Three failures from three addresses lock the account, even for the
	// right password, until the first of them is 15 minutes old.
	for i, ip := range []string{"192.0.2.2", "192.0.2.3", "192.0.2.4"} {
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, ip, time.Duration(i+1)*time.Minute)))
	}
	sessions := b.count(t, "SELECT count(*) FROM sessions")
	err := login(good, "192.0.2.5", 4*time.Minute)
	var se *sim.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, sim.ETHROTTLED, se.Code)
	require.Equal(t, 12*time.Minute, se.RetryAfter)
	require.Equal(t, "too many failed sign-in attempts: try again in 12 minutes", se.Message)
	require.Equal(t, sessions, b.count(t, "SELECT count(*) FROM sessions"), "no session for a throttled attempt")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'throttled' AND user_id IS NOT NULL AND ip = '192.0.2.5'"))

	// Refused attempts do not count: hammering does not extend the lock.
	for i := 0; i < 5; i++ {
		require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(login(bad, "192.0.2.6", 5*time.Minute)))
	}
	require.NoError(t, login(good, "192.0.2.5", 16*time.Minute))
}

func TestLoginThrottlesAnAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 100, MaxIPFailures: 3}))
	ctx := context.Background()
	attempt := func(email, pw, ip string) error {
		_, err := b.store.Login(ctx, db.LoginAttempt{Email: email, Password: pw, IP: ip, UserAgent: "ua", Now: b.now.Add(time.Minute)})
		return err
	}
	// Guessing across unknown accounts from one address...
	for _, email := range []string{"a@example.org", "b@example.org", "not an email"} {
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(attempt(email, "guess guess guess", "198.51.100.7")))
	}
	// ...locks that address for everyone, known or unknown, right or wrong...
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(attempt("c@example.org", "guess guess guess", "198.51.100.7")))
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(attempt("operator@example.org", "operator password 1", "198.51.100.7")))
	// ...and no other.
	require.NoError(t, attempt("operator@example.org", "operator password 1", "198.51.100.8"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'throttled' AND ip = '198.51.100.7'"))
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "::1", UserAgent: "t", Now: b.now})
	require.NoError(t, err)
	_, err = b.store.Authenticate(ctx, res.Token, b.now.Add(10*time.Minute))
	require.NoError(t, err)
	// Idle for longer than the policy allows.
	_, err = b.store.Authenticate(ctx, res.Token, b.now.Add(10*time.Minute+sim.DefaultSessionPolicy.Idle+time.Second))
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	// The expired session is gone for good.
	_, err = b.store.Authenticate(ctx, res.Token, b.now.Add(11*time.Minute))
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))

	// Absolute expiry holds however active the session is.
	res, err = b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "::1", UserAgent: "t", Now: b.now})
	require.NoError(t, err)
	at := b.now
	for at.Before(b.now.Add(sim.DefaultSessionPolicy.Absolute - 20*time.Minute)) {
		at = at.Add(20 * time.Minute)
		_, err = b.store.Authenticate(ctx, res.Token, at)
		require.NoError(t, err)
	}
	_, err = b.store.Authenticate(ctx, res.Token, b.now.Add(sim.DefaultSessionPolicy.Absolute))
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
}

// Sessions left without signing out are cleared at the account's next
// sign-in; live ones are kept.
func TestLoginClearsAbandonedSessions(t *testing.T) {
	t.Parallel()
	b := setup(t) // session A, at b.now, never used again
	ctx := context.Background()
	login := func(at time.Duration) string {
		res, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "::1", UserAgent: "t", Now: b.now.Add(at)})
		require.NoError(t, err)
		return res.Token
	}
	tokB := login(10 * time.Minute)
	_, err := b.store.Authenticate(ctx, tokB, b.now.Add(35*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM sessions"))

	login(40 * time.Minute) // A has been idle for 40 minutes; B for 5
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM sessions"), "A cleared; B and the new one kept")
	_, err = b.store.Authenticate(ctx, tokB, b.now.Add(41*time.Minute))
	require.NoError(t, err)
}

// A transaction without tenant context sees no rows at all, even as the
// application role with every table populated.
func TestNoContextSeesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.invite(t, "hidden@example.org")
	for _, table := range []string{"users", "sessions", "candidates", "invitations", "login_events", "journey_events", "consent_texts"} {
		var all, seen int
		require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&all))
		require.Positive(t, all, table)
		require.NoError(t, b.db.App.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&seen))
		require.Zero(t, seen, "app role without context saw rows of %s", table)
	}
	// A candidate's context sees only their own account.
	var seen int
	tx, err := b.db.App.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, "SELECT set_config('app.role', 'candidate', true), set_config('app.user_id', $1, true)", "00000000-0000-0000-0000-000000000001")
	require.NoError(t, err)
	require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&seen))
	require.Zero(t, seen)
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := db.HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.Contains(t, h, "$argon2id$v=19$m=19456,t=2,p=1$")
	require.True(t, db.VerifyPassword(h, "correct horse battery staple"))
	require.False(t, db.VerifyPassword(h, "correct horse battery stapl"))
	require.False(t, db.VerifyPassword("garbage", "x"))
}

// Password hashing is bounded: a sign-in or registration that cannot get a
// hashing slot before its context ends gives up, checking nothing and
// recording nothing; once a slot is free, it goes ahead.
func TestPasswordHashingIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithPasswordHashing(1))
	release := b.store.HoldHashSlot() // another request is hashing
	before := b.count(t, "SELECT count(*) FROM login_events")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "192.0.2.9", UserAgent: "ua", Now: b.now})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, before, b.count(t, "SELECT count(*) FROM login_events"), "nothing recorded")
	_, err = b.store.EnsureOperator(ctx, "second@example.org", "operator password 2", b.now)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Zero(t, b.count(t, "SELECT count(*) FROM users WHERE email = 'second@example.org'"))

	release()
	_, err = b.store.Login(context.Background(), db.LoginAttempt{Email: "operator@example.org", Password: "operator password 1", IP: "192.0.2.9", UserAgent: "ua", Now: b.now})
	require.NoError(t, err)
	require.Panics(t, func() { db.WithPasswordHashing(0) })
}
