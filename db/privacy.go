package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The privacy engine's data work: what subject access reads, what
// anonymisation removes and what the retention sweep deletes, each driven
// by the data inventory (Inventory, and the statements generated from it
// in privacy.gen.go), so that a column added to the schema is covered by
// all three or the inventory's tests fail.

// subjectExport reads what one table holds about one candidate or user.
type subjectExport struct {
	Table string
	Kind  sim.SubjectKind
	Query func(*dbgen.Queries, context.Context, dbgen.DBTX, uuid.UUID) ([][]byte, error)
}

// erasure removes what one table holds about the candidates or users
// being anonymised. Depth is the length of the table's subject path:
// deeper tables go first.
type erasure struct {
	Table string
	Kind  sim.SubjectKind
	Depth int
	Query func(*dbgen.Queries, context.Context, dbgen.DBTX, []uuid.UUID) (int64, error)
}

// sweep deletes up to a batch of one table's rows whose retention clock is
// before a moment.
type sweep struct {
	Table    string
	Category sim.RetentionCategory
	Query    func(*dbgen.Queries, context.Context, dbgen.DBTX, time.Time) (int64, error)
}

// erasureOrder is the order anonymisation runs the erasures in: what
// hangs off a candidate before the candidate, then what hangs off their
// account before the account.
var erasureOrder = func() []erasure {
	out := slices.Clone(erasures)
	slices.SortStableFunc(out, func(a, b erasure) int {
		if a.Kind != b.Kind {
			if a.Kind == sim.SubjectCandidate {
				return -1
			}
			return 1
		}
		return b.Depth - a.Depth
	})
	return out
}()

// SubjectAccess reads everything held about the candidate candidateID, as
// of now: every table's rows about them or their account, as the data
// inventory names them, and the record of who accessed it. The candidate
// themselves ("" or their own ID), the operator (answering a data request)
// or the engine; ENOTFOUND for another candidate's or an unknown ID. A
// person's read is audited (subject_access.exported): it shows in the
// record of who accessed theirs.
func (tx *Tx) SubjectAccess(ctx context.Context, candidateID string, now time.Time) (sim.SubjectAccess, error) {
	var id uuid.UUID
	if tx.actor.Role == sim.RoleCandidate {
		if err := tx.authorize(sim.PermOwnData); err != nil {
			return sim.SubjectAccess{}, err
		}
		own, err := tx.ownCandidate(ctx)
		if err != nil {
			return sim.SubjectAccess{}, err
		}
		if candidateID != "" && candidateID != own.String() {
			return sim.SubjectAccess{}, sim.ErrNotFound
		}
		id = own
	} else if candidateID == "" {
		return sim.SubjectAccess{}, tx.authorize(sim.PermOwnData) // one's own data: a candidate's right
	} else if parsed, err := uuid.Parse(candidateID); err != nil {
		return sim.SubjectAccess{}, sim.ErrNotFound
	} else {
		id = parsed
	}
	if tx.actor.Role != sim.RoleCandidate && tx.actor.Role != sim.RoleSystem {
		if err := tx.authorize(sim.PermDataRequests); err != nil {
			return sim.SubjectAccess{}, err
		}
	}
	c, err := tx.q.CandidateGet(ctx, tx.tx, id)
	if err != nil {
		return sim.SubjectAccess{}, wrapNotFound("load candidate", err)
	}
	out := sim.SubjectAccess{CandidateID: id.String(), GeneratedAt: now}
	if tx.actor.Role == sim.RoleCandidate {
		// What their own views never show them (a message the operator
		// hid, a report an organisation made): row-level security lets a
		// candidate read those for this purpose alone, until the export
		// is read.
		if err := tx.setPurpose(ctx, purposeSubjectAccess); err != nil {
			return sim.SubjectAccess{}, err
		}
		defer tx.setPurpose(ctx, "") //nolint:errcheck // a failure aborts the transaction, which is then rolled back
	}
	for _, e := range subjectExports {
		subject := id
		if e.Kind == sim.SubjectUser {
			if c.UserID == nil {
				continue
			}
			subject = *c.UserID
		}
		raw, err := e.Query(tx.q, ctx, tx.tx, subject)
		if err != nil {
			return sim.SubjectAccess{}, fmt.Errorf("export %s: %w", e.Table, interpretError(err))
		}
		rows := make([]map[string]any, 0, len(raw))
		for _, r := range raw {
			var m map[string]any
			if err := json.Unmarshal(r, &m); err != nil {
				return sim.SubjectAccess{}, fmt.Errorf("export %s: %w", e.Table, err)
			}
			rows = append(rows, m)
		}
		table := sim.SubjectTable{Name: e.Table, Rows: rows}
		for _, col := range Inventory.Table(e.Table) {
			table.Purpose = col.Purpose
			if col.Class != sim.ClassCredential {
				table.Columns = append(table.Columns, col.Column)
			}
		}
		out.Tables = append(out.Tables, table)
	}
	if tx.actor.Role != sim.RoleSystem {
		// Who downloaded it is in the record of who accessed it.
		if err := tx.audit(ctx, sim.AuditSubjectExported, sim.ObjectCandidate, id, nil, now); err != nil {
			return sim.SubjectAccess{}, err
		}
	}
	if out.Access, err = tx.accessLog(ctx, id, 0, 0); err != nil {
		return sim.SubjectAccess{}, err
	}
	return out, nil
}

