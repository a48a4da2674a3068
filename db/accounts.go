package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Accounts and sessions: sign-in with its throttle, bearer-token
// authentication, sign-out, and the operator accounts the command line
// creates.

// LoginAttempt is one sign-in try with where it came from.
type LoginAttempt struct {
	Email    string
	Password string
	// OTP is the second factor, for an account with two-factor sign-in
	// on: the code its authenticator app shows, or a recovery code.
	OTP       string
	IP        string
	UserAgent string
	Now       time.Time
}

// LoginResult is a new session and its bearer token, which is returned
// once and never stored.
type LoginResult struct {
	Token   string
	Session sim.Session
	User    sim.User
}

var errBadCredentials = sim.Errorf(sim.EUNAUTHORIZED, "email or password is incorrect")

// Bounds on what a client can make us store about an attempt.
const (
	maxUserAgent = 512
	maxIP        = 64
)

func userFromInternal(u dbgen.User) sim.User {
	return sim.User{ID: u.ID.String(), Role: sim.Role(u.Role), Email: u.Email, OrgID: idString(u.OrgID), Name: deref(u.Name)}
}

func sessionFromInternal(r dbgen.SessionGetByTokenHashRow) sim.Session {
	return sim.Session{
		ID: r.ID.String(), UserID: r.UserID.String(), Role: sim.Role(r.Role), OrgID: idString(r.OrgID),
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt,
	}
}

// ErrMFARequired answers a correct password for an account with
// two-factor sign-in when no code came with it: send it again with one.
var ErrMFARequired = sim.Errorf(sim.EMFAREQUIRED, "enter the code from your authenticator app (or a recovery code) as otp")

var errBadSecondFactor = sim.Errorf(sim.EUNAUTHORIZED, "the code is not correct, or has been used: wait for the next one")

var errAccountDisabled = sim.Errorf(sim.EFORBIDDEN, "this account has been disabled: ask your organisation's administrator to re-enable it")

// loginSubject is what sign-in attempts are counted by: the SHA-256 of the
// address tried (normalized, or as typed when it is not an address),
// whether or not an account has it, so that an unknown address is
// throttled exactly like a known one.
func loginSubject(raw, normalized string, invalid error) []byte {
	if invalid != nil {
		normalized = strings.ToLower(strings.TrimSpace(raw))
	}
	sum := sha256.Sum256([]byte(normalized))
	return sum[:]
}

