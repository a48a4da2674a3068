package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// HoldHashSlot takes one password-hashing slot, as a request busy hashing
// would, until release is called.
func (s *Store) HoldHashSlot() (release func()) {
	if err := s.hashing.acquire(context.Background(), false); err != nil {
		panic(err)
	}
	return func() { s.hashing.release(false) }
}

// QueryRow runs raw SQL inside the transaction, as its actor: for tests
// of what row-level security lets each actor see and do.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return tx.tx.QueryRow(ctx, sql, args...)
}

// Exec runs raw SQL inside the transaction, as its actor.
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return tx.tx.Exec(ctx, sql, args...)
}

// WithPasswordVerifier replaces the password check a sign-in makes
// (VerifyPassword), so that a test can count and hold each check.
func WithPasswordVerifier(verify func(hash, pw string) bool) Option {
	return func(s *Store) { s.verifyPassword = verify }
}

// WaitChainIdle waits until the Store's linking of the audit chain after
// commit has nothing running or asked for: for tests that then change the
// trail by hand, which a run at the same time could deadlock with (a hand
// update locks its row before the chain's lock; the sequencer takes the
// chain's lock first).
func (s *Store) WaitChainIdle() { s.chain.waitIdle() }
