package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
)

// Each benchmark has a ceiling: the same statements run by bare pgx on a
// superuser connection (no row-level security, no Store), with the same
// argon2id work where the path has it. See docs/benchmarks.md.

func benchStore(b *testing.B) (*testdb.DB, *db.Store, time.Time) {
	d := testdb.New(b)
	now := time.Now()
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	_, err := store.EnsureOperator(context.Background(), "bench@example.org", "bench password 1", now)
	require.NoError(b, err)
	return d, store, now
}

func BenchmarkLogin(b *testing.B) {
	d, store, now := benchStore(b)
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			_, err := store.Login(ctx, db.LoginAttempt{Email: "bench@example.org", Password: "bench password 1", IP: "127.0.0.1", UserAgent: "bench", Now: now})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-pgx", func(b *testing.B) {
		for b.Loop() {
			var id uuid.UUID
			var hash string
			if err := d.Admin.QueryRow(ctx, "SELECT id, password_hash FROM users WHERE email = $1", "bench@example.org").Scan(&id, &hash); err != nil {
				b.Fatal(err)
			}
			if !db.VerifyPassword(hash, "bench password 1") {
				b.Fatal("password")
			}
			_, tokenHash, err := db.NewToken()
			if err != nil {
				b.Fatal(err)
			}
			err = pgx.BeginFunc(ctx, d.Admin, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO login_events (id, user_id, outcome, ip, user_agent, occurred_at) VALUES ($1, $2, 'success', '127.0.0.1', 'bench', $3)", uuid.New(), id, now); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)", uuid.New(), id, tokenHash, now, now.Add(time.Hour))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthenticate is the per-request cost of a bearer token.
func BenchmarkAuthenticate(b *testing.B) {
	d, store, now := benchStore(b)
	ctx := context.Background()
	res, err := store.Login(ctx, db.LoginAttempt{Email: "bench@example.org", Password: "bench password 1", IP: "127.0.0.1", UserAgent: "bench", Now: now})
	require.NoError(b, err)
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Authenticate(ctx, res.Token, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-pgx", func(b *testing.B) {
		h := db.HashToken(res.Token)
		for b.Loop() {
			err := pgx.BeginFunc(ctx, d.Admin, func(tx pgx.Tx) error {
				var id uuid.UUID
				var role string
				if err := tx.QueryRow(ctx, "SELECT s.id, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", h).Scan(&id, &role); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", now, id)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRegister(b *testing.B) {
	d, store, now := benchStore(b)
	ctx := context.Background()
	opRes, err := store.Login(ctx, db.LoginAttempt{Email: "bench@example.org", Password: "bench password 1", IP: "127.0.0.1", UserAgent: "bench", Now: now})
	require.NoError(b, err)
	op := opRes.Session.Actor()
	n := 0
	newToken := func(b *testing.B) (sim.Invitation, string) {
		n++
		inv, err := store.CreateInvitation(ctx, op, db.InvitationRequest{Email: fmt.Sprintf("c%d@example.org", n), Window: time.Hour, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		link, err := store.IssueInvitationToken(ctx, inv.ID)
		if err != nil {
			b.Fatal(err)
		}
		return inv, link.Token
	}
	p := profile(now)
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, token := newToken(b)
			b.StartTimer()
			_, err := store.Register(ctx, db.Registration{Token: token, Password: "bench passphrase", Profile: p, ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: now})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-pgx", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, token := newToken(b)
			b.StartTimer()
			hash, err := db.HashPassword("bench passphrase")
			if err != nil {
				b.Fatal(err)
			}
			err = pgx.BeginFunc(ctx, d.Admin, func(tx pgx.Tx) error {
				var invID, candID uuid.UUID
				var email string
				err := tx.QueryRow(ctx, `UPDATE invitations i SET used_at = $1, email = NULL
					FROM (SELECT id, email FROM invitations WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 FOR UPDATE) old
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
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkArgon2id is the floor under login and registration: one
// password hash at the OWASP parameters.
func BenchmarkArgon2id(b *testing.B) {
	for b.Loop() {
		if _, err := db.HashPassword("bench passphrase"); err != nil {
			b.Fatal(err)
		}
	}
}