// Login checks an email and password and opens a new session with a fresh
// token. Every attempt is recorded with its time, outcome, IP and user
// agent (cleaned of bytes that cannot be stored). An unknown email and a
// wrong password give the same EUNAUTHORIZED error after the same work.
// Too many recent failures for the address tried (known or not) from the
// client's network, or from anywhere when the account does not know that
// network, or from the client's address (see sim.LoginThrottle) give
// ETHROTTLED without checking the password, recorded as "throttled". An
// attempt is recorded as pending, and counts as a failure, from before its
// password is checked until it is settled, with attempts for the same
// address serialised while they are counted: so however many arrive at
// once, no more than the limit are ever checked. An attempt that cannot
// get a hashing slot before ctx ends changes nothing (its pending record
// is taken back).
func (s *Store) Login(ctx context.Context, a LoginAttempt) (LoginResult, error) {
	a.UserAgent = sim.CleanHeader(a.UserAgent, maxUserAgent)
	a.IP = sim.CleanHeader(a.IP, maxIP)
	email, emailErr := sim.NormalizeEmail(a.Email)
	subject := loginSubject(a.Email, email, emailErr)
	network := sim.ClientNetwork(a.IP)
	var (
		res      LoginResult
		user     dbgen.User
		found    bool
		known    bool
		throttle error
	)
	attempt := dbgen.LoginEventCreateParams{
		ID: uuid.New(), Subject: subject, Outcome: "pending", Ip: a.IP, Network: network, UserAgent: a.UserAgent, Now: a.Now,
	}
	// The sign-in check is the engine's work (sim.System): nobody is
	// signed in yet, and it must find the account by its address.
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		if err := tx.q.LoginThrottleLock(ctx, tx.tx, dbgen.LoginThrottleLockParams{
			SubjectKey: hex.EncodeToString(subject), Ip: a.IP,
		}); err != nil {
			return fmt.Errorf("lock sign-in counts: %w", err)
		}
		if emailErr == nil {
			u, err := tx.q.UserGetByEmail(ctx, tx.tx, email)
			switch err = interpretError(err); {
			case err == nil:
				user, found = u, true
				attempt.UserID = &u.ID
			case !notFound(err):
				return fmt.Errorf("load user: %w", err)
			}
		}
		counts, err := tx.loginCounts(ctx, s.throttle, subject, network, a.IP, a.Now)
		if err != nil {
			return err
		}
		known = counts.KnownNetwork
		if throttle = s.throttle.Check(a.Now, counts); throttle != nil {
			attempt.Outcome = "throttled"
		}
		if err := tx.q.LoginEventCreate(ctx, tx.tx, attempt); err != nil {
			return fmt.Errorf("record login: %w", interpretError(err))
		}
		return nil
	})
	if err != nil {
		return LoginResult{}, err
	}
	if throttle != nil {
		return LoginResult{}, throttle
	}

	// The attempt counts as a failure (pending) from here until it is
	// settled. Its password is checked in a hashing slot, held for the
	// check alone; a sign-in from a network the account signed in from
	// lately is first in line for one, so outsiders hammering sign-in
	// queue behind it, not in front of it.
	var ok bool
	err = s.withHashSlot(ctx, known, func() error {
		hash := dummyHash
		if found {
			hash = user.PasswordHash
		}
		ok = s.verifyPassword(hash, a.Password) && found
		return nil
	})
	if err != nil {
		// ctx ended before a slot was free: nothing was checked, so the
		// attempt is taken back as if it never came.
		gone, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if derr := s.InTx(gone, sim.System, func(tx *Tx) error {
			return tx.q.LoginEventDeletePending(gone, tx.tx, attempt.ID)
		}); derr != nil {
			return LoginResult{}, fmt.Errorf("%w (and taking back the attempt: %v)", err, derr)
		}
		return LoginResult{}, err
	}
	disabled := ok && user.DisabledAt != nil
	var factorErr error
	ok = ok && !disabled

	// Still the sign-in check: settling the attempt and, if it
	// succeeded, opening the session it asked for.
	err = s.InTx(ctx, sim.System, func(tx *Tx) error {
		if ok && user.MfaEnabledAt != nil {
			switch passed, err := tx.secondFactor(ctx, user, a.OTP, a.Now); {
			case err != nil:
				return err
			case a.OTP == "":
				ok, factorErr = false, ErrMFARequired
			case !passed:
				ok, factorErr = false, errBadSecondFactor
			}
		}
		outcome := "failure"
		if ok {
			outcome = "success"
		}
		if err := tx.q.LoginEventSettle(ctx, tx.tx, dbgen.LoginEventSettleParams{ID: attempt.ID, Outcome: outcome}); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		if !ok {
			return nil
		}
		var err error
		res, err = tx.sessionOpen(ctx, user, a.Now)
		return err
	})
	switch {
	case err != nil:
		return LoginResult{}, err
	case disabled:
		return LoginResult{}, errAccountDisabled
	case factorErr != nil:
		return LoginResult{}, factorErr
	case !ok:
		return LoginResult{}, errBadCredentials
	}
	return res, nil
}

