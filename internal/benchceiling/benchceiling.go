// Package benchceiling holds the ceilings Muster's benchmarks are measured
// beside: the same work as a Muster path, done by bare pgx statements on a
// superuser connection (no Store, no sqlc, no row-level security context).
package benchceiling

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Login looks up the account, takes the sign-in locks, counts recent
// failures, records the attempt as pending, verifies the argon2id hash,
// settles the attempt and creates a session.
func Login(ctx context.Context, pool *pgxpool.Pool, email, password string, now time.Time) error {
	subject := sha256.Sum256([]byte(email))
	var id uuid.UUID
	var hash string
	attempt := uuid.New()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, hex.EncodeToString(subject[:]), "127.0.0.1"); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT id, password_hash FROM users WHERE email = $1", email).Scan(&id, &hash); err != nil {
			return err
		}
		if _, _, err := recentFailures(ctx, tx, subject[:], now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO login_events (id, user_id, subject, outcome, ip, network, user_agent, occurred_at) VALUES ($1, $2, $3, 'pending', '127.0.0.1', '127.0.0.0/24', 'bench', $4)", attempt, id, subject[:], now)
		return err
	})
	if err != nil {
		return err
	}
	if !db.VerifyPassword(hash, password) {
		return errors.New("wrong password")
	}
	_, tokenHash, err := db.NewToken()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE login_events SET outcome = 'success' WHERE id = $1 AND outcome = 'pending'", attempt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)", uuid.New(), id, tokenHash, now, now.Add(time.Hour))
		return err
	})
}

const lockSQL = "SELECT pg_advisory_xact_lock(1, hashtext($1)), pg_advisory_xact_lock(2, hashtext($2))"

// recentFailures is the sign-in throttle's counts, as the store makes them
// (for a client on the loopback network, 127.0.0.0/24): failed or pending
// attempts for the address tried from the network since its last success
// there, in the last 15 minutes; from anywhere since its last success, in
// the last day; from the client address in the last 15 minutes; and
// whether the account knows the network. Up to the default limits.
func recentFailures(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, subject []byte, now time.Time) (account, address int, err error) {
	var wide int
	var known bool
	err = q.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM login_events e WHERE e.subject = $1 AND e.network = '127.0.0.0/24' AND e.outcome IN ('failure', 'pending') AND e.occurred_at > $2
		   AND e.occurred_at > coalesce((SELECT max(occurred_at) FROM login_events WHERE subject = $1 AND network = '127.0.0.0/24' AND outcome = 'success'), '-infinity') LIMIT 10) a),
		(SELECT count(*) FROM (SELECT 1 FROM login_events e WHERE e.subject = $1 AND e.outcome IN ('failure', 'pending') AND e.occurred_at > $3
		   AND e.occurred_at > coalesce((SELECT max(occurred_at) FROM login_events WHERE subject = $1 AND outcome = 'success'), '-infinity') LIMIT 100) w),
		(SELECT count(*) FROM (SELECT 1 FROM login_events WHERE ip = '127.0.0.1' AND outcome IN ('failure', 'pending') AND occurred_at > $2 LIMIT 50) b),
		EXISTS (SELECT 1 FROM login_events WHERE subject = $1 AND network = '127.0.0.0/24' AND outcome = 'success' AND occurred_at > $4)`,
		subject, now.Add(-15*time.Minute), now.Add(-24*time.Hour), now.Add(-90*24*time.Hour)).Scan(&account, &wide, &address, &known)
	return account, address, err
}

// LoginThrottled is a refused sign-in for a locked account: take the
// sign-in locks, look it up, count its recent failures and those of the
// address, record the refusal.
func LoginThrottled(ctx context.Context, pool *pgxpool.Pool, email string, now time.Time) error {
	subject := sha256.Sum256([]byte(email))
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, hex.EncodeToString(subject[:]), "127.0.0.1"); err != nil {
			return err
		}
		var id uuid.UUID
		if err := tx.QueryRow(ctx, "SELECT id FROM users WHERE email = $1", email).Scan(&id); err != nil {
			return err
		}
		account, _, err := recentFailures(ctx, tx, subject[:], now)
		if err != nil {
			return err
		}
		if account < 10 {
			return errors.New("not locked")
		}
		_, err = tx.Exec(ctx, "INSERT INTO login_events (id, user_id, subject, outcome, ip, network, user_agent, occurred_at) VALUES ($1, $2, $3, 'throttled', '127.0.0.1', '127.0.0.0/24', 'bench', $4)", uuid.New(), id, subject[:], now)
		return err
	})
}

// Authenticate looks up a session by token hash (its last-seen time is
// fresh, so, as in the store, it is not written).
func Authenticate(ctx context.Context, pool *pgxpool.Pool, token string, now time.Time) error {
	h := db.HashToken(token)
	var id uuid.UUID
	var role string
	var lastSeen time.Time
	if err := pool.QueryRow(ctx, "SELECT s.id, u.role, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", h).Scan(&id, &role, &lastSeen); err != nil {
		return err
	}
	if now.Sub(lastSeen) < time.Minute {
		return nil
	}
	_, err := pool.Exec(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", now, id)
	return err
}

// Register consumes the token, creates the account with an argon2id hash,
// stores the profile and consent and records the journey event.
func Register(ctx context.Context, pool *pgxpool.Pool, token, password string, p sim.Profile, now time.Time) error {
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var invID, candID uuid.UUID
		var email string
		err := tx.QueryRow(ctx, `UPDATE invitations i SET used_at = $1, email = NULL
			FROM (SELECT p.id, p.email FROM invitations p JOIN invitation_tokens t ON t.invitation_id = p.id
			      WHERE t.token_hash = $2 AND p.used_at IS NULL AND p.expires_at > $1 FOR UPDATE OF p) old
			WHERE i.id = old.id RETURNING i.id, i.candidate_id, old.email`, now, db.HashToken(token)).Scan(&invID, &candID, &email)
		if err != nil {
			return err
		}
		userID := uuid.New()
		if _, err := tx.Exec(ctx, "INSERT INTO users (id, role, email, password_hash, created_at, updated_at) VALUES ($1, 'candidate', $2, $3, $4, $4)", userID, email, hash, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE candidates SET user_id = $1, status = 'registered', first_name = $2, last_name = $3,
			date_of_birth = $4, connection = $5, skills = $6, region = $7, heard_about = $8, registered_at = $9, updated_at = $9 WHERE id = $10`,
			userID, p.FirstName, p.LastName, p.DateOfBirth, string(p.Connection), p.Skills, string(p.Region), string(p.HeardAbout), now, candID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at) VALUES ($1, $2, '2026-11-share-v1', true, 'registration_form', $3)", uuid.New(), candID, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO journey_events (id, candidate_id, type, from_status, to_status, actor_id, occurred_at) VALUES ($1, $2, 'candidate.registered', 'invited', 'registered', $3, $4)", uuid.New(), candID, userID, now)
		return err
	})
}

