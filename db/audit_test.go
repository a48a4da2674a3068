package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// verify recomputes the audit chain as the engine.
func (b *testBundle) verify(t *testing.T) db.AuditVerification {
	t.Helper()
	v, err := b.store.AuditVerify(context.Background())
	require.NoError(t, err)
	return v
}

// linkAudit links what is committed into the chain, as Muster does after
// every audited transaction.
func (b *testBundle) linkAudit(t *testing.T) {
	t.Helper()
	_, err := b.store.AuditChain(context.Background())
	require.NoError(t, err)
}

// auditSeqs lists the Seq of each event.
func auditSeqs(events []sim.AuditEvent) []int64 {
	out := []int64{}
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}

// requireGaplessChain checks that the chain is numbered 1..n without a gap
// or a repeat, and that every row links to the one before it.
func (b *testBundle) requireGaplessChain(t *testing.T, n int) {
	t.Helper()
	b.linkAudit(t)
	require.Equal(t, n, b.count(t, "SELECT count(*) FROM audit_events"))
	require.Equal(t, n, b.count(t, "SELECT count(DISTINCT seq) FROM audit_events WHERE seq BETWEEN 1 AND $1", n))
	require.Zero(t, b.count(t, `SELECT count(*) FROM audit_events e JOIN audit_events p ON p.seq = e.seq - 1
		WHERE e.prev_hash <> p.hash`), "every row's previous hash is its predecessor's hash")
	require.Equal(t, n, b.count(t, "SELECT count(DISTINCT hash) FROM audit_events"), "no two rows share a hash: the chain never forked")
}

// However many transactions write at once, committing or rolling back,
// the chain stays one unbroken line numbered from 1 without gaps, and no
// writer waits for another: all of them write their audited change and
// hold it, uncommitted, until every one has written (with a lock held
// from a writer's insert to its commit, the second writer would wait for
// the first, and this would never happen). Released, a third roll back,
// their rows written, and the rest commit, while sequencers link the
// chain: the Store's own after each commit, and more run at the same time
// by hand. Every committed row is linked once; no rolled-back row is.
func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// As many connections as writers and sequencers (the test database's
	// own pool has four), and no more: the server's 100 connections are
	// shared by every test running at the time.
	const writers, sequencers = 32, 4
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.MaxConns = writers + sequencers
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store := db.NewStore(pool, sim.DefaultSessionPolicy)

	errChangeOfMind := errors.New("change of mind")
	rollsBack := func(i int) bool { return i%3 == 0 }
	agreement := func(i int) bool { return i%2 == 0 }
	write := func(tx *db.Tx, i int) error {
		at := b.now.Add(time.Duration(i) * time.Second)
		if agreement(i) {
			return tx.AgreementVersionAdd(ctx, fmt.Sprintf("concurrent-v%03d", i), at)
		}
		_, err := tx.OrgCreate(ctx, sim.OrgDetails{Name: fmt.Sprintf("Concurrent Trust %03d", i), Type: "trust", Region: "wales", Active: true}, at)
		return err
	}

	errs := make([]error, writers)
	var written sync.WaitGroup
	written.Add(writers)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll) // a failure below must not leave the writers held
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			errs[i] = store.InTx(ctx, b.op, func(tx *db.Tx) error {
				err := write(tx, i)
				written.Done()
				if err != nil {
					return err
				}
				<-release // hold the row written, uncommitted
				if rollsBack(i) {
					return errChangeOfMind
				}
				return nil
			})
		})
	}
	allWritten := make(chan struct{})
	go func() { written.Wait(); close(allWritten) }()
	select {
	case <-allWritten:
	case <-time.After(30 * time.Second):
		require.FailNow(t, "writers wait for one another: not every writer could write its row while the others held theirs")
	}
	for i := range writers {
		require.NoError(t, errs[i], "writer %d ended before it was released", i)
	}

	stop := make(chan struct{})
	var linkers sync.WaitGroup
	linkErrs := make([]error, sequencers)
	for k := range sequencers {
		linkers.Go(func() {
			for {
				if _, err := store.AuditChain(ctx); err != nil {
					linkErrs[k] = err
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	releaseAll()
	wg.Wait()
	close(stop)
	linkers.Wait()
	for k, err := range linkErrs {
		require.NoError(t, err, "sequencer %d", k)
	}

	committed, agreements := 0, 0
	for i := range writers {
		if rollsBack(i) {
			require.ErrorIs(t, errs[i], errChangeOfMind, "writer %d", i)
			continue
		}
		require.NoError(t, errs[i], "writer %d", i)
		committed++
		if agreement(i) {
			agreements++
		}
	}
	b.requireGaplessChain(t, committed)
	require.Equal(t, agreements, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditAgreementVersion)))
	require.Equal(t, committed-agreements, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditOrgCreated)))
	require.Equal(t, db.AuditVerification{Rows: int64(committed)}, b.verify(t))
}