// sessionOpen clears the user's abandoned sessions and opens a new one.
func (tx *Tx) sessionOpen(ctx context.Context, user dbgen.User, now time.Time) (LoginResult, error) {
	policy := tx.store.sessions
	// Sessions abandoned without signing out are cleared at the next
	// sign-in, so they do not pile up for active accounts.
	if _, err := tx.q.SessionDeleteExpiredForUser(ctx, tx.tx, dbgen.SessionDeleteExpiredForUserParams{
		UserID: user.ID, Now: now, IdleBefore: now.Add(-policy.Idle),
	}); err != nil {
		return LoginResult{}, fmt.Errorf("clear expired sessions: %w", err)
	}
	token, tokenHash, err := NewToken()
	if err != nil {
		return LoginResult{}, err
	}
	sess := sim.Session{
		ID: uuid.NewString(), UserID: user.ID.String(), Role: sim.Role(user.Role), OrgID: idString(user.OrgID),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(policy.Absolute),
	}
	if err := tx.q.SessionCreate(ctx, tx.tx, dbgen.SessionCreateParams{
		ID: uuid.MustParse(sess.ID), UserID: user.ID, TokenHash: tokenHash, Now: now, ExpiresAt: sess.ExpiresAt,
	}); err != nil {
		return LoginResult{}, fmt.Errorf("create session: %w", err)
	}
	u := userFromInternal(user)
	if sess.Restriction, u.OrgName, err = tx.holdBack(ctx, sess, user.MfaEnabledAt != nil); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, Session: sess, User: u}, nil
}

// holdBack decides what, if anything, holds the session's user back (see
// sim.Restriction) and, for the org roles, returns their organisation's
// name as it is now. The transaction must see that organisation: the
// engine's, or the user's own.
func (tx *Tx) holdBack(ctx context.Context, sess sim.Session, mfaEnabled bool) (sim.Restriction, string, error) {
	var st sim.Standing
	if sess.Role.OrgRole() {
		var err error
		if st, err = tx.standing(ctx, sess); err != nil {
			return "", "", err
		}
	}
	r, name := tx.store.holdBack(sess, mfaEnabled, st)
	return r, name, nil
}

// holdBack is Tx.holdBack given the organisation's standing (ignored for
// a role that is not an organisation's).
func (s *Store) holdBack(sess sim.Session, mfaEnabled bool, st sim.Standing) (sim.Restriction, string) {
	switch {
	case !mfaEnabled && slices.Contains(s.mfaRequired, sess.Role):
		return sim.RestrictMFARequired, st.OrgName
	case sess.Role.OrgRole():
		return sim.OrgRestriction(st), st.OrgName
	}
	return "", ""
}

var errSessionInvalid = sim.Errorf(sim.EUNAUTHORIZED, "your session has expired or is not valid: sign in again")

// Authenticate returns the live session a bearer token belongs to (see
// OpenSession), committing what finding it wrote.
func (s *Store) Authenticate(ctx context.Context, token string, now time.Time) (sim.Session, error) {
	_, sess, finish, err := s.OpenSession(ctx, token, now)
	if err != nil {
		return sim.Session{}, err
	}
	return sess, finish(ctx)
}

// OpenSession finds the live session a bearer token belongs to, in a
// transaction that then goes on as the session's user: the request's
// transaction. It runs as an anonymous actor presenting the token, so
// row-level security shows it that session and nothing else, until the
// token has found it. Its last-seen time is written at most once per
// sim.SessionTouchEvery. EUNAUTHORIZED when the token is unknown or the
// session has passed its idle or absolute expiry (the session is then
// deleted).
//
// The first InTx under the returned context as the session's user runs in
// the request's transaction, so a request authenticates and acts in one
// transaction. finish commits that transaction if nothing took it, and
// must be called when the request's work is done, whatever happened; a
// transaction InTx took is committed by InTx.
func (s *Store) OpenSession(ctx context.Context, token string, now time.Time) (context.Context, sim.Session, func(context.Context) error, error) {
	if !wellFormedToken(token) {
		return ctx, sim.Session{}, nil, errSessionInvalid
	}
	tokenHash := HashToken(token)
	tx, err := s.begin(ctx, sim.Presenting(tokenHash))
	if err != nil {
		return ctx, sim.Session{}, nil, err
	}
	r := &requestTx{tx: tx}
	sess, err := tx.openSession(ctx, tokenHash, now)
	if err != nil {
		tx.tx.rollback(context.WithoutCancel(ctx))
		tx.tx.conn.Release()
		return ctx, sim.Session{}, nil, err
	}
	if sess.ID == "" { // expired: commit the deletion
		if err := r.finish(ctx); err != nil {
			return ctx, sim.Session{}, nil, err
		}
		return ctx, sim.Session{}, nil, errSessionInvalid
	}
	return context.WithValue(ctx, requestTxKey{}, r), sess, r.finish, nil
}

