package db_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// auditWriters is how many transactions write audit events at once.
const auditWriters = 8

// withWriters runs b's parallel loop with auditWriters goroutines.
func withWriters(b *testing.B) {
	p := auditWriters / runtime.GOMAXPROCS(0)
	if p < 1 {
		p = 1
	}
	b.SetParallelism(p)
}

// BenchmarkAuditInsert: audit events written by 8 concurrent writers, each
// in its own transaction as the operator: through the hash chain (the
// stamp trigger, and the Store's sequencer linking the chain after each
// commit; the time counted runs until every row written is linked),
// beside the ceiling of a plain insert of the same row into the same table
// in the same kind of transaction, with the triggers switched off.
func BenchmarkAuditInsert(b *testing.B) {
	d := testdb.New(b)
	ctx := context.Background()
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	op := testfactory.Actor(testfactory.User(b, d, testfactory.UserOpts{}))
	object := uuid.New()

	b.Run("chain", func(b *testing.B) {
		withWriters(b)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := store.InTx(ctx, op, func(tx *db.Tx) error {
					return tx.AuditForTest(ctx, sim.AuditOrgUpdated, object, time.Now())
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		if _, err := store.AuditChain(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
	})
	v, err := store.AuditVerify(ctx)
	require.NoError(b, err)
	require.Zero(b, v.BrokenAt, "8 writers at once leave one unbroken chain")

	b.Run("ceiling_plain_insert", func(b *testing.B) {
		_, err := d.Admin.Exec(ctx, "CREATE SEQUENCE IF NOT EXISTS bench_audit_seq START 1000000000")
		require.NoError(b, err)
		withWriters(b)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				tx, err := d.Admin.Begin(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
				if err == nil {
					_, err = tx.Exec(ctx, `INSERT INTO audit_events (id, occurred_at, actor_id, actor_role, action, object_type, object_id, org_id, ip)
						VALUES (nextval('bench_audit_seq'), $1, $2, 'operator', 'organisation.updated', 'organisation', $3, $3, '')`,
						time.Now(), uuid.MustParse(op.UserID), object)
				}
				if err == nil {
					err = tx.Commit(ctx)
				}
				if err != nil {
					_ = tx.Rollback(ctx)
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
	})
}
