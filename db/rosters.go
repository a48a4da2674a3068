package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Quick registration's rosters (migration 00025): an organisation's
// upload of the people it already keeps, staged and checked before
// anything is imported.

// RosterUpload is an uploaded roster whose bytes' SHA-256 is known (the
// API spools an upload to a file, hashing it, before reading it).
type RosterUpload struct {
	OrgID  string
	SHA256 []byte
	Format string // "csv" or "xlsx"
	Now    time.Time
}

// RosterRead reads a roster, handing each row and its problems to each
// (render's ReadRosterCSV and ReadRosterXLSX, bound to the file).
type RosterRead func(each func(sim.RosterRow, []sim.RosterProblem) error) error

// RosterImport is a roster staged and checked, and what became of it.
type RosterImport struct {
	ID         string
	OrgID      string
	Format     string
	State      string // checked, imported, discarded
	Rows       int    // the people read (blank rows are nobody)
	Valid      int    // those with no problem
	UploadedAt time.Time
}

func rosterImportOf(r dbgen.RosterImport) RosterImport {
	return RosterImport{ID: r.ID.String(), OrgID: r.OrgID.String(), Format: r.Format, State: r.State,
		Rows: int(r.RowsRead), Valid: int(r.RowsValid), UploadedAt: r.UploadedAt.UTC()}
}

// RosterStage stages an organisation's roster: every row read, with the
// problems reading found, copied in as it is read (memory stays bounded
// however long the file), then the checks no row can make alone (the same
// address earlier in the file, one already registered, one already
// invited), in this transaction. The same file (by its SHA-256) uploaded
// to the same organisation again is the import it was: it is returned
// with again true, and read is not called. An error from read (a file
// that is not a roster) leaves nothing staged.
//
// Errors: EFORBIDDEN unless the actor is an organisation's administrator
// or the operator; ENOTFOUND for another organisation than the
// administrator's own, or one that does not exist; EINVALID for a bad
// format or hash, or from read.
func (tx *Tx) RosterStage(ctx context.Context, up RosterUpload, read RosterRead) (imp RosterImport, again bool, err error) {
	if err := tx.authorize(sim.PermQuickRegister); err != nil {
		return RosterImport{}, false, err
	}
	orgID, err := parseID("org_id", up.OrgID)
	if err != nil {
		return RosterImport{}, false, err
	}
	if tx.actor.Role.OrgRole() && tx.actor.OrgID != up.OrgID {
		// Another organisation is not there for them, as a missing one.
		return RosterImport{}, false, sim.ErrNotFound
	}
	if len(up.SHA256) != 32 {
		return RosterImport{}, false, sim.FieldError("sha256", "a roster's hash is its SHA-256: 32 bytes")
	}
	if up.Format != "csv" && up.Format != "xlsx" {
		return RosterImport{}, false, sim.FieldError("format", "a roster is CSV or XLSX")
	}
	if _, err := tx.OrgGet(ctx, up.OrgID); err != nil {
		return RosterImport{}, false, err
	}
	prior := func() (RosterImport, bool, error) {
		row, err := tx.q.RosterImportBySHA(ctx, tx.tx, dbgen.RosterImportBySHAParams{OrgID: orgID, ContentSha256: up.SHA256})
		switch err = interpretError(err); {
		case err == nil:
			return rosterImportOf(row), true, nil
		case !notFound(err):
			return RosterImport{}, false, fmt.Errorf("find the roster: %w", err)
		}
		return RosterImport{}, false, nil
	}
	if imp, found, err := prior(); found || err != nil {
		return imp, found, err
	}
	id := uuid.New()
	created, err := tx.q.RosterImportCreate(ctx, tx.tx, dbgen.RosterImportCreateParams{
		ID: id, OrgID: orgID, UploadedBy: optionalID(tx.actor.UserID), ContentSha256: up.SHA256, Format: up.Format, UploadedAt: up.Now,
	})
	if err != nil {
		return RosterImport{}, false, fmt.Errorf("record the roster: %w", interpretError(err))
	}
	if created == 0 { // the same file, uploaded at the same moment, went first
		imp, found, err := prior()
		if err == nil && !found {
			err = fmt.Errorf("record the roster: the same file's import vanished")
		}
		return imp, found, err
	}
	// COPY cannot write to a table under row-level security: the rows
	// are copied into a temporary table, then inserted from it in one
	// statement, which the policies check.
	if _, err := tx.tx.Exec(ctx, "CREATE TEMPORARY TABLE roster_copy (LIKE roster_rows) ON COMMIT DROP"); err != nil {
		return RosterImport{}, false, fmt.Errorf("stage the roster: %w", err)
	}
	src := newRosterSource(id, orgID, up.Now, read)
	defer src.stop()
	if _, err := tx.tx.CopyFrom(ctx, pgx.Identifier{"roster_copy"}, rosterColumns, src); err != nil {
		if src.readErr != nil {
			return RosterImport{}, false, src.readErr
		}
		return RosterImport{}, false, fmt.Errorf("stage the roster: %w", interpretError(err))
	}
	if _, err := tx.tx.Exec(ctx, "INSERT INTO roster_rows SELECT * FROM roster_copy; DROP TABLE roster_copy"); err != nil {
		return RosterImport{}, false, fmt.Errorf("stage the roster: %w", interpretError(err))
	}
	if _, err := tx.q.RosterCheck(ctx, tx.tx, id); err != nil {
		return RosterImport{}, false, fmt.Errorf("check the roster: %w", interpretError(err))
	}
	row, err := tx.q.RosterImportGet(ctx, tx.tx, id)
	if err != nil {
		return RosterImport{}, false, fmt.Errorf("count the roster: %w", interpretError(err))
	}
	if err := tx.audit(ctx, sim.AuditRosterUploaded, sim.ObjectRosterImport, id, &orgID, up.Now); err != nil {
		return RosterImport{}, false, err
	}
	return rosterImportOf(row), false, nil
}

