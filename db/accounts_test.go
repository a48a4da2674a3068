package db_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

const opPassword = testfactory.DefaultPassword

func (b *testBundle) login(email, pw, ip string, at time.Time) (db.LoginResult, error) {
	return b.store.Login(context.Background(), db.LoginAttempt{Email: email, Password: pw, IP: ip, UserAgent: "ua", Now: at})
}

func TestLoginRecordsEveryAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.login("operator@example.org", "wrong password!!", "192.0.2.1", b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	wrongPw := sim.ErrorMessage(err)
	_, err = b.login("nobody@example.org", "wrong password!!", "192.0.2.2", b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	require.Equal(t, wrongPw, sim.ErrorMessage(err))
	res, err := b.login("operator@example.org", opPassword, "192.0.2.3", b.now)
	require.NoError(t, err)
	require.Equal(t, b.op.UserID, res.User.ID)
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM login_events"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'failure'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'success' AND user_id = $1", b.op.UserID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE user_id IS NULL AND ip = '192.0.2.2' AND user_agent = 'ua'"))
	require.Zero(t, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'pending'"), "every attempt is settled")
}

// A user agent (or anything else a client sends) with bytes Postgres
// cannot store is cleaned, and the attempt is still recorded and counted.
func TestLoginRecordsAttemptsWithHostileHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, ua := range []string{"bad\xff\xfe utf-8", "nul\x00inside", "rtl\u202eoverride", string(make([]byte, 5000))} {
		_, err := b.store.Login(context.Background(), db.LoginAttempt{
			Email: "operator@example.org\x00", Password: "wrong password!!", IP: "192.0.2.1\x00", UserAgent: ua, Now: b.now,
		})
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err), "%q: %v", ua, err)
	}
	require.Equal(t, 4, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'failure'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE user_agent = 'bad\uFFFD utf-8'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE user_agent = 'nulinside'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE user_agent = 'rtloverride'"))
	require.Zero(t, b.count(t, "SELECT count(*) FROM login_events WHERE length(user_agent) > 512 OR ip <> '192.0.2.1'"))
}

func TestLoginThrottlesAnAccount(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 100}))
	login := func(pw, ip string, at time.Duration) error {
		_, err := b.login("operator@example.org", pw, ip, b.now.Add(at))
		return err
	}
	const bad = "not the password"

	// Two failures, then a success: the success wipes the slate.
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, "192.0.2.1", time.Second)))
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, "192.0.2.1", 2*time.Second)))
	require.NoError(t, login(opPassword, "192.0.2.1", 3*time.Second))

	// Three failures from three addresses lock the account, even for the
	// right password, until the first of them is 15 minutes old.
	for i, ip := range []string{"192.0.2.2", "192.0.2.3", "192.0.2.4"} {
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login(bad, ip, time.Duration(i+1)*time.Minute)))
	}
	sessions := b.count(t, "SELECT count(*) FROM sessions")
	err := login(opPassword, "192.0.2.5", 4*time.Minute)
	var se *sim.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, sim.ETHROTTLED, se.Code)
	require.Equal(t, 12*time.Minute, se.RetryAfter)
	require.Equal(t, "too many failed sign-in attempts: try again in 12 minutes", se.Message)
	require.Equal(t, sessions, b.count(t, "SELECT count(*) FROM sessions"), "no session for a throttled attempt")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'throttled' AND user_id IS NOT NULL AND ip = '192.0.2.5'"))

	// The lock binds the network that guessed, and no other: the owner
	// from elsewhere is let in.
	require.NoError(t, login(opPassword, "198.51.100.20", 4*time.Minute), "another network is not locked out")
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(login(opPassword, "192.0.2.5", 4*time.Minute)),
		"a success elsewhere does not clear the guessing network's count")

	// Refused attempts do not count: hammering does not extend the lock.
	for i := 0; i < 5; i++ {
		require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(login(bad, "192.0.2.6", 5*time.Minute)))
	}
	require.NoError(t, login(opPassword, "192.0.2.5", 16*time.Minute))
}

