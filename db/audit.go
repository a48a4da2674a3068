package db

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The audit trail: every administrative act is a row of audit_events,
// written in the act's own transaction. The database numbers the rows and
// records who acted from the transaction's own context, so a caller
// cannot name someone else as the actor; after commit, one sequencer at a
// time links them into the hash chain (migration 00014, audit_chain()),
// so writers never wait for one another and the chain cannot fork. The
// Store links after every transaction that audited (kickChain), and every
// reader of the chain links what is left first (linkAudit).

// audit records that this transaction's actor did action to the object
// objectID (of type object, belonging to organisation orgID, if any).
func (tx *Tx) audit(ctx context.Context, action sim.AuditAction, object sim.AuditObject, objectID uuid.UUID, orgID *uuid.UUID, now time.Time) error {
	return tx.auditDetail(ctx, action, object, objectID, orgID, "", now)
}

// auditDetail is audit with a detail: what the act changed, never values.
func (tx *Tx) auditDetail(ctx context.Context, action sim.AuditAction, object sim.AuditObject, objectID uuid.UUID, orgID *uuid.UUID, detail string, now time.Time) error {
	var d *string
	if detail != "" {
		d = &detail
	}
	if err := tx.q.AuditInsert(ctx, tx.tx, dbgen.AuditInsertParams{
		OccurredAt: now, Action: string(action), ObjectType: string(object), ObjectID: objectID,
		OrgID: orgID, Ip: sim.CleanHeader(tx.actor.From, maxIP), Detail: d,
	}); err != nil {
		return fmt.Errorf("record audit event %s: %w", action, interpretError(err))
	}
	tx.audited = true
	return nil
}

// linkAudit links into the chain every audit event committed and not
// linked yet, so that what this transaction reads of the chain is whole.
func (tx *Tx) linkAudit(ctx context.Context) error {
	if _, err := tx.q.AuditChain(ctx, tx.tx); err != nil {
		return fmt.Errorf("link the audit chain: %w", interpretError(err))
	}
	return nil
}

// AuditChain links into the chain every audit event committed and not
// linked yet, as the engine, and returns how many it linked. Muster runs
// it after every transaction that audited; it is safe to run at any time,
// from any number of processes at once.
func (s *Store) AuditChain(ctx context.Context) (int64, error) {
	var n int64
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		var err error
		n, err = tx.q.AuditChain(ctx, tx.tx)
		return interpretError(err)
	})
	return n, err
}

// chainer runs the Store's linking after commit: one run at a time, each
// linking everything committed by then, so that under load one run links
// the events of many transactions; a kick while a run is going on asks
// for one more.
type chainer struct {
	mu      sync.Mutex
	running bool
	again   bool
	idle    *sync.Cond // broadcast when a run ends with nothing more asked
}

// waitIdle waits until no run is going on or asked for.
func (c *chainer) waitIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running {
		if c.idle == nil {
			c.idle = sync.NewCond(&c.mu)
		}
		c.idle.Wait()
	}
}

// kickChain links the audit events just committed, in the background.
// Whatever a run fails to link, the next run, or the next reader of the
// chain, links.
func (s *Store) kickChain() {
	c := &s.chain
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.again = true
		return
	}
	c.running = true
	go s.chainLoop()
}

func (s *Store) chainLoop() {
	c := &s.chain
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := s.AuditChain(ctx)
		cancel()
		if err != nil {
			s.log.Warn("audit chain: linking after commit failed; the next transaction that audits, or the next reader of the chain, links what is left", "error", err.Error())
		}
		c.mu.Lock()
		if !c.again {
			c.running = false
			if c.idle != nil {
				c.idle.Broadcast()
			}
			c.mu.Unlock()
			return
		}
		c.again = false
		c.mu.Unlock()
	}
}

