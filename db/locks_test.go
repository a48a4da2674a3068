package db_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
)

// Tests of transactions that meet wait for the event that proves they
// met, a lock wait seen from the admin pool, never for a while.

// backendPID is the server process running tx.
func backendPID(ctx context.Context, tx *db.Tx) (int32, error) {
	var pid int32
	err := tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid)
	return pid, err
}

// waitBlocked waits until the server process waiter is waiting for a lock
// that the process holder holds.
func (b *testBundle) waitBlocked(t *testing.T, waiter, holder int32) {
	t.Helper()
	require.Eventually(t, func() bool {
		var blocked bool
		err := b.db.Admin.QueryRow(context.Background(), "SELECT $2::int = ANY(pg_blocking_pids($1))", waiter, holder).Scan(&blocked)
		return err == nil && blocked
	}, 30*time.Second, 5*time.Millisecond, "process %d never waited for a lock held by process %d", waiter, holder)
}

// Two transactions that take two locks in opposite orders deadlock;
// Postgres aborts one of them, and InTx runs its function again in a new
// transaction, so both succeed and nothing is lost: the victim ran twice,
// the other once.
func TestInTxRunsADeadlockVictimAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	held := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var runs [2]atomic.Int32
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			first, second := int64(1+i), int64(2-i)
			errs <- b.store.InTx(ctx, b.op, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", first); err != nil {
					return err
				}
				if runs[i].Add(1) == 1 {
					close(held[i])
					<-held[1-i] // both hold their first lock: the second closes the cycle
				}
				_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", second)
				return err
			})
		}()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	require.Equal(t, int32(3), runs[0].Load()+runs[1].Load(), "one of the two ran again after Postgres broke the deadlock")
}