// Guessing spread over many networks meets the account-wide limit, which
// refuses networks the account has not signed in from and never one it
// has: the owner at their usual desk is let in, with the right password,
// while a newcomer network is refused even with it.
func TestLoginAccountWideLimitSparesKnownNetworks(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 100,
		AccountWindow: 24 * time.Hour, MaxAccountWideFailures: 6, KnownNetworkFor: 90 * 24 * time.Hour}))
	login := func(pw, ip string, at time.Duration) error {
		_, err := b.login("operator@example.org", pw, ip, b.now.Add(at))
		return err
	}
	require.NoError(t, login(opPassword, "203.0.113.10", 0), "the owner's usual network")
	// Six wrong guesses, two from each of three networks: under each
	// network's limit, at the account-wide one.
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "192.0.2.1", "192.0.2.2", "100.64.1.1", "100.64.1.2"} {
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(login("a wrong guess!!", ip, time.Duration(i+1)*time.Minute)), ip)
	}
	err := login(opPassword, "100.64.9.9", 10*time.Minute)
	var se *sim.Error
	require.ErrorAs(t, err, &se, "a network the account does not know is refused, right password or not")
	require.Equal(t, sim.ETHROTTLED, se.Code)
	require.Equal(t, 24*time.Hour-9*time.Minute, se.RetryAfter, "until the sixth newest failure is a day old")
	require.NoError(t, login(opPassword, "203.0.113.77", 11*time.Minute), "the owner's own network (another address in it) is let in")
	// The owner's success clears the account-wide count, so the newcomer
	// network is let in too.
	require.NoError(t, login(opPassword, "100.64.9.9", 12*time.Minute))
}

// Fifty wrong guesses from one network at the same moment as the owner's
// right password from another: the guesses are capped at the limit, and
// the owner is let in.
func TestSignInFromAnotherNetworkDuringAnAttack(t *testing.T) {
	t.Parallel()
	const limit, attempts = 10, 50
	var checked atomic.Int64
	verify := func(hash, pw string) bool {
		checked.Add(1)
		return db.VerifyPassword(hash, pw)
	}
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: limit, MaxIPFailures: 1000}),
		db.WithPasswordVerifier(verify))
	b.operatorAtProductionCost(t)

	start := make(chan struct{})
	var wg sync.WaitGroup
	codes := make(chan string, attempts)
	for i := range attempts {
		wg.Go(func() {
			<-start
			_, err := b.login("operator@example.org", "a wrong guess!!", fmt.Sprintf("198.51.100.%d", i+1), b.now)
			codes <- sim.ErrorCode(err)
		})
	}
	var owner error
	wg.Go(func() {
		<-start
		_, owner = b.login("operator@example.org", opPassword, "203.0.113.10", b.now)
	})
	close(start)
	wg.Wait()
	close(codes)
	got := map[string]int{}
	for c := range codes {
		got[c]++
	}
	require.NoError(t, owner, "the owner, from another network, is let in during the attack")
	require.Equal(t, map[string]int{sim.EUNAUTHORIZED: limit, sim.ETHROTTLED: attempts - limit}, got, "the guesses are capped")
	require.EqualValues(t, limit+1, checked.Load(), "passwords checked: the limit's guesses and the owner's")
}

// An address nobody has is throttled exactly like an account: the 429
// cannot tell an outsider who is registered.
func TestLoginThrottlesUnknownAddressesLikeAccounts(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 100}))
	answers := map[string][]string{}
	for _, email := range []string{"operator@example.org", "nobody@example.org"} {
		for i := 0; i < 5; i++ {
			ip := "192.0.2." + string(rune('1'+i)) // spread over addresses
			_, err := b.login(email, "a wrong guess!!", ip, b.now.Add(time.Duration(i)*time.Minute))
			answers[email] = append(answers[email], sim.ErrorCode(err)+": "+sim.ErrorMessage(err))
		}
	}
	require.Equal(t, answers["operator@example.org"], answers["nobody@example.org"])
	require.Equal(t, "throttled: too many failed sign-in attempts: try again in 12 minutes", answers["nobody@example.org"][3])
	// The address is counted however it is written.
	_, err := b.login("  NOBODY@example.org ", "a wrong guess!!", "192.0.2.9", b.now.Add(5*time.Minute))
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(err))
}

func TestLoginThrottlesAnAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 100, MaxIPFailures: 3}))
	attempt := func(email, pw, ip string) error {
		_, err := b.login(email, pw, ip, b.now.Add(time.Minute))
		return err
	}
	// Guessing across unknown accounts from one address...
	for _, email := range []string{"a@example.org", "b@example.org", "not an email"} {
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(attempt(email, "guess guess guess", "198.51.100.7")))
	}
	// ...locks that address for everyone, known or unknown, right or wrong...
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(attempt("c@example.org", "guess guess guess", "198.51.100.7")))
	require.Equal(t, sim.ETHROTTLED, sim.ErrorCode(attempt("operator@example.org", opPassword, "198.51.100.7")))
	// ...and no other.
	require.NoError(t, attempt("operator@example.org", opPassword, "198.51.100.8"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'throttled' AND ip = '198.51.100.7'"))
}

// heldChecks stands in for the password check a sign-in makes: it counts
// each check by the hash it is against, then holds it until released, and
// only then runs the real VerifyPassword.
type heldChecks struct {
	mu      sync.Mutex
	byHash  map[string]int
	release chan struct{}
	once    sync.Once
}

func newHeldChecks() *heldChecks {
	return &heldChecks{byHash: map[string]int{}, release: make(chan struct{})}
}

func (h *heldChecks) verify(hash, pw string) bool {
	h.mu.Lock()
	h.byHash[hash]++
	h.mu.Unlock()
	<-h.release
	return db.VerifyPassword(hash, pw)
}

// counts is how many checks have begun, by hash, and in all.
func (h *heldChecks) counts() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	total := 0
	for _, n := range h.byHash {
		total += n
	}
	return maps.Clone(h.byHash), total
}

func (h *heldChecks) releaseAll() { h.once.Do(func() { close(h.release) }) }

// Dozens of wrong passwords for one account, and as many for an address
// with no account, arriving at the same moment: exactly the limit of each
// are checked, and the rest are refused without looking at the password.
// Every check is held until each attempt has been either refused or let
// through to its check, so the checks let through are all in progress at
// once, and each attempt counted the ones still being checked (pending) as
// failures.
func TestConcurrentFailuresCheckedAtMostTheLimit(t *testing.T) {
	t.Parallel()
	const limit, attempts = 10, 50
	checks := newHeldChecks()
	t.Cleanup(checks.releaseAll) // a failure below must not leave sign-ins held
	b := setup(t, db.WithLoginThrottle(sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: limit, MaxIPFailures: 1000}),
		db.WithPasswordHashing(2*attempts), db.WithPasswordVerifier(checks.verify))
	opHash := b.operatorAtProductionCost(t)

	start := make(chan struct{})
	var wg sync.WaitGroup
	var throttled atomic.Int64
	codes := make(chan string, 2*attempts)
	for _, email := range []string{"operator@example.org", "nobody@example.org"} {
		for range attempts {
			wg.Go(func() {
				<-start
				_, err := b.login(email, "a wrong guess!!", "192.0.2.1", b.now)
				if sim.ErrorCode(err) == sim.ETHROTTLED {
					throttled.Add(1)
				}
				codes <- sim.ErrorCode(err)
			})
		}
	}
	close(start)
	// Until released, an attempt let through stays in its check: wait until
	// every attempt is either refused or in its check.
	require.Eventually(t, func() bool {
		_, inCheck := checks.counts()
		return int(throttled.Load())+inCheck == 2*attempts
	}, time.Minute, 5*time.Millisecond, "every attempt is refused or being checked")
	byHash, inCheck := checks.counts()
	require.Equal(t, 2*limit, inCheck, "passwords being checked at once (%d against the account's hash)", byHash[opHash])
	require.Equal(t, limit, byHash[opHash], "the account's password checked")
	delete(byHash, opHash)
	require.Len(t, byHash, 1, "the unknown address is checked against one stand-in hash")
	for _, n := range byHash {
		require.Equal(t, limit, n, "the unknown address's attempts checked")
	}

	checks.releaseAll()
	wg.Wait()
	close(codes)
	got := map[string]int{}
	for c := range codes {
		got[c]++
	}
	require.Equal(t, map[string]int{sim.EUNAUTHORIZED: 2 * limit, sim.ETHROTTLED: 2 * (attempts - limit)}, got)
	_, total := checks.counts()
	require.Equal(t, 2*limit, total, "no password checked once the checks in progress ended")
	require.Equal(t, 2*limit, b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'failure'"), "checked")
	require.Equal(t, 2*(attempts-limit), b.count(t, "SELECT count(*) FROM login_events WHERE outcome = 'throttled'"))
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res, err := b.login("operator@example.org", opPassword, "::1", b.now)
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
	res, err = b.login("operator@example.org", opPassword, "::1", b.now)
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

// Reading does not cost a write per request: a session's last-seen time
// is written at most once a minute.
func TestSessionTouchedAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	token := testfactory.Session(t, b.db, sim.User{ID: b.op.UserID, Role: sim.RoleOperator}, b.now)
	lastSeen := func() time.Time {
		var at time.Time
		require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT last_seen_at FROM sessions").Scan(&at))
		return at.UTC()
	}
	var writes int
	for s := 1; s <= 150; s++ {
		before := lastSeen()
		sess, err := b.store.Authenticate(ctx, token, b.now.Add(time.Duration(s)*time.Second))
		require.NoError(t, err)
		require.Equal(t, lastSeen(), sess.LastSeenAt.UTC())
		if !lastSeen().Equal(before) {
			writes++
		}
	}
	require.Equal(t, 2, writes, "at 60 s and at 120 s")
	require.Equal(t, b.now.Add(120*time.Second), lastSeen())
}