// auditRow is every column of an audit event, as stored.
type auditRow struct {
	ID, Seq                       int64
	OccurredAt                    time.Time
	ActorID, ActorOrgID, OrgID    *uuid.UUID
	ActorRole, Action, ObjectType string
	ObjectID                      uuid.UUID
	IP                            string
	PrevHash, Hash                []byte
}

const auditColumns = "id, seq, occurred_at, actor_id, actor_role, actor_org_id, action, object_type, object_id, org_id, ip, prev_hash, hash"

func (b *testBundle) auditRow(t *testing.T, seq int64) auditRow {
	t.Helper()
	b.linkAudit(t)
	var r auditRow
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), "SELECT "+auditColumns+" FROM audit_events WHERE seq = $1", seq).Scan(
		&r.ID, &r.Seq, &r.OccurredAt, &r.ActorID, &r.ActorRole, &r.ActorOrgID, &r.Action, &r.ObjectType, &r.ObjectID, &r.OrgID, &r.IP, &r.PrevHash, &r.Hash))
	return r
}

// asReplica runs sql as the superuser with the append-only triggers off,
// as someone with the database's own credentials could.
func (b *testBundle) asReplica(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.db.Admin.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
	require.NoError(t, err)
	tag, err := tx.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
	require.EqualValues(t, 1, tag.RowsAffected(), sql)
	require.NoError(t, tx.Commit(ctx))
}

func (b *testBundle) restoreAuditRow(t *testing.T, r auditRow) {
	t.Helper()
	b.asReplica(t, `UPDATE audit_events SET occurred_at = $2, actor_id = $3, actor_role = $4, actor_org_id = $5, action = $6,
		object_type = $7, object_id = $8, org_id = $9, ip = $10, prev_hash = $11, hash = $12 WHERE seq = $1`,
		r.Seq, r.OccurredAt, r.ActorID, r.ActorRole, r.ActorOrgID, r.Action, r.ObjectType, r.ObjectID, r.OrgID, r.IP, r.PrevHash, r.Hash)
}