// openSession is OpenSession in tx: the session, or the zero session when
// it had expired and is deleted.
func (tx *Tx) openSession(ctx context.Context, tokenHash []byte, now time.Time) (sim.Session, error) {
	row, err := tx.q.SessionGetByTokenHash(ctx, tx.tx, tokenHash)
	if err = interpretError(err); notFound(err) {
		return sim.Session{}, errSessionInvalid
	} else if err != nil {
		return sim.Session{}, fmt.Errorf("load session: %w", err)
	}
	sess := sessionFromInternal(row)
	if !tx.store.sessions.Alive(sess, now) || row.DisabledAt != nil {
		if err := tx.q.SessionDelete(ctx, tx.tx, row.ID); err != nil {
			return sim.Session{}, fmt.Errorf("delete expired session: %w", err)
		}
		return sim.Session{}, nil
	}
	if tx.store.sessions.NeedsTouch(sess, now) {
		if err := tx.q.SessionTouch(ctx, tx.tx, dbgen.SessionTouchParams{ID: row.ID, Now: now}); err != nil {
			return sim.Session{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	// The token has found its session: from here the transaction is
	// that session's user. What decides whether their organisation may
	// work came with the session.
	if err := tx.actAs(sess.Actor()); err != nil {
		return sim.Session{}, err
	}
	var st sim.Standing
	if sess.Role.OrgRole() {
		if !row.HasStanding {
			return sim.Session{}, fmt.Errorf("load organisation standing: %w", sim.ErrNotFound)
		}
		st = standingFromInternal(dbgen.OrgStandingRow{
			Name: row.OrgName, Active: row.OrgActive, HasAgreement: row.HasAgreement, AgreementVersion: row.AgreementVersion,
			AgreementSignedName: row.AgreementSignedName, VersionAccepted: row.VersionAccepted, ConductAccepted: row.ConductAccepted,
		})
	}
	sess.Restriction, _ = tx.store.holdBack(sess, row.MfaEnabled, st)
	return sess, nil
}

// requestTx is a request's transaction, opened by OpenSession as the
// session's user, until the first InTx as that user takes it.
type requestTx struct {
	mu sync.Mutex
	tx *Tx // nil once taken or finished
}

type requestTxKey struct{}

func requestTxFrom(ctx context.Context) *requestTx {
	r, _ := ctx.Value(requestTxKey{}).(*requestTx)
	return r
}

// take returns the request's transaction if it is still waiting and runs
// as actor (the same role, user, organisation and credential), from now
// on as actor; nil otherwise.
func (r *requestTx) take(actor sim.Actor) *Tx {
	r.mu.Lock()
	defer r.mu.Unlock()
	tx := r.tx
	if tx == nil || tx.actor.Role != actor.Role || tx.actor.UserID != actor.UserID || tx.actor.OrgID != actor.OrgID ||
		!bytes.Equal(tx.actor.Credential, actor.Credential) {
		return nil
	}
	r.tx = nil
	tx.actor = actor
	return tx
}

// finish commits the request's transaction if nothing took it, and
// returns its connection to the pool.
func (r *requestTx) finish(ctx context.Context) error {
	r.mu.Lock()
	tx := r.tx
	r.tx = nil
	r.mu.Unlock()
	if tx == nil {
		return nil
	}
	defer tx.tx.conn.Release()
	if err := tx.tx.commit(ctx); err != nil {
		tx.tx.rollback(context.WithoutCancel(ctx))
		return fmt.Errorf("commit the request's session: %w", err)
	}
	return nil
}

// standing loads what decides whether the session's organisation user may
// use Muster.
func (tx *Tx) standing(ctx context.Context, sess sim.Session) (sim.Standing, error) {
	orgID, err := parseID("org_id", sess.OrgID)
	if err != nil {
		return sim.Standing{}, err
	}
	r, err := tx.q.OrgStanding(ctx, tx.tx, dbgen.OrgStandingParams{OrgID: orgID, UserID: uuid.MustParse(sess.UserID)})
	if err != nil {
		return sim.Standing{}, fmt.Errorf("load organisation standing: %w", interpretError(err))
	}
	return standingFromInternal(r), nil
}

// standingFromInternal is what decides whether an organisation's user may
// work, as org_standing() reads it (OrgStanding, or with the session).
func standingFromInternal(r dbgen.OrgStandingRow) sim.Standing {
	st := sim.Standing{OrgName: r.Name, OrgActive: r.Active, LatestAccepted: r.VersionAccepted, ConductAccepted: r.ConductAccepted}
	if r.HasAgreement {
		st.Latest = &sim.Agreement{Version: r.AgreementVersion, SignedName: r.AgreementSignedName}
	}
	return st
}

// SessionEnd signs the actor out of session sessionID. It is idempotent.
func (tx *Tx) SessionEnd(ctx context.Context, sessionID string) error {
	if err := tx.authorize(sim.PermEndSession); err != nil {
		return err
	}
	id, err := parseID("session_id", sessionID)
	if err != nil {
		return err
	}
	if err := tx.q.SessionDelete(ctx, tx.tx, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// EnsureOperator creates an operator account with the given email and
// password unless an account with that email exists. It reports whether it
// created one. EINVALID for a bad email or password.
func (s *Store) EnsureOperator(ctx context.Context, email, password string, now time.Time) (bool, error) {
	email, err := sim.NormalizeEmail(email)
	if err != nil {
		return false, err
	}
	if err := sim.ValidatePassword(password); err != nil {
		return false, err
	}
	hash, err := s.hashPassword(ctx, true, password)
	if err != nil {
		return false, err
	}
	created := false
	// Creating an operator is the command line's work, done by whoever
	// holds the database's credentials: there is no operator yet to act
	// as, so it runs as the engine (sim.System).
	err = s.InTx(ctx, sim.System, func(tx *Tx) error {
		if known, err := tx.q.UserEmailExists(ctx, tx.tx, email); err != nil {
			return fmt.Errorf("check user email: %w", err)
		} else if known {
			return nil
		}
		if err := tx.q.UserCreate(ctx, tx.tx, dbgen.UserCreateParams{
			ID: uuid.New(), Role: string(sim.RoleOperator), Email: email, PasswordHash: hash, Now: now,
		}); err != nil {
			return fmt.Errorf("insert operator: %w", interpretError(err))
		}
		created = true
		return nil
	})
	return created, err
}

// loginCounts reads what an attempt for subject from ip (in network) is
// judged by: its failures from the network, from anywhere, and from the
// address, and whether the account knows the network.
func (tx *Tx) loginCounts(ctx context.Context, p sim.LoginThrottle, subject []byte, network, ip string, now time.Time) (sim.LoginCounts, error) {
	var c sim.LoginCounts
	var err error
	since := now.Add(-p.Window)
	if c.Network, err = tx.q.LoginFailuresForSubjectFromNetwork(ctx, tx.tx, dbgen.LoginFailuresForSubjectFromNetworkParams{
		Subject: subject, Network: network, Since: since, MaxRows: int32(p.MaxAccountFailures),
	}); err != nil {
		return c, fmt.Errorf("count failures from the network: %w", err)
	}
	if c.Account, err = tx.q.LoginFailuresForSubject(ctx, tx.tx, dbgen.LoginFailuresForSubjectParams{
		Subject: subject, Since: now.Add(-p.AccountWindow), MaxRows: int32(p.MaxAccountWideFailures),
	}); err != nil {
		return c, fmt.Errorf("count account failures: %w", err)
	}
	if c.IP, err = tx.q.LoginFailuresFromIP(ctx, tx.tx, dbgen.LoginFailuresFromIPParams{
		Ip: ip, Since: since, MaxRows: int32(p.MaxIPFailures),
	}); err != nil {
		return c, fmt.Errorf("count address failures: %w", err)
	}
	if c.KnownNetwork, err = tx.q.LoginKnownNetwork(ctx, tx.tx, dbgen.LoginKnownNetworkParams{
		Subject: subject, Network: network, Since: now.Add(-p.KnownNetworkFor),
	}); err != nil {
		return c, fmt.Errorf("check the network: %w", err)
	}
	return c, nil
}