// Me authenticates the token, as Authenticate, then loads the account in
// a second transaction, as GET /v1/me does for an operator.
func Me(ctx context.Context, pool *pgxpool.Pool, token string, now time.Time) error {
	_, err := MeAccount(ctx, pool, token, now)
	return err
}

// Account is what MeAccount reads of the signed-in account.
type Account struct {
	ID    uuid.UUID `json:"id"`
	Role  string    `json:"role"`
	Email string    `json:"email"`
}

// MeAccount is Me, returning the account it read.
func MeAccount(ctx context.Context, pool *pgxpool.Pool, token string, now time.Time) (Account, error) {
	var a Account
	if err := Authenticate(ctx, pool, token, now); err != nil {
		return a, err
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT u.id, u.role, u.email FROM users u JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1", db.HashToken(token)).Scan(&a.ID, &a.Role, &a.Email)
	})
	return a, err
}

// LoginGuess is one sign-in with a wrong password as the store makes it,
// in bare SQL: take the sign-in locks, count recent failures, and either
// record a refusal, or reserve the attempt as pending, check the argon2id
// hash and record the failure. It reports whether the password was
// checked.
func LoginGuess(ctx context.Context, pool *pgxpool.Pool, email, password, ip string, now time.Time) (checked bool, err error) {
	subject := sha256.Sum256([]byte(email))
	var id uuid.UUID
	var hash string
	attempt := uuid.New()
	refused := false
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, hex.EncodeToString(subject[:]), ip); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT id, password_hash FROM users WHERE email = $1", email).Scan(&id, &hash); err != nil {
			return err
		}
		account, _, err := recentFailures(ctx, tx, subject[:], now)
		if err != nil {
			return err
		}
		outcome := "pending"
		if account >= 10 {
			outcome, refused = "throttled", true
		}
		_, err = tx.Exec(ctx, "INSERT INTO login_events (id, user_id, subject, outcome, ip, network, user_agent, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, 'bench', $7)",
			attempt, id, subject[:], outcome, ip, sim.ClientNetwork(ip), now)
		return err
	})
	if err != nil || refused {
		return false, err
	}
	if db.VerifyPassword(hash, password) {
		return true, errors.New("the guess was right")
	}
	_, err = pool.Exec(ctx, "UPDATE login_events SET outcome = 'failure' WHERE id = $1 AND outcome = 'pending'", attempt)
	return true, err
}