// A change of one byte anywhere in a row, made past the triggers by
// someone holding the database's credentials, is found at exactly that
// row; a removed row is found at the row after it.
func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	op := b.op
	op.From = "192.0.2.7"
	const n = 50
	for i := range n {
		at := b.now.Add(time.Duration(i) * time.Minute)
		require.NoError(t, b.in(t, op, func(tx *db.Tx) error {
			if i%2 == 0 {
				return tx.AgreementVersionAdd(ctx, fmt.Sprintf("tamper-v%02d", i), at)
			}
			_, err := tx.OrgCreate(ctx, sim.OrgDetails{Name: fmt.Sprintf("Tamper Trust %02d", i), Type: "trust", Region: "wales", Active: true}, at)
			return err
		}))
	}
	require.Equal(t, db.AuditVerification{Rows: n}, b.verify(t))
	const mid = 25
	require.Equal(t, "192.0.2.7", b.auditRow(t, mid).IP)
	require.NotNil(t, b.auditRow(t, mid+1).OrgID, "the row after the middle one names an organisation")

	// flip changes one character of a text, keeping its length.
	const flip = "overlay(%[1]s placing CASE WHEN substr(%[1]s, %[2]d, 1) = '0' THEN '1' ELSE '0' END from %[2]d for 1)"
	type tamper struct {
		name string
		seq  int64
		set  string
		at   int64 // where the break is found, when not at seq
	}
	cases := []tamper{
		{"action", mid, "action = " + fmt.Sprintf(flip, "action", 1), 0},
		{"object type", mid, "object_type = " + fmt.Sprintf(flip, "object_type", 3), 0},
		{"object_id", mid, "object_id = " + fmt.Sprintf(flip, "object_id::text", 36) + "::uuid", 0},
		{"organisation", mid + 1, "org_id = " + fmt.Sprintf(flip, "org_id::text", 1) + "::uuid", 0},
		{"actor_id", mid, "actor_id = " + fmt.Sprintf(flip, "actor_id::text", 10) + "::uuid", 0},
		{"actor role", mid, "actor_role = 'system'", 0},
		{"ip", mid, "ip = " + fmt.Sprintf(flip, "ip", 9), 0},
		{"hash", mid, "hash = set_byte(hash, 31, get_byte(hash, 31) # 1)", 0},
		{"prev_hash", mid, "prev_hash = set_byte(prev_hash, 0, get_byte(prev_hash, 0) # 1)", 0},
		{"occurred_at by a microsecond", mid, "occurred_at = occurred_at + interval '1 microsecond'", 0},
		{"first row", 1, "action = " + fmt.Sprintf(flip, "action", 2), 0},
		{"last row's hash", n, "hash = set_byte(hash, 0, get_byte(hash, 0) # 128)", 0},
		{name: "seq", seq: mid, set: "seq = seq + 1000", at: mid + 1}, // as if removed: found at the row after it
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig := b.auditRow(t, c.seq)
			b.asReplica(t, "UPDATE audit_events SET "+c.set+" WHERE seq = $1", c.seq)
			v := b.verify(t)
			want := c.seq
			if c.at != 0 {
				want = c.at
			}
			require.Equal(t, want, v.BrokenAt, "%s: %+v", c.name, v)
			require.NotEmpty(t, v.Reason)
			if c.name == "seq" {
				b.asReplica(t, "UPDATE audit_events SET seq = $1 WHERE seq = $2", c.seq, c.seq+1000)
			}
			b.restoreAuditRow(t, orig)
			require.Equal(t, db.AuditVerification{Rows: n}, b.verify(t), "restored")
		})
	}

	t.Run("deleted row", func(t *testing.T) {
		orig := b.auditRow(t, mid)
		b.asReplica(t, "DELETE FROM audit_events WHERE seq = $1", mid)
		v := b.verify(t)
		require.Equal(t, int64(mid+1), v.BrokenAt, "%+v", v)
		b.asReplica(t, "INSERT INTO audit_events ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			orig.ID, orig.Seq, orig.OccurredAt, orig.ActorID, orig.ActorRole, orig.ActorOrgID, orig.Action, orig.ObjectType, orig.ObjectID, orig.OrgID, orig.IP, orig.PrevHash, orig.Hash)
		require.Equal(t, db.AuditVerification{Rows: n}, b.verify(t), "restored")
	})
	t.Run("deleted last row", func(t *testing.T) {
		// Cutting the chain's tail leaves a chain that holds: what is
		// left is checked, and the count says how much that is.
		b.asReplica(t, "DELETE FROM audit_events WHERE seq = $1", n)
		require.Equal(t, db.AuditVerification{Rows: n - 1}, b.verify(t))
	})
}

