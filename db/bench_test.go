package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/benchceiling"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// Each benchmark has a ceiling sub-benchmark: the same work by bare pgx
// (internal/benchceiling). See docs/benchmarks.md.

func benchStore(b *testing.B) (*testdb.DB, *db.Store, time.Time) {
	d := testdb.New(b)
	now := time.Now()
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	_, err := store.EnsureOperator(context.Background(), "bench@example.org", "bench password 1", now)
	require.NoError(b, err)
	return d, store, now
}

// issueLink creates an invitation as the operator and issues its link as
// the engine, returning the token.
func issueLink(b *testing.B, store *db.Store, op sim.Actor, email string, now time.Time) string {
	ctx := context.Background()
	var inv sim.Invitation
	err := store.InTx(ctx, op, func(tx *db.Tx) error {
		var err error
		inv, err = tx.InvitationCreate(ctx, db.InvitationRequest{Email: email, Window: time.Hour, Now: now})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var link db.InvitationLink
	err = store.InTx(ctx, sim.System, func(tx *db.Tx) error {
		var err error
		link, _, err = tx.InvitationIssueLink(ctx, inv.ID, now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return link.Token
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
			if err := benchceiling.Login(ctx, d.Admin, "bench@example.org", "bench password 1", now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoginThrottled is a sign-in refused because the account is
// locked: what each further guess costs the server (no argon2id).
func BenchmarkLoginThrottled(b *testing.B) {
	d, store, now := benchStore(b)
	ctx := context.Background()
	for range sim.DefaultLoginThrottle.MaxAccountFailures {
		_, err := store.Login(ctx, db.LoginAttempt{Email: "bench@example.org", Password: "wrong password!", IP: "192.0.2.1", UserAgent: "bench", Now: now})
		require.Equal(b, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			_, err := store.Login(ctx, db.LoginAttempt{Email: "bench@example.org", Password: "bench password 1", IP: "127.0.0.1", UserAgent: "bench", Now: now})
			if sim.ErrorCode(err) != sim.ETHROTTLED {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-pgx", func(b *testing.B) {
		for b.Loop() {
			if err := benchceiling.LoginThrottled(ctx, d.Admin, "bench@example.org", now); err != nil {
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
		for b.Loop() {
			if err := benchceiling.Authenticate(ctx, d.Admin, res.Token, now); err != nil {
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
	newToken := func(b *testing.B) string {
		n++
		return issueLink(b, store, op, fmt.Sprintf("c%d@example.org", n), now)
	}
	p := testfactory.Profile(now)
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			token := newToken(b)
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
			token := newToken(b)
			b.StartTimer()
			if err := benchceiling.Register(ctx, d.Admin, token, "bench passphrase", p, now); err != nil {
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
