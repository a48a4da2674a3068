package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// rosterOf reads rows as a roster would be read, each checked by sim (a
// row with no consent has that problem).
func rosterOf(rows ...sim.RosterRow) db.RosterRead {
	return func(each func(sim.RosterRow, []sim.RosterProblem) error) error {
		for _, r := range rows {
			var problems []sim.RosterProblem
			if r.Email == "" {
				problems = append(problems, sim.RosterProblem{Row: r.Row, Column: sim.RosterEmail, Problem: "is required"})
			}
			if r.Consent == "" {
				problems = append(problems, sim.RosterProblem{Row: r.Row, Column: sim.RosterConsent, Problem: "is required"})
			}
			if err := each(r, problems); err != nil {
				return err
			}
		}
		return nil
	}
}

func sha(b byte) []byte {
	s := make([]byte, 32)
	s[0] = b
	return s
}

// A roster is staged with every row's problems, those of reading and
// those no row can know alone: the same address earlier in the file, one
// registered, one invited. The same file again is the same import; a file
// that cannot be read leaves nothing; only the organisation's admin (or
// the operator) uploads, and only they see it.
func TestRosterStageChecksEveryRow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	orgA, adminA := b.onboard(t, "Northshire NHS Trust", "admin.a@example.org")
	orgB, adminB := b.onboard(t, "Southshire Health Board", "admin.b@example.org")
	b.invite(t, "waiting@example.org")
	p := testfactory.Profile(b.now)
	p.Phone = "+44 7700 900123"
	testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "sam.carter@example.org", Profile: &p})
	person := func(row int, email string) sim.RosterRow {
		return sim.RosterRow{Row: row, Name: "Pat Lee", Email: email, Connection: sim.ConnVeteran, Consent: "by_email"}
	}
	roster := rosterOf(
		person(2, "pat@example.org"),
		person(3, "sam@example.org"),
		person(5, "pat@example.org"),                                     // the same as row 2
		person(6, "operator@example.org"),                                // registered: the operator's account
		person(7, "waiting@example.org"),                                 // invited
		sim.RosterRow{Row: 8, Name: "Al Jones", Email: "al@example.org"}, // no consent
		sim.RosterRow{Row: 9, Name: "Bo", Email: "", Connection: sim.ConnVeteran, Consent: "by_email"},
		// Someone already registered under another address: the same name
		// and phone number (written otherwise) is a warning, the row valid.
		sim.RosterRow{Row: 10, Name: "sam carter", Email: "sc@example.org", Phone: "07700 900123", Connection: sim.ConnReservist, Consent: "by_email"},
	)
	stage := func(actor sim.Actor, org string, hash []byte, read db.RosterRead) (db.RosterImport, bool, error) {
		var imp db.RosterImport
		var again bool
		err := b.in(t, actor, func(tx *db.Tx) error {
			var err error
			imp, again, err = tx.RosterStage(ctx, db.RosterUpload{OrgID: org, SHA256: hash, Format: "csv", Now: b.now}, read)
			return err
		})
		return imp, again, err
	}
	imp, again, err := stage(adminA.actor, orgA.ID, sha(1), roster)
	require.NoError(t, err)
	require.False(t, again)
	require.Equal(t, db.RosterImport{ID: imp.ID, OrgID: orgA.ID, Format: "csv", State: "checked", Rows: 8, Valid: 3, UploadedAt: b.now}, imp)

	var problems []sim.RosterProblem
	require.NoError(t, b.in(t, adminA.actor, func(tx *db.Tx) error {
		var err error
		problems, _, err = tx.RosterProblems(ctx, orgA.ID, imp.ID, 0, 100)
		return err
	}))
	require.Equal(t, []sim.RosterProblem{
		{Row: 5, Column: sim.RosterEmail, Problem: "is the same address as row 2"},
		{Row: 6, Column: sim.RosterEmail, Problem: "is already registered with the programme"},
		{Row: 7, Column: sim.RosterEmail, Problem: "already has an invitation waiting"},
		{Row: 8, Column: sim.RosterConsent, Problem: "is required"},
		{Row: 9, Column: sim.RosterEmail, Problem: "is required"},
		{Row: 10, Column: sim.RosterName, Problem: "has the name and phone number of someone already registered: a possible duplicate", Warning: true},
	}, problems, "row 9 has no address to match: only the problem reading found")

	// Paged: a row's problems stay together.
	require.NoError(t, b.in(t, adminA.actor, func(tx *db.Tx) error {
		page, last, err := tx.RosterProblems(ctx, orgA.ID, imp.ID, 5, 2)
		require.Equal(t, 7, last)
		require.Equal(t, problems[1:3], page)
		return err
	}))

	// The same file again: the same import, nothing read.
	again2, again, err := stage(adminA.actor, orgA.ID, sha(1), func(func(sim.RosterRow, []sim.RosterProblem) error) error {
		t.Fatal("the same file is not read again")
		return nil
	})
	require.NoError(t, err)
	require.True(t, again)
	require.Equal(t, imp, again2)
	require.Equal(t, 8, b.count(t, "SELECT count(*) FROM roster_rows"))

	// The same new file uploaded eight times at once: one import, and
	// every upload answered with it.
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			imp, _, err := stage(adminA.actor, orgA.ID, sha(9), rosterOf(person(2, "same@example.org")))
			assert.NoError(t, err)
			ids[i] = imp.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM roster_imports WHERE content_sha256 = $1", sha(9)))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM roster_rows r JOIN roster_imports i ON i.id = r.import_id WHERE i.content_sha256 = $1", sha(9)))
	_, err = b.db.Admin.Exec(ctx, "DELETE FROM roster_imports WHERE content_sha256 = $1", sha(9))
	require.NoError(t, err)

	// A file that cannot be read leaves nothing, not even its import.
	bad := errors.New("the file is not well-formed CSV at line 4")
	_, _, err = stage(adminA.actor, orgA.ID, sha(2), func(each func(sim.RosterRow, []sim.RosterProblem) error) error {
		if err := each(person(2, "new@example.org"), nil); err != nil {
			return err
		}
		return bad
	})
	require.ErrorIs(t, err, bad)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM roster_imports"))
	require.Equal(t, 8, b.count(t, "SELECT count(*) FROM roster_rows"))

	// Discarded: nothing imported, the people's details gone now, and
	// once only.
	discard := func(actor sim.Actor, id string) (db.RosterImport, error) {
		var out db.RosterImport
		err := b.in(t, actor, func(tx *db.Tx) error {
			var err error
			out, err = tx.RosterDiscard(ctx, orgA.ID, id, b.now)
			return err
		})
		return out, err
	}
	_, err = discard(adminB.actor, imp.ID)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "not another organisation's to discard")
	done, err := discard(adminA.actor, imp.ID)
	require.NoError(t, err)
	require.Equal(t, "discarded", done.State)
	require.Zero(t, b.count(t, "SELECT count(*) FROM roster_rows WHERE import_id = $1", imp.ID))
	_, err = discard(adminA.actor, imp.ID)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	fresh, again, err := stage(adminA.actor, orgA.ID, sha(1), roster)
	require.NoError(t, err)
	require.False(t, again, "a discarded file may be uploaded again")
	require.NotEqual(t, imp.ID, fresh.ID)
	_, err = b.db.Admin.Exec(ctx, "DELETE FROM roster_imports WHERE id = $1", fresh.ID)
	require.NoError(t, err)

	// Who may: A's admin for A only; the operator for any; nobody else.
	_, _, err = stage(adminA.actor, orgB.ID, sha(3), roster)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "another organisation is not there, as a missing one")
	_, _, err = stage(adminB.actor, orgB.ID, sha(1), rosterOf(person(2, "x@example.org")))
	require.NoError(t, err, "the same file is another organisation's own import")
	_, _, err = stage(b.op, "00000000-0000-0000-0000-00000000000a", sha(4), roster)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	_, _, err = stage(b.op, orgA.ID, sha(5), rosterOf(person(2, "y@example.org")))
	require.NoError(t, err)
	require.NoError(t, b.in(t, adminB.actor, func(tx *db.Tx) error {
		for _, org := range []string{orgA.ID, orgB.ID} {
			_, err := tx.RosterImportGet(ctx, org, imp.ID)
			require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "another organisation's import is not there, nor under its own")
		}
		var seen int
		require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM roster_rows WHERE import_id = $1", imp.ID).Scan(&seen))
		require.Zero(t, seen)
		return nil
	}))
	err = b.in(t, adminB.actor, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "SELECT roster_check($1)", imp.ID)
		return err
	})
	require.ErrorContains(t, err, "no such roster import", "nor can it be checked")
}