// The triggers refuse to change or empty the trail even for the
// database's owner, unless they are deliberately switched off.
func TestAuditTrailIsAppendOnlyForTheOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error { return tx.AgreementVersionAdd(ctx, "owner-test", b.now) }))
	for _, sql := range []string{
		"UPDATE audit_events SET action = 'x'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
	} {
		_, err := b.db.Admin.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, sql)
		require.Equal(t, "42501", pgErr.Code, sql)
		require.Contains(t, pgErr.Message, "append-only", sql)
	}
	require.Equal(t, db.AuditVerification{Rows: 1}, b.verify(t))

	// The one update allowed links an unlinked row as the next in the
	// chain, with the hashes the database computes, and changes nothing
	// else; a linked row is never linked again. (The Store's own linking
	// is idle first: it would link the row written here.)
	b.store.WaitChainIdle()
	_, err := b.db.Admin.Exec(ctx, `INSERT INTO audit_events (occurred_at, actor_role, action, object_type, object_id, ip)
		VALUES ($1, '', 'agreement_version.added', 'agreement_version', gen_random_uuid(), '')`, b.now)
	require.NoError(t, err)
	for sql, refusal := range map[string]string{
		"UPDATE audit_events SET seq = 1 WHERE seq IS NULL":                      "not next",
		"UPDATE audit_events SET seq = 3 WHERE seq IS NULL":                      "not next",
		"UPDATE audit_events SET seq = 2, action = 'x' WHERE seq IS NULL":        "append-only",
		"UPDATE audit_events SET seq = 2 WHERE seq = 1":                          "append-only",
		"UPDATE audit_events SET hash = '\\x00' WHERE seq = 1":                   "append-only",
		"UPDATE audit_events SET id = id + 1000 WHERE seq IS NULL":               "append-only",
		"UPDATE audit_events SET seq = 2, occurred_at = now() WHERE seq IS NULL": "append-only",
	} {
		_, err := b.db.Admin.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, sql)
		require.Equal(t, "42501", pgErr.Code, sql)
		require.Contains(t, pgErr.Message, refusal, sql)
	}
	_, err = b.db.Admin.Exec(ctx, `UPDATE audit_events SET seq = 2, prev_hash = '\x00', hash = '\x00' WHERE seq IS NULL`)
	require.NoError(t, err, "linked by hand as the next row: the database computes the hashes")
	require.Equal(t, db.AuditVerification{Rows: 2}, b.verify(t))
}