// RosterImportGet is one of an organisation's imports. ENOTFOUND when
// the organisation has none with that ID the actor may see (another
// organisation's is not there, as a missing one).
func (tx *Tx) RosterImportGet(ctx context.Context, orgID, id string) (RosterImport, error) {
	if err := tx.authorize(sim.PermQuickRegister); err != nil {
		return RosterImport{}, err
	}
	rid, err := parseID("import_id", id)
	if err != nil {
		return RosterImport{}, err
	}
	row, err := tx.q.RosterImportGet(ctx, tx.tx, rid)
	if err = interpretError(err); err != nil {
		if notFound(err) {
			return RosterImport{}, err
		}
		return RosterImport{}, fmt.Errorf("roster import: %w", err)
	}
	if row.OrgID.String() != orgID {
		return RosterImport{}, sim.ErrNotFound
	}
	return rosterImportOf(row), nil
}

// RosterDiscard decides an import: nothing of it is imported, and its
// staged rows (the people's details) go now. ECONFLICT when it was
// decided already; ENOTFOUND when there is none the actor may see.
func (tx *Tx) RosterDiscard(ctx context.Context, orgID, id string, now time.Time) (RosterImport, error) {
	imp, err := tx.RosterImportGet(ctx, orgID, id)
	if err != nil {
		return RosterImport{}, err
	}
	rid := uuid.MustParse(imp.ID)
	row, err := tx.q.RosterImportDecide(ctx, tx.tx, dbgen.RosterImportDecideParams{ID: rid, State: "discarded", DecidedAt: &now})
	switch err = interpretError(err); {
	case notFound(err):
		return RosterImport{}, sim.Errorf(sim.ECONFLICT, "this roster was %s already", imp.State)
	case err != nil:
		return RosterImport{}, fmt.Errorf("decide the roster: %w", err)
	}
	if _, err := tx.q.RosterRowsDelete(ctx, tx.tx, rid); err != nil {
		return RosterImport{}, fmt.Errorf("discard the roster's rows: %w", interpretError(err))
	}
	oid := uuid.MustParse(imp.OrgID)
	if err := tx.audit(ctx, sim.AuditRosterDiscarded, sim.ObjectRosterImport, rid, &oid, now); err != nil {
		return RosterImport{}, err
	}
	return rosterImportOf(row), nil
}

// RosterCursor is a position in an organisation's list of rosters.
type RosterCursor struct {
	At time.Time
	ID string
}

