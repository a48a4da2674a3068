package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// LoginAttempt is one sign-in try with where it came from.
type LoginAttempt struct {
	Email     string
	Password  string
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

// maxUserAgent bounds what a client can make us store.
const maxUserAgent = 512

// Login checks an email and password and opens a new session with a fresh
// token. Every attempt, successful or not, is recorded with its time,
// outcome, IP and user agent. An unknown email and a wrong password give
// the same EUNAUTHORIZED error after the same amount of work. Too many
// recent failures for the account or from the address (see
// sim.LoginThrottle) give ETHROTTLED without checking the password; such
// attempts are recorded as "throttled".
func (s *Store) Login(ctx context.Context, a LoginAttempt) (LoginResult, error) {
	if len(a.UserAgent) > maxUserAgent {
		a.UserAgent = a.UserAgent[:maxUserAgent]
	}
	var (
		user     dbgen.User
		found    bool
		throttle error
	)
	// record writes this attempt to the login audit trail.
	record := func(tx pgx.Tx, outcome string) error {
		ev := dbgen.LoginEventCreateParams{ID: uuid.New(), Outcome: outcome, Ip: a.IP, UserAgent: a.UserAgent, Now: a.Now}
		if found {
			ev.UserID = &user.ID
		}
		if err := s.q.LoginEventCreate(ctx, tx, ev); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		return nil
	}
	email, emailErr := sim.NormalizeEmail(a.Email)
	err := s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		if emailErr == nil {
			var err error
			user, err = s.q.UserGetByEmail(ctx, tx, email)
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("load user: %w", err)
			}
		}
		since := a.Now.Add(-s.throttle.Window)
		var accountFailures []time.Time
		if found {
			var err error
			accountFailures, err = s.q.LoginFailuresForUser(ctx, tx, dbgen.LoginFailuresForUserParams{
				UserID: &user.ID, Since: since, MaxRows: int32(s.throttle.MaxAccountFailures),
			})
			if err != nil {
				return fmt.Errorf("count account failures: %w", err)
			}
		}
		ipFailures, err := s.q.LoginFailuresFromIP(ctx, tx, dbgen.LoginFailuresFromIPParams{
			Ip: a.IP, Since: since, MaxRows: int32(s.throttle.MaxIPFailures),
		})
		if err != nil {
			return fmt.Errorf("count address failures: %w", err)
		}
		if throttle = s.throttle.Check(a.Now, accountFailures, ipFailures); throttle == nil {
			return nil
		}
		return record(tx, "throttled")
	})
	if err != nil {
		return LoginResult{}, err
	}
	if throttle != nil {
		return LoginResult{}, throttle
	}
	hash := dummyHash
	if found {
		hash = user.PasswordHash
	}
	var ok bool
	if err := s.withHashSlot(ctx, func() { ok = VerifyPassword(hash, a.Password) && found }); err != nil {
		return LoginResult{}, err
	}

	var res LoginResult
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		if !ok {
			return record(tx, "failure")
		}
		if err := record(tx, "success"); err != nil {
			return err
		}
		// Sessions abandoned without signing out are cleared at the next
		// sign-in, so they do not pile up for active accounts.
		if _, err := s.q.SessionDeleteExpiredForUser(ctx, tx, dbgen.SessionDeleteExpiredForUserParams{
			UserID: user.ID, Now: a.Now, IdleBefore: a.Now.Add(-s.sessions.Idle),
		}); err != nil {
			return fmt.Errorf("clear expired sessions: %w", err)
		}
		token, tokenHash, err := NewToken()
		if err != nil {
			return err
		}
		sess := sim.Session{
			ID: uuid.NewString(), UserID: user.ID.String(), Role: sim.Role(user.Role),
			CreatedAt: a.Now, LastSeenAt: a.Now, ExpiresAt: a.Now.Add(s.sessions.Absolute),
		}
		err = s.q.SessionCreate(ctx, tx, dbgen.SessionCreateParams{
			ID: uuid.MustParse(sess.ID), UserID: user.ID, TokenHash: tokenHash, Now: a.Now, ExpiresAt: sess.ExpiresAt,
		})
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		res = LoginResult{Token: token, Session: sess, User: sim.User{ID: user.ID.String(), Role: sim.Role(user.Role), Email: user.Email}}
		return nil
	})
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, errBadCredentials
	}
	return res, nil
}

var errSessionInvalid = sim.Errorf(sim.EUNAUTHORIZED, "your session has expired or is not valid: sign in again")

// Authenticate returns the live session a bearer token belongs to and
// records its use. EUNAUTHORIZED when the token is unknown or the session
// has passed its idle or absolute expiry (the session is then deleted).
func (s *Store) Authenticate(ctx context.Context, token string, now time.Time) (sim.Session, error) {
	if !wellFormedToken(token) {
		return sim.Session{}, errSessionInvalid
	}
	var sess sim.Session
	expired := false
	err := s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		row, err := s.q.SessionGetByTokenHash(ctx, tx, HashToken(token))
		if errors.Is(err, pgx.ErrNoRows) {
			return errSessionInvalid
		}
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		sess = sim.Session{
			ID: row.ID.String(), UserID: row.UserID.String(), Role: sim.Role(row.Role),
			CreatedAt: row.CreatedAt, LastSeenAt: row.LastSeenAt, ExpiresAt: row.ExpiresAt,
		}
		if !s.sessions.Alive(sess, now) {
			if err := s.q.SessionDelete(ctx, tx, row.ID); err != nil {
				return fmt.Errorf("delete expired session: %w", err)
			}
			expired = true // return nil so that the deletion commits
			return nil
		}
		sess.LastSeenAt = now
		if err := s.q.SessionTouch(ctx, tx, dbgen.SessionTouchParams{ID: row.ID, Now: now}); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		return nil
	})
	if err != nil {
		return sim.Session{}, err
	}
	if expired {
		return sim.Session{}, errSessionInvalid
	}
	return sess, nil
}

// Logout ends the session. It is idempotent.
func (s *Store) Logout(ctx context.Context, sess sim.Session) error {
	id, err := parseID("session_id", sess.ID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, sess.Actor(), func(tx pgx.Tx) error {
		if err := s.q.SessionDelete(ctx, tx, id); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// EnsureOperator creates an operator account with the given email and
// password unless an account with that email exists. It reports whether it
// created one.
func (s *Store) EnsureOperator(ctx context.Context, email, password string, now time.Time) (bool, error) {
	email, err := sim.NormalizeEmail(email)
	if err != nil {
		return false, err
	}
	if err := sim.ValidatePassword(password); err != nil {
		return false, err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return false, err
	}
	created := false
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		if known, err := s.q.UserEmailExists(ctx, tx, email); err != nil {
			return fmt.Errorf("check user email: %w", err)
		} else if known {
			return nil
		}
		_, err := s.q.UserCreate(ctx, tx, dbgen.UserCreateParams{ID: uuid.New(), Role: string(sim.RoleOperator), Email: email, PasswordHash: hash, Now: now})
		if err != nil {
			return fmt.Errorf("insert operator: %w", err)
		}
		created = true
		return nil
	})
	return created, err
}