// Who acted is the transaction's own actor, whatever the statement says.
func TestAuditRecordsTheRealActor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Actor Trust"})
	other := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Other Trust"})
	_, admin := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	admin.From = "198.51.100.4"

	var inv sim.AccountInvitation
	require.NoError(t, b.in(t, admin, func(tx *db.Tx) error {
		var err error
		inv, err = tx.OrgInvite(ctx, sim.Contact{Name: "Jo Colleague", Email: "jo@example.org"}, sim.RoleOrgUser, b.now)
		return err
	}))
	want := sim.AuditEvent{
		Seq: 1, OccurredAt: b.now, ActorID: admin.UserID, ActorRole: sim.RoleOrgAdmin, ActorOrgID: org.ID,
		Action: sim.AuditUserInvited, ObjectType: sim.ObjectInvitation, ObjectID: inv.ID, OrgID: org.ID, IP: "198.51.100.4",
	}
	var got []sim.AuditEvent
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		got, err = tx.AuditList(ctx, sim.AuditFilter{})
		return err
	}))
	require.Len(t, got, 1)
	require.Equal(t, sim.AuditGenesis, got[0].PrevHash)
	require.Equal(t, sim.AuditHash(sim.AuditGenesis, got[0]), got[0].Hash)
	got[0].PrevHash, got[0].Hash = nil, nil
	got[0].OccurredAt = got[0].OccurredAt.UTC()
	require.Equal(t, want, got[0])

	// Writing the row directly, naming someone else, another organisation,
	// numbers and hashes of one's choosing: the database records who is
	// really acting, numbers the row itself and links it into the chain.
	forge := func(actor sim.Actor) {
		t.Helper()
		require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`)
				VALUES (7, 1000, $1, $2, 'operator', $3, 'organisation.created', 'organisation', $3, $3, '203.0.113.9', '\x00', '\x00')`,
				b.now, b.op.UserID, other.ID)
			return err
		}))
	}
	forge(admin)
	forge(sim.System)
	r := b.auditRow(t, 2)
	require.Equal(t, admin.UserID, r.ActorID.String())
	require.Equal(t, string(sim.RoleOrgAdmin), r.ActorRole)
	require.Equal(t, org.ID, r.ActorOrgID.String())
	require.Equal(t, b.auditRow(t, 1).Hash, r.PrevHash)
	r = b.auditRow(t, 3)
	require.Nil(t, r.ActorID, "the engine is nobody")
	require.Equal(t, string(sim.RoleSystem), r.ActorRole)
	require.Nil(t, r.ActorOrgID)
	require.Zero(t, b.count(t, "SELECT count(*) FROM audit_events WHERE seq = 1000 OR actor_role = 'operator'"))
	require.Equal(t, db.AuditVerification{Rows: 3}, b.verify(t))

	// Without a transaction's context, nothing is written at all.
	_, err := b.db.App.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		VALUES (0, 0, now(), NULL, '', NULL, 'x', 'x', gen_random_uuid(), NULL, '', '', '')`)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "42501", pgErr.Code)
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM audit_events"))
}

// The audit trail's filters and its keyset pages return exactly the rows
// asked for, in order.
func TestAuditList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	orgA := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "List Trust A"})
	orgB := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "List Trust B"})
	_, adminA := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID, Role: sim.RoleOrgAdmin})
	_, adminA2 := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID, Role: sim.RoleOrgAdmin})
	userA, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID})
	_, adminB := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgB.ID, Role: sim.RoleOrgAdmin})
	at := func(i int) time.Time { return b.now.Add(time.Duration(i) * time.Hour) }

	// seq 1: the operator creates an organisation.
	var orgC sim.Organisation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		orgC, err = tx.OrgCreate(ctx, sim.OrgDetails{Name: "List Trust C", Type: "trust", Region: "wales", Active: true}, at(1))
		return err
	}))
	// seq 2: the operator adds an agreement version (no organisation).
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error { return tx.AgreementVersionAdd(ctx, "2027-dsa-v2", at(2)) }))
	// seq 3: A's admin invites a colleague.
	require.NoError(t, b.in(t, adminA, func(tx *db.Tx) error {
		_, err := tx.OrgInvite(ctx, sim.Contact{Name: "New Colleague", Email: "new@example.org"}, sim.RoleOrgUser, at(3))
		return err
	}))
	// seq 4: A's admin disables A's user.
	require.NoError(t, b.in(t, adminA, func(tx *db.Tx) error {
		_, err := tx.OrgPersonUpdate(ctx, userA.ID, db.OrgPersonChange{Role: sim.RoleOrgUser, Disabled: true}, at(4))
		return err
	}))
	// seq 5: B's admin invites a colleague.
	require.NoError(t, b.in(t, adminB, func(tx *db.Tx) error {
		_, err := tx.OrgInvite(ctx, sim.Contact{Name: "B Colleague", Email: "b@example.org"}, sim.RoleOrgUser, at(5))
		return err
	}))
	// seq 6: the operator renames A.
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.OrgUpdate(ctx, orgA.ID, sim.OrgDetails{Name: "List Trust A Renamed", Type: "trust", Region: "wales", Active: true}, at(6))
		return err
	}))
	// seq 7: A's other admin re-enables A's user.
	require.NoError(t, b.in(t, adminA2, func(tx *db.Tx) error {
		_, err := tx.OrgPersonUpdate(ctx, userA.ID, db.OrgPersonChange{Role: sim.RoleOrgUser}, at(7))
		return err
	}))

	list := func(f sim.AuditFilter) []int64 {
		t.Helper()
		var out []sim.AuditEvent
		require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
			var err error
			out, err = tx.AuditList(ctx, f)
			return err
		}))
		return auditSeqs(out)
	}
	require.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7}, list(sim.AuditFilter{}))
	require.Equal(t, []int64{1, 2, 6}, list(sim.AuditFilter{UserID: b.op.UserID}))
	require.Equal(t, []int64{3, 4}, list(sim.AuditFilter{UserID: adminA.UserID}))
	require.Equal(t, []int64{}, list(sim.AuditFilter{UserID: userA.ID}), "the person acted on is not the actor")
	require.Equal(t, []int64{3, 4, 6, 7}, list(sim.AuditFilter{OrgID: orgA.ID}))
	require.Equal(t, []int64{5}, list(sim.AuditFilter{OrgID: orgB.ID}))
	require.Equal(t, []int64{1}, list(sim.AuditFilter{OrgID: orgC.ID}))
	require.Equal(t, []int64{4, 7}, list(sim.AuditFilter{ObjectID: userA.ID}))
	require.Equal(t, []int64{6}, list(sim.AuditFilter{ObjectID: orgA.ID}))
	require.Equal(t, []int64{3, 4}, list(sim.AuditFilter{Since: at(3), Until: at(5)}), "since is inclusive, until exclusive")
	require.Equal(t, []int64{7}, list(sim.AuditFilter{Since: at(7)}))
	require.Equal(t, []int64{1, 2}, list(sim.AuditFilter{Until: at(2).Add(time.Microsecond)}))
	require.Equal(t, []int64{4}, list(sim.AuditFilter{OrgID: orgA.ID, UserID: adminA.UserID, Since: at(4)}))
	require.Equal(t, []int64{}, list(sim.AuditFilter{OrgID: orgB.ID, UserID: adminA.UserID}))

	// Keyset pages: each row once, in order, whatever the page size.
	for _, size := range []int{1, 2, 3, 7, 100} {
		var seen []int64
		var after int64
		for {
			page := list(sim.AuditFilter{After: after, Limit: size})
			require.LessOrEqual(t, len(page), size)
			if len(page) == 0 {
				break
			}
			seen = append(seen, page...)
			after = page[len(page)-1]
		}
		require.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7}, seen, "page size %d", size)
	}
	require.Equal(t, []int64{3, 4}, list(sim.AuditFilter{OrgID: orgA.ID, Limit: 2}))
	require.Equal(t, []int64{6, 7}, list(sim.AuditFilter{OrgID: orgA.ID, After: 4, Limit: 2}))
	require.Equal(t, []int64{}, list(sim.AuditFilter{OrgID: orgA.ID, After: 7, Limit: 2}))

	// Only the operator reads it (and verifies it, as the engine does); a
	// malformed filter is the caller's.
	for _, actor := range []sim.Actor{adminA, sim.System, sim.Anonymous} {
		err := b.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.AuditList(ctx, sim.AuditFilter{})
			return err
		})
		require.Contains(t, []string{sim.EFORBIDDEN, sim.EUNAUTHORIZED}, sim.ErrorCode(err), "%s", actor.Role)
	}
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		v, err := tx.AuditVerify(ctx)
		require.Equal(t, db.AuditVerification{Rows: 7}, v)
		return err
	}))
	err := b.in(t, adminA, func(tx *db.Tx) error {
		_, err := tx.AuditVerify(ctx)
		return err
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	err = b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.AuditList(ctx, sim.AuditFilter{UserID: "nobody"})
		return err
	})
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
}

// The login trail's filters and its cursor return exactly the attempts
// asked for, newest first, settled ones only.
func TestLoginTrail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	orgA := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Trail Trust A"})
	orgB := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Trail Trust B"})
	adminA, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID, Role: sim.RoleOrgAdmin, Email: "admin.a@example.org"})
	userA, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID, Email: "user.a@example.org"})
	adminB, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgB.ID, Role: sim.RoleOrgAdmin, Email: "admin.b@example.org"})
	at := func(i int) time.Time { return b.now.Add(time.Duration(i) * time.Minute) }

	type attempt struct {
		email, password string
		at              time.Time
		userID, outcome string
	}
	attempts := []attempt{
		{"operator@example.org", opPassword, at(0), b.op.UserID, "success"},
		{"admin.a@example.org", testfactory.DefaultPassword, at(1), adminA.ID, "success"},
		{"user.a@example.org", testfactory.DefaultPassword, at(1), userA.ID, "success"}, // the same instant: the ID orders them
		{"admin.a@example.org", "not the password!", at(2), adminA.ID, "failure"},
		{"nobody@example.org", "not the password!", at(2), "", "failure"},
		{"admin.b@example.org", testfactory.DefaultPassword, at(3), adminB.ID, "success"},
		{"user.a@example.org", testfactory.DefaultPassword, at(4), userA.ID, "success"},
	}
	for _, a := range attempts {
		_, err := b.login(a.email, a.password, "192.0.2.44", a.at)
		if a.outcome == "success" {
			require.NoError(t, err)
		} else {
			require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
		}
	}
	// An attempt still being checked is not yet part of the trail.
	_, err := b.db.Admin.Exec(ctx, `INSERT INTO login_events (id, user_id, outcome, ip, network, user_agent, occurred_at, subject)
		VALUES (gen_random_uuid(), $1, 'pending', '192.0.2.44', '192.0.2.0/24', 'ua', $2, '\x00')`, adminA.ID, at(5))
	require.NoError(t, err)

	trail := func(f sim.AuditFilter, before db.LoginCursor) []db.LoginRecord {
		t.Helper()
		var out []db.LoginRecord
		require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
			var err error
			out, err = tx.LoginTrail(ctx, f, before)
			return err
		}))
		return out
	}
	// key names an attempt by who and when.
	key := func(r db.LoginRecord) string {
		return fmt.Sprintf("%s@%d:%s", r.UserID, r.OccurredAt.Sub(b.now)/time.Minute, r.Outcome)
	}
	keys := func(rs []db.LoginRecord) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, key(r))
		}
		return out
	}
	want := func(idx ...int) []string {
		out := []string{}
		for _, i := range idx {
			a := attempts[i]
			out = append(out, fmt.Sprintf("%s@%d:%s", a.userID, a.at.Sub(b.now)/time.Minute, a.outcome))
		}
		return out
	}

	all := trail(sim.AuditFilter{}, db.LoginCursor{})
	require.Len(t, all, len(attempts))
	for i := 1; i < len(all); i++ {
		prev, cur := all[i-1], all[i]
		require.True(t, cur.OccurredAt.Before(prev.OccurredAt) || cur.OccurredAt.Equal(prev.OccurredAt) && cur.ID < prev.ID,
			"newest first, then by ID: %v before %v", key(prev), key(cur))
	}
	require.ElementsMatch(t, want(0, 1, 2, 3, 4, 5, 6), keys(all))
	for _, r := range all {
		require.Equal(t, "192.0.2.44", r.IP)
		require.Equal(t, "ua", r.UserAgent)
	}
	require.Equal(t, want(3, 1), keys(trail(sim.AuditFilter{UserID: adminA.ID}, db.LoginCursor{})))
	require.Equal(t, want(6, 3), keys(trail(sim.AuditFilter{OrgID: orgA.ID, Since: at(2)}, db.LoginCursor{})))
	require.ElementsMatch(t, want(1, 2, 3, 6), keys(trail(sim.AuditFilter{OrgID: orgA.ID}, db.LoginCursor{})))
	require.Equal(t, want(5), keys(trail(sim.AuditFilter{OrgID: orgB.ID}, db.LoginCursor{})))
	require.ElementsMatch(t, want(1, 2, 3, 4), keys(trail(sim.AuditFilter{Since: at(1), Until: at(3)}, db.LoginCursor{})))
	require.Equal(t, want(0), keys(trail(sim.AuditFilter{Until: at(1)}, db.LoginCursor{})))

	// Pages through the cursor: each attempt once, in the same order,
	// ties on the instant included, whatever the page size.
	for _, size := range []int{1, 2, 3, 100} {
		var seen []db.LoginRecord
		var cursor db.LoginCursor
		for {
			page := trail(sim.AuditFilter{Limit: size}, cursor)
			require.LessOrEqual(t, len(page), size)
			if len(page) == 0 {
				break
			}
			seen = append(seen, page...)
			last := page[len(page)-1]
			cursor = db.LoginCursor{At: last.OccurredAt, ID: last.ID}
		}
		require.Equal(t, keys(all), keys(seen), "page size %d", size)
	}
	orgPage := trail(sim.AuditFilter{OrgID: orgA.ID, Limit: 2}, db.LoginCursor{})
	require.Len(t, orgPage, 2)
	rest := trail(sim.AuditFilter{OrgID: orgA.ID, Limit: 10}, db.LoginCursor{At: orgPage[1].OccurredAt, ID: orgPage[1].ID})
	require.Equal(t, keys(trail(sim.AuditFilter{OrgID: orgA.ID}, db.LoginCursor{})), append(keys(orgPage), keys(rest)...))

	// Only the operator reads it.
	err = b.in(t, testfactory.Actor(adminA), func(tx *db.Tx) error {
		_, err := tx.LoginTrail(ctx, sim.AuditFilter{}, db.LoginCursor{})
		return err
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Verification reads the chain a page at a time: a break is found exactly
// where it is, on either side of a page boundary.
func TestAuditVerifyAcrossPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = 2500
	// One statement, as the owner: the trigger numbers each row, and the
	// sequencer links them in that order.
	_, err := b.db.Admin.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		SELECT 0, 0, $1::timestamptz + i * interval '1 second', NULL, '', NULL, 'agreement_version.added', 'agreement_version',
		       gen_random_uuid(), NULL, '', '', '' FROM generate_series(1, $2::int) i`, b.now, n)
	require.NoError(t, err)
	b.requireGaplessChain(t, n)
	require.Equal(t, db.AuditVerification{Rows: n}, b.verify(t))
	require.Equal(t, "none", b.auditRow(t, 1).ActorRole, "written without a transaction's actor")

	for _, seq := range []int64{999, 1000, 1001, 2000, 2001, n} {
		orig := b.auditRow(t, seq)
		b.asReplica(t, "UPDATE audit_events SET prev_hash = set_byte(prev_hash, 5, get_byte(prev_hash, 5) # 4) WHERE seq = $1", seq)
		v := b.verify(t)
		require.Equal(t, seq, v.BrokenAt, "%+v", v)
		require.Equal(t, seq, v.Rows, "rows checked up to the break")
		b.restoreAuditRow(t, orig)
	}
	orig := b.auditRow(t, 1000)
	b.asReplica(t, "DELETE FROM audit_events WHERE seq = 1000")
	require.Equal(t, int64(1001), b.verify(t).BrokenAt, "a row missing at the end of a page is found on the next")
	b.asReplica(t, "INSERT INTO audit_events ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		orig.ID, orig.Seq, orig.OccurredAt, orig.ActorID, orig.ActorRole, orig.ActorOrgID, orig.Action, orig.ObjectType, orig.ObjectID, orig.OrgID, orig.IP, orig.PrevHash, orig.Hash)
	require.Equal(t, db.AuditVerification{Rows: n}, b.verify(t))
}