// RosterImports is a page of an organisation's uploaded rosters, latest
// first, after cursor (nil for the first page), at most limit. ENOTFOUND
// for another organisation than an administrator's own.
func (tx *Tx) RosterImports(ctx context.Context, orgID string, after *RosterCursor, limit int) ([]RosterImport, error) {
	if err := tx.authorize(sim.PermQuickRegister); err != nil {
		return nil, err
	}
	oid, err := parseID("org_id", orgID)
	if err != nil {
		return nil, err
	}
	if tx.actor.Role.OrgRole() && tx.actor.OrgID != orgID {
		return nil, sim.ErrNotFound
	}
	p := dbgen.RosterImportListParams{OrgID: oid, MaxRows: pageSize(limit)}
	if after != nil {
		id, err := uuid.Parse(after.ID)
		if err != nil {
			return nil, sim.FieldError("cursor", "cursor is not one this API gave for this list")
		}
		p.Paged, p.AfterAt, p.AfterID = true, after.At, id
	}
	rows, err := tx.q.RosterImportList(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("rosters: %w", interpretError(err))
	}
	out := make([]RosterImport, len(rows))
	for i, r := range rows {
		out[i] = rosterImportOf(r)
	}
	return out, nil
}

// RosterProblems is a page of the problems of an import's rows, in the
// file's order, after the row numbered after (0 for the first page), at
// most limit rows' problems.
func (tx *Tx) RosterProblems(ctx context.Context, orgID, id string, after, limit int) ([]sim.RosterProblem, int, error) {
	if _, err := tx.RosterImportGet(ctx, orgID, id); err != nil {
		return nil, 0, err
	}
	rows, err := tx.q.RosterProblems(ctx, tx.tx, dbgen.RosterProblemsParams{ImportID: uuid.MustParse(id), AfterRow: int32(after), MaxRows: pageSize(limit)})
	if err != nil {
		return nil, 0, fmt.Errorf("roster problems: %w", interpretError(err))
	}
	var out []sim.RosterProblem
	last := after
	for _, r := range rows {
		var ps []rosterProblem
		if err := json.Unmarshal(r.Problems, &ps); err != nil {
			return nil, 0, fmt.Errorf("roster problems of row %d: %w", r.Row, err)
		}
		for _, p := range ps {
			out = append(out, sim.RosterProblem{Row: int(r.Row), Column: p.Column, Problem: p.Problem, Warning: p.Warning})
		}
		last = int(r.Row)
	}
	return out, last, nil
}

// rosterProblem is a problem as roster_rows.problems keeps it: the row is
// the row's own.
type rosterProblem struct {
	Column  sim.RosterColumn `json:"column,omitempty"`
	Problem string           `json:"problem"`
	Warning bool             `json:"warning,omitempty"`
}

var rosterColumns = []string{"import_id", "org_id", "row", "name", "email", "phone", "connection", "region", "consent", "problems", "staged_at"}

// rosterSource is a roster's rows as COPY pulls them, from a reader that
// pushes them: iter.Pull turns the one into the other without holding
// more than a row.
type rosterSource struct {
	importID, orgID uuid.UUID
	now             time.Time
	next            func() (staged, bool)
	stop            func()
	cur             staged
	readErr         error
}

type staged struct {
	row      sim.RosterRow
	problems []sim.RosterProblem
}

var errCopyStopped = errors.New("the copy stopped")

func newRosterSource(importID, orgID uuid.UUID, now time.Time, read RosterRead) *rosterSource {
	s := &rosterSource{importID: importID, orgID: orgID, now: now}
	rows := iter.Seq[staged](func(yield func(staged) bool) {
		err := read(func(r sim.RosterRow, p []sim.RosterProblem) error {
			if !yield(staged{r, p}) {
				return errCopyStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errCopyStopped) {
			s.readErr = err
		}
	})
	s.next, s.stop = iter.Pull(rows)
	return s
}

func (s *rosterSource) Next() bool {
	var ok bool
	s.cur, ok = s.next()
	return ok
}

func (s *rosterSource) Values() ([]any, error) {
	r := s.cur.row
	problems := "[]"
	if len(s.cur.problems) > 0 {
		ps := make([]rosterProblem, len(s.cur.problems))
		for i, p := range s.cur.problems {
			ps[i] = rosterProblem{Column: p.Column, Problem: p.Problem}
		}
		b, err := json.Marshal(ps)
		if err != nil {
			return nil, err
		}
		problems = string(b)
	}
	// r.Email is normalised, or "" when it is not an address (sim's
	// check): nothing to match.
	return []any{s.importID, s.orgID, int32(r.Row), r.Name, r.Email, r.Phone, string(r.Connection), string(r.Region), string(r.Consent), problems, s.now}, nil
}

func (s *rosterSource) Err() error { return s.readErr }
