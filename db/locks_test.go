package db_test

import (
	"context"
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