// DataRequestExport reads everything held about the person the request
// requestID is from, for the operator to answer it (an audited act, like
// every export). ENOTFOUND for an unknown request, or once the person was
// anonymised. Operator only.
func (tx *Tx) DataRequestExport(ctx context.Context, requestID string, now time.Time) (sim.SubjectAccess, error) {
	r, err := tx.DataRequestGet(ctx, requestID)
	if err != nil {
		return sim.SubjectAccess{}, err
	}
	if r.CandidateID == "" {
		return sim.SubjectAccess{}, sim.Errorf(sim.ENOTFOUND, "the person this request is from was erased: nothing about them is left to export")
	}
	return tx.SubjectAccess(ctx, r.CandidateID, now)
}

// maxAccessPage bounds one page of the access log.
const maxAccessPage = 1000

// accessLog reads the record of who accessed the candidate's record,
// newest first: before a sequence number (0: from the newest), at most
// limit rows (0: all).
func (tx *Tx) accessLog(ctx context.Context, candidate uuid.UUID, before int64, limit int) ([]sim.AccessRecord, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	if err := tx.linkAudit(ctx); err != nil {
		return nil, err
	}
	var out []sim.AccessRecord
	for {
		page := maxAccessPage
		if limit > 0 && limit-len(out) < page {
			page = limit - len(out)
		}
		rows, err := tx.q.AccessLogForCandidate(ctx, tx.tx, dbgen.AccessLogForCandidateParams{
			CandidateID: candidate, BeforeSeq: before, MaxRows: int32(page),
		})
		if err != nil {
			return nil, fmt.Errorf("read access log: %w", interpretError(err))
		}
		for _, r := range rows {
			out = append(out, sim.AccessRecordOf(r.Seq, r.OccurredAt, sim.AuditAction(r.Action), sim.Role(r.ActorRole), r.OrgName))
			before = r.Seq
		}
		if len(rows) < page || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
	}
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// AccessLog is one page of who accessed the signed-in candidate's record,
// newest first: the rows before cursor's sequence number (nil: from the
// newest), at most limit.
func (tx *Tx) AccessLog(ctx context.Context, before *sim.AccessCursor, limit int) ([]sim.AccessRecord, error) {
	if err := tx.authorize(sim.PermOwnData); err != nil {
		return nil, err
	}
	own, err := tx.ownCandidate(ctx)
	if err != nil {
		return nil, err
	}
	var seq int64
	if before != nil {
		seq = before.Seq
	}
	return tx.accessLog(ctx, own, seq, int(pageSize(limit)))
}

// Anonymised is what an anonymisation did: the candidates that became
// ghosts, and how many rows each table lost.
type Anonymised struct {
	Candidates int
	Rows       map[string]int64
}

// Anonymise turns each registered candidate of candidateIDs into a ghost
// record (sim.GhostOf's facts, under a new ID) and removes everything the
// data inventory says is about them or their account, in this one
// transaction: a candidate is a ghost or untouched, never half. IDs
// already gone are skipped, so a retry changes nothing more. Engine only.
func (tx *Tx) Anonymise(ctx context.Context, candidateIDs []string) (Anonymised, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return Anonymised{}, err
	}
	ids := make([]uuid.UUID, 0, len(candidateIDs))
	for _, s := range candidateIDs {
		id, err := parseID("candidate_id", s)
		if err != nil {
			return Anonymised{}, err
		}
		ids = append(ids, id)
	}
	return tx.anonymise(ctx, ids)
}

func (tx *Tx) anonymise(ctx context.Context, ids []uuid.UUID) (Anonymised, error) {
	locked, err := tx.q.PrivacySubjectsLock(ctx, tx.tx, ids)
	if err != nil {
		return Anonymised{}, fmt.Errorf("lock candidates: %w", interpretError(err))
	}
	out := Anonymised{Rows: map[string]int64{}}
	if len(locked) == 0 {
		return out, nil
	}
	candidates := make([]uuid.UUID, len(locked))
	var users []uuid.UUID
	for i, l := range locked {
		candidates[i] = l.ID
		if l.UserID != nil {
			users = append(users, *l.UserID)
		}
	}
	ghosts, err := tx.q.GhostsCreate(ctx, tx.tx, candidates)
	if err != nil {
		return Anonymised{}, fmt.Errorf("create ghost records: %w", interpretError(err))
	}
	out.Candidates = len(ghosts)
	for _, e := range erasureOrder {
		subjects := candidates
		if e.Kind == sim.SubjectUser {
			subjects = users
		}
		if len(subjects) == 0 {
			continue
		}
		n, err := e.Query(tx.q, ctx, tx.tx, subjects)
		if err != nil {
			return Anonymised{}, fmt.Errorf("anonymise %s: %w", e.Table, interpretError(err))
		}
		out.Rows[e.Table] += n
	}
	return out, nil
}

// ReportingTotals are every total the reports are built from, over live
// candidates and ghosts together, keyed "dimension/key": anonymising
// changes none of them.
func (tx *Tx) ReportingTotals(ctx context.Context) (map[string]int64, error) {
	if err := tx.authorize(sim.PermViewStatistics); err != nil {
		return nil, err
	}
	rows, err := tx.q.ReportingTotals(ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("reporting totals: %w", interpretError(err))
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Dimension+"/"+r.Key] = r.N
	}
	return out, nil
}

// purposeSubjectAccess is the purpose (app.purpose) under which a
// candidate's row-level security shows them every row about them.
const purposeSubjectAccess = "subject_access"

// setPurpose sets the transaction's purpose, which some row-level
// security policies read ("" clears it).
func (tx *Tx) setPurpose(ctx context.Context, purpose string) error {
	if _, err := tx.tx.Exec(ctx, "SELECT set_config('app.purpose', $1, true)", purpose); err != nil {
		return fmt.Errorf("set purpose: %w", interpretError(err))
	}
	return nil
}