// Sessions left without signing out are cleared at the account's next
// sign-in; live ones are kept.
func TestLoginClearsAbandonedSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	login := func(at time.Duration) string {
		res, err := b.login("operator@example.org", opPassword, "::1", b.now.Add(at))
		require.NoError(t, err)
		return res.Token
	}
	login(0) // session A, never used again
	tokB := login(10 * time.Minute)
	_, err := b.store.Authenticate(ctx, tokB, b.now.Add(35*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM sessions"))

	login(40 * time.Minute) // A has been idle for 40 minutes; B for 5
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM sessions"), "A cleared; B and the new one kept")
	_, err = b.store.Authenticate(ctx, tokB, b.now.Add(41*time.Minute))
	require.NoError(t, err)
}

// Signing out ends one's own session; it needs a signed-in actor.
func TestSessionEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res, err := b.login("operator@example.org", opPassword, "::1", b.now)
	require.NoError(t, err)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.SessionEnd(ctx, res.Session.ID) })))
	require.NoError(t, b.in(t, res.Session.Actor(), func(tx *db.Tx) error { return tx.SessionEnd(ctx, res.Session.ID) }))
	_, err = b.store.Authenticate(ctx, res.Token, b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := db.HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.Contains(t, h, "$argon2id$v=19$m=19456,t=2,p=1$")
	require.True(t, db.VerifyPassword(h, "correct horse battery staple"))
	require.False(t, db.VerifyPassword(h, "correct horse battery stapl"))
	require.False(t, db.VerifyPassword("garbage", "x"))
	require.True(t, db.VerifyPassword(testfactory.QuickHash("quick"), "quick"))
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
	_, err := b.store.Login(ctx, db.LoginAttempt{Email: "operator@example.org", Password: opPassword, IP: "192.0.2.9", UserAgent: "ua", Now: b.now})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, before, b.count(t, "SELECT count(*) FROM login_events"), "nothing recorded")
	_, err = b.store.EnsureOperator(ctx, "second@example.org", "operator password 2", b.now)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Zero(t, b.count(t, "SELECT count(*) FROM users WHERE email = 'second@example.org'"))

	release()
	_, err = b.login("operator@example.org", opPassword, "192.0.2.9", b.now)
	require.NoError(t, err)
	require.Panics(t, func() { db.WithPasswordHashing(0) })
}

func TestEnsureOperator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	created, err := b.store.EnsureOperator(ctx, "New.Op@example.org", "operator password 2", b.now)
	require.NoError(t, err)
	require.True(t, created)
	created, err = b.store.EnsureOperator(ctx, "new.op@example.org", "another password 3", b.now)
	require.NoError(t, err)
	require.False(t, created)
	_, err = b.store.EnsureOperator(ctx, "not an email", "operator password 2", b.now)
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = b.login("new.op@example.org", "operator password 2", "::1", b.now)
	require.NoError(t, err)
}

// operatorAtProductionCost hashes the operator's password at the cost
// production uses (the factory's is the cheapest), as an address with no
// account is checked against one of that cost, so that checks under
// attack truly overlap. It returns the hash.
func (b *testBundle) operatorAtProductionCost(t *testing.T) string {
	t.Helper()
	opHash, err := db.HashPassword(opPassword)
	require.NoError(t, err)
	_, err = b.db.Admin.Exec(context.Background(), "UPDATE users SET password_hash = $1 WHERE id = $2", opHash, b.op.UserID)
	require.NoError(t, err)
	return opHash
}