func auditFromInternal(r dbgen.AuditEvent) sim.AuditEvent {
	return sim.AuditEvent{
		Seq: deref(r.Seq), OccurredAt: r.OccurredAt, ActorID: idString(r.ActorID), ActorRole: sim.Role(r.ActorRole),
		ActorOrgID: idString(r.ActorOrgID), Action: sim.AuditAction(r.Action), ObjectType: sim.AuditObject(r.ObjectType),
		ObjectID: r.ObjectID.String(), OrgID: idString(r.OrgID), IP: r.Ip, Detail: derefString(r.Detail), PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// MaxPage bounds a page of a trail or a list.
const MaxPage = 500

// PageSize is how many rows a list returns when asked for n: n itself
// when it is between 1 and MaxPage, 100 otherwise.
func PageSize(n int) int32 { return pageSize(n) }

func pageSize(n int) int32 {
	if n <= 0 || n > MaxPage {
		return 100
	}
	return int32(n)
}

func optionalUUID(field, s string) (*uuid.UUID, error) {
	if s == "" {
		return nil, nil
	}
	id, err := parseID(field, s)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// AuditList returns a page of the audit trail, oldest first, after the
// cursor f.After (a Seq), filtered by f. Operator only.
func (tx *Tx) AuditList(ctx context.Context, f sim.AuditFilter) ([]sim.AuditEvent, error) {
	if err := tx.authorize(sim.PermReadAudit); err != nil {
		return nil, err
	}
	if err := tx.linkAudit(ctx); err != nil {
		return nil, err
	}
	p := dbgen.AuditListParams{AfterSeq: f.After, Since: optionalTime(f.Since), Until: optionalTime(f.Until), MaxRows: pageSize(f.Limit)}
	var err error
	if p.UserID, err = optionalUUID("user_id", f.UserID); err != nil {
		return nil, err
	}
	if p.OrgID, err = optionalUUID("org_id", f.OrgID); err != nil {
		return nil, err
	}
	if p.ObjectID, err = optionalUUID("object_id", f.ObjectID); err != nil {
		return nil, err
	}
	rows, err := tx.q.AuditList(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", interpretError(err))
	}
	out := make([]sim.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = auditFromInternal(r)
	}
	return out, nil
}

// LoginRecord is one settled sign-in attempt.
type LoginRecord struct {
	ID         string
	UserID     string // empty when the address tried has no account
	Outcome    string
	IP         string
	UserAgent  string
	OccurredAt time.Time
}

// LoginCursor is where a page of the login trail continues: before this
// attempt. The zero cursor starts at the newest.
type LoginCursor struct {
	At time.Time
	ID string
}

// LoginTrail returns a page of the login trail, newest first, before the
// cursor, filtered by user, organisation and period (f.After and
// f.ObjectID are not used). Operator only.
func (tx *Tx) LoginTrail(ctx context.Context, f sim.AuditFilter, before LoginCursor) ([]LoginRecord, error) {
	if err := tx.authorize(sim.PermReadAudit); err != nil {
		return nil, err
	}
	p := dbgen.LoginEventListParams{
		Since: optionalTime(f.Since), Until: optionalTime(f.Until), MaxRows: pageSize(f.Limit),
		BeforeAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), BeforeID: uuid.Max,
	}
	if !before.At.IsZero() {
		id, err := parseID("cursor", before.ID)
		if err != nil {
			return nil, err
		}
		p.BeforeAt, p.BeforeID = before.At, id
	}
	var err error
	if p.UserID, err = optionalUUID("user_id", f.UserID); err != nil {
		return nil, err
	}
	if p.OrgID, err = optionalUUID("org_id", f.OrgID); err != nil {
		return nil, err
	}
	rows, err := tx.q.LoginEventList(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("list login events: %w", interpretError(err))
	}
	out := make([]LoginRecord, len(rows))
	for i, r := range rows {
		out[i] = LoginRecord{ID: r.ID.String(), UserID: idString(r.UserID), Outcome: r.Outcome, IP: r.Ip, UserAgent: r.UserAgent, OccurredAt: r.OccurredAt}
	}
	return out, nil
}

// AuditVerification is the result of recomputing the audit chain.
type AuditVerification struct {
	Rows int64 // rows checked
	// BrokenAt is the Seq of the first row whose hash, link to the row
	// before it or number does not hold; zero when the whole chain holds.
	BrokenAt int64
	Reason   string
}

// AuditVerify recomputes the whole audit chain (sim.AuditHash) from its
// first row and reports the first row at which it breaks. Operator and
// engine only.
func (tx *Tx) AuditVerify(ctx context.Context) (AuditVerification, error) {
	if tx.actor.Role != sim.RoleSystem {
		if err := tx.authorize(sim.PermReadAudit); err != nil {
			return AuditVerification{}, err
		}
	}
	if err := tx.linkAudit(ctx); err != nil {
		return AuditVerification{}, err
	}
	var (
		out  AuditVerification
		prev = sim.AuditGenesis
		seq  int64
	)
	for {
		rows, err := tx.q.AuditChainPage(ctx, tx.tx, dbgen.AuditChainPageParams{AfterSeq: seq, MaxRows: 1000})
		if err != nil {
			return AuditVerification{}, fmt.Errorf("read audit chain: %w", interpretError(err))
		}
		for _, r := range rows {
			e := auditFromInternal(r)
			out.Rows++
			switch {
			case e.Seq != seq+1:
				out.BrokenAt, out.Reason = e.Seq, fmt.Sprintf("row %d follows row %d: a row is missing", e.Seq, seq)
			case !bytes.Equal(e.PrevHash, prev):
				out.BrokenAt, out.Reason = e.Seq, "its previous hash is not the hash of the row before it"
			case !bytes.Equal(e.Hash, sim.AuditHash(prev, e)):
				out.BrokenAt, out.Reason = e.Seq, "its hash does not match its contents"
			}
			if out.BrokenAt != 0 {
				return out, nil
			}
			prev, seq = e.Hash, e.Seq
		}
		if len(rows) < 1000 {
			return out, nil
		}
	}
}

// AuditVerify recomputes the audit chain as the engine (the command line's
// `muster audit verify`, run by whoever holds the database's credentials).
func (s *Store) AuditVerify(ctx context.Context) (AuditVerification, error) {
	var out AuditVerification
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		var err error
		out, err = tx.AuditVerify(ctx)
		return err
	})
	return out, err
}