// The chain trigger reads the chain's last row with its owner's rights;
// the tables force row-level security on their owner too, so that works
// only when the owner bypasses it. Migrated by an owner that is neither a
// superuser nor BYPASSRLS (as on managed Postgres), an organisation
// admin's second audited act must still be numbered after the first.
func TestAuditChainWithAnOwnerUnderRLS(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := "muster_owner_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	_, err := b.db.Admin.Exec(ctx, "CREATE ROLE "+owner+" NOSUPERUSER NOBYPASSRLS")
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, sql := range []string{"REASSIGN OWNED BY " + owner + " TO CURRENT_USER", "DROP OWNED BY " + owner, "DROP ROLE " + owner} {
			if _, err := b.db.Admin.Exec(context.Background(), sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
	for _, sql := range []string{
		"ALTER TABLE audit_events OWNER TO " + owner,
		"ALTER FUNCTION audit_events_stamp() OWNER TO " + owner,
		"ALTER FUNCTION audit_chain() OWNER TO " + owner,
	} {
		_, err := b.db.Admin.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, admin := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	for _, email := range []string{"one@example.org", "two@example.org"} {
		require.NoError(t, b.in(t, admin, func(tx *db.Tx) error {
			_, err := tx.OrgInvite(ctx, sim.Contact{Name: "A Colleague", Email: email}, sim.RoleOrgUser, b.now)
			return err
		}), "invite %s", email)
	}
	require.Equal(t, db.AuditVerification{Rows: 2}, b.verify(t))
}
