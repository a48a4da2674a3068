package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// richSubject is a candidate who has been through everything Muster
// records, with a unique marker in every value they typed or that
// identifies them.
type richSubject struct {
	cand    testfactory.Registered
	orgName string // the organisation that viewed them
	markers []string
	// notApplicable are the tables about a person that hold nothing about
	// a candidate by the nature of the journey (an organisation user's
	// acceptance of the code of conduct).
	notApplicable []string
}

func marker(t *testing.T, field string) string {
	t.Helper()
	b := make([]byte, 5)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "mk" + field + hex.EncodeToString(b)
}

// richCandidate takes a candidate through every part of the journey that
// leaves a row about them, each as its real actor.
func (b *testBundle) richCandidate(t *testing.T) richSubject {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	m := map[string]string{}
	for _, f := range []string{"first", "last", "phone", "skill", "jobs", "email", "ua", "msg", "reply", "note", "reason", "orgnote", "hidden"} {
		m[f] = marker(t, f)
	}
	p := testfactory.Profile(now)
	p.FirstName, p.LastName, p.Phone, p.Skills, p.JobPreferences = m["first"], m["last"], m["phone"], []string{m["skill"]}, m["jobs"]
	email := m["email"] + "@example.org"
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: email, Profile: &p, Now: now.Add(-time.Hour)})
	actor := testfactory.Actor(cand.User)
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	placer := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID})
	_, placerStaff := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: placer.ID})
	in := func(a sim.Actor, fn func(*db.Tx) error) { t.Helper(); require.NoError(t, b.in(t, a, fn)) }

	res, err := b.store.Login(ctx, db.LoginAttempt{Email: email, Password: testfactory.DefaultPassword, IP: "198.51.100.231", UserAgent: m["ua"], Now: now})
	require.NoError(t, err)
	actor = testfactory.Actor(res.User)
	in(actor, func(tx *db.Tx) error { _, err := tx.ConsentChange(ctx, shareConsent, true, now); return err })
	in(actor, func(tx *db.Tx) error { _, err := tx.InterestsChoose(ctx, []string{org.ID, placer.ID}, now); return err })
	var mine sim.ThreadMessage
	in(actor, func(tx *db.Tx) error {
		var err error
		mine, err = tx.MessageSend(ctx, db.ThreadKey{OrgID: org.ID, Mine: true}, m["msg"], now)
		return err
	})
	var reply sim.ThreadMessage
	in(staff, func(tx *db.Tx) error {
		var err error
		reply, err = tx.MessageSend(ctx, db.ThreadKey{OrgID: org.ID, CandidateID: cand.Candidate.ID}, m["reply"], now)
		return err
	})
	in(actor, func(tx *db.Tx) error { return tx.ThreadMarkRead(ctx, db.ThreadKey{OrgID: org.ID, Mine: true}) })
	in(staff, func(tx *db.Tx) error { _, err := tx.OrgCandidate(ctx, org.ID, cand.Candidate.ID, now); return err })
	in(actor, func(tx *db.Tx) error {
		_, _, err := tx.MessageReport(ctx, reply.ID, sim.MessageReport{Reason: "other", Note: m["note"]}, now)
		return err
	})
	// The organisation reports the candidate's message and the operator
	// hides it: the candidate's thread no longer shows it, their export
	// does, with the report.
	var orgReport string
	in(staff, func(tx *db.Tx) error {
		var err error
		orgReport, _, err = tx.MessageReport(ctx, mine.ID, sim.MessageReport{Reason: "other", Note: m["orgnote"]}, now)
		return err
	})
	in(b.op, func(tx *db.Tx) error {
		return tx.ModerationDecide(ctx, orgReport, sim.ModerationDecision{Action: sim.ModerationHide, Reason: m["hidden"]}, now)
	})
	started := now.AddDate(0, -4, 0)
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		in(placerStaff, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, placer.ID, cand.Candidate.ID, sim.Intervention{Kind: k, On: started}, now)
			return err
		})
	}
	var interestID string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1 AND org_id = $2", cand.Candidate.ID, placer.ID).Scan(&interestID))
	var checkIn sim.FollowUp
	in(sim.System, func(tx *db.Tx) error {
		var err error
		checkIn, _, err = tx.FollowUpAsk(ctx, interestID, 3, started.AddDate(0, 3, 0), now)
		return err
	})
	in(actor, func(tx *db.Tx) error { _, err := tx.FollowUpAnswer(ctx, checkIn.ID, true, now); return err })

	// What no API call of a candidate makes directly: a link sent, a
	// reset asked for, recovery codes, a spot check the operator rejected.
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := b.db.Admin.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	exec(`INSERT INTO invitation_tokens (token_hash, invitation_id, generation, created_at, sent_at)
		SELECT sha256(gen_random_uuid()::text::bytea), id, 1, $2, $2 FROM invitations WHERE candidate_id = $1`, cand.Candidate.ID, now)
	exec(`INSERT INTO password_resets (id, user_id, role, purpose, token_hash, created_at, expires_at)
		VALUES (gen_random_uuid(), $1, 'candidate', 'reset', sha256(gen_random_uuid()::text::bytea), $2::timestamptz, $2::timestamptz + interval '1 hour')`, cand.User.ID, now)
	exec(`INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, sha256(gen_random_uuid()::text::bytea))`, cand.User.ID)
	exec(`INSERT INTO erasure_requests (candidate_id, requested_at, requested_by) VALUES ($1, $2, 'candidate')`, cand.Candidate.ID, now)
	in(actor, func(tx *db.Tx) error {
		_, err := tx.DataRequestMake(ctx, sim.RequestSubjectAccess, "", now)
		return err
	})
	exec(`UPDATE candidates SET verification = 'sampled' WHERE id = $1`, cand.Candidate.ID)
	var spotCheck string
	require.NoError(t, b.db.Admin.QueryRow(ctx, `INSERT INTO spot_checks (id, candidate_id, flags, sampled_at)
		VALUES (gen_random_uuid(), $1, '{random_sample}', $2) RETURNING id::text`, cand.Candidate.ID, now).Scan(&spotCheck))
	in(b.op, func(tx *db.Tx) error {
		return tx.SpotCheckDecide(ctx, spotCheck, sim.VerificationRejected, m["reason"], now)
	})

	out := richSubject{cand: cand, orgName: org.Name, notApplicable: []string{"conduct_acceptances"}}
	for _, v := range m {
		out.markers = append(out.markers, v)
	}
	out.markers = append(out.markers, "198.51.100.231")
	slices.Sort(out.markers)
	return out
}

// aboutSQL is the SQL that counts the rows of table about the subject
// (a candidate's ID or a user's), following its subject path.
func aboutSQL(table string, p sim.SubjectPath) string {
	return "SELECT count(*) FROM (" + aboutRowsSQL(table, p) + ") rows"
}

// aboutRowsSQL is the SQL that reads the rows of table about the subject
// ($1), following its subject path.
func aboutRowsSQL(table string, p sim.SubjectPath) string {
	from, prev := table+" r", "r.id"
	if !p.Self() {
		prev = "r." + p.Via[0]
		for i, hop := range p.Via[1:] {
			tbl, col, _ := strings.Cut(hop, ".")
			alias := fmt.Sprintf("j%d", i+1)
			from += fmt.Sprintf(" JOIN %s %s ON %s.id = %s", tbl, alias, alias, prev)
			prev = alias + "." + col
		}
	}
	return fmt.Sprintf("SELECT r.* FROM %s WHERE %s = $1", from, prev)
}

// subjectTables are the tables the inventory says hold rows about a
// candidate or a user, with their subject paths.
func subjectTables() map[string]sim.SubjectPath {
	out := map[string]sim.SubjectPath{}
	for _, table := range db.Inventory.Tables() {
		p := db.Inventory.Table(table)[0].Subject
		if p.Kind == sim.SubjectCandidate || p.Kind == sim.SubjectUser {
			out[table] = p
		}
	}
	return out
}

// rowsAbout counts, past row-level security, every subject table's rows
// about the candidate or their account.
func (b *testBundle) rowsAbout(t *testing.T, candidateID, userID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for table, p := range subjectTables() {
		id := candidateID
		if p.Kind == sim.SubjectUser {
			id = userID
		}
		out[table] = b.count(t, aboutSQL(table, p), id)
	}
	return out
}

// Subject access is driven by the inventory and misses nothing: for every
// table that holds rows about a candidate or their account, the export
// the candidate downloads themselves (under row-level security, as
// themselves) has every row the database holds about them, each with
// every column but credentials, and every value they typed is in it.
func TestSubjectAccessHasEveryRowAndColumn(t *testing.T) {
	t.Parallel()
	forEachOwner(t, testSubjectAccessHasEveryRowAndColumn)
}

// forEachOwner runs test on a database whose owner is a superuser and on
// one whose owner is neither a superuser nor BYPASSRLS (as on managed
// Postgres), where every security definer function runs under row-level
// security and needs its owner policies.
func forEachOwner(t *testing.T, test func(t *testing.T, b *testBundle)) {
	t.Run("superuser owner", func(t *testing.T) {
		t.Parallel()
		test(t, setup(t))
	})
	t.Run("owner under row-level security", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.db.OwnedByUnprivileged(t)
		test(t, b)
	})
}

func testSubjectAccessHasEveryRowAndColumn(t *testing.T, b *testBundle) {
	s := b.richCandidate(t)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM candidate_activity WHERE candidate_id = $1 AND last_active_at > now() - interval '30 minutes'",
		s.cand.Candidate.ID), "the candidate's acts (made an hour after they registered) moved their activity clock")
	about := b.rowsAbout(t, s.cand.Candidate.ID, s.cand.User.ID)
	for table, n := range about {
		if !slices.Contains(s.notApplicable, table) {
			require.Positive(t, n, "the fixture leaves no row about the candidate in %s: extend richCandidate so the export of %s is tested", table, table)
		}
	}

	var data sim.SubjectAccess
	session := testfactory.Actor(s.cand.User)
	require.NoError(t, b.in(t, session, func(tx *db.Tx) error {
		var err error
		data, err = tx.SubjectAccess(context.Background(), s.cand.Candidate.ID, time.Now())
		return err
	}))
	exported := map[string][]map[string]any{}
	for _, tb := range data.Tables {
		exported[tb.Name] = tb.Rows
	}
	for table, n := range about {
		require.Len(t, exported[table], n, "%s: the export has every row about the candidate", table)
		for _, row := range exported[table] {
			for _, c := range db.Inventory.Table(table) {
				if c.Class == sim.ClassCredential {
					require.NotContains(t, row, c.Column, "%s.%s is a credential: never exported", table, c.Column)
					continue
				}
				require.Contains(t, row, c.Column, "%s.%s is about the candidate and missing from the export", table, c.Column)
			}
		}
	}
	raw, err := json.Marshal(data)
	require.NoError(t, err)
	for _, mk := range s.markers {
		require.Contains(t, string(raw), mk)
	}
	require.NotEmpty(t, data.Access, "the export says who accessed the record")
	require.True(t, slices.ContainsFunc(data.Access, func(a sim.AccessRecord) bool {
		return a.Action == sim.AuditCandidateViewed && a.By == s.orgName
	}), "the organisation that viewed the record is named: %+v", data.Access)
	require.True(t, slices.ContainsFunc(data.Access, func(a sim.AccessRecord) bool {
		return a.Action == sim.AuditSpotCheckDecided && a.By == sim.AccessByProgramme
	}), "the operator's decision is the programme team's")

	// Another candidate cannot export this one.
	other := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	err = b.in(t, testfactory.Actor(other.User), func(tx *db.Tx) error {
		_, err := tx.SubjectAccess(context.Background(), s.cand.Candidate.ID, time.Now())
		return err
	})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
}

// Anonymising a candidate leaves nothing of them: every row the inventory
// says is about them or their account is gone (the audit trail keeps its
// rows, which then point at nothing), no value they typed is anywhere in
// the database, and one ghost record holds what sim.GhostOf says.
func TestAnonymisationLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	forEachOwner(t, testAnonymisationLeavesNothingBehind)
}

func testAnonymisationLeavesNothingBehind(t *testing.T, b *testBundle) {
	s := b.richCandidate(t)
	ctx := context.Background()
	for _, mk := range s.markers {
		require.NotEmpty(t, b.db.RowsMentioning(t, mk), "the scan finds %s before anonymisation", mk)
	}
	var res db.Anonymised
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		res, err = tx.Anonymise(ctx, []string{s.cand.Candidate.ID})
		return err
	}))
	require.Equal(t, 1, res.Candidates)
	for _, mk := range s.markers {
		require.Empty(t, b.db.RowsMentioning(t, mk), "%s is left after anonymisation", mk)
	}
	for table, n := range b.rowsAbout(t, s.cand.Candidate.ID, s.cand.User.ID) {
		if db.Inventory.Table(table)[0].Anonymise.DeletesRow() {
			require.Zero(t, n, "%s still holds rows about the anonymised candidate", table)
		}
	}
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM ghosts"))
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM ghosts WHERE id = $1", s.cand.Candidate.ID), "the ghost has an ID of its own")

	// Again: nothing more changes.
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		res, err = tx.Anonymise(ctx, []string{s.cand.Candidate.ID})
		return err
	}))
	require.Zero(t, res.Candidates)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM ghosts"))
}

// The retention sweep covers every table: a table whose category is
// deleted at the end of its period has a sweep by its clock, or goes with
// the row it names (ON DELETE CASCADE); a table kept as long as the
// candidate's record is one anonymisation removes; a personal column is
// only ever in a table one of those covers, or kept by a rule that says
// so (agreements, the audit trail, accounts and organisations while they
// exist).
func TestRetentionCoversEveryTable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	swept := map[string]bool{}
	for _, table := range db.SweepTables() {
		swept[table] = true
	}
	cascades := map[string]string{}
	rows, err := b.db.Admin.Query(context.Background(), `
		SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
		FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.confdeltype = 'c' AND cardinality(c.conkey) = 1`)
	require.NoError(t, err)
	for rows.Next() {
		var table, column, parent string
		require.NoError(t, rows.Scan(&table, &column, &parent))
		cascades[table+"."+column] = parent
	}
	require.NoError(t, rows.Err())
	for _, table := range db.Inventory.Tables() {
		cols := db.Inventory.Table(table)
		actions := map[sim.RetentionAction]bool{}
		for _, c := range cols {
			actions[sim.DefaultRetention.Rule(c.Category).Action] = true
		}
		require.False(t, actions[sim.RetainDelete] && len(actions) > 1, "%s: a table deleted by its clock holds nothing kept otherwise", table)
		for action := range actions {
			b.requireRetained(t, table, cols, action, swept, cascades)
		}
	}
}

func (b *testBundle) requireRetained(t *testing.T, table string, cols []sim.InventoryColumn, action sim.RetentionAction, swept map[string]bool, cascades map[string]string) {
	t.Helper()
	{
		switch action {
		case sim.RetainDelete:
			if swept[table] {
				return
			}
			rule := sim.DefaultRetention.Rule(cols[0].Category)
			i := slices.IndexFunc(cols, func(c sim.InventoryColumn) bool { return c.Cascade })
			require.GreaterOrEqual(t, i, 0, "%s is deleted after %s but has no retention clock and no cascade", table, sim.Days(rule.Keep))
			parent := cascades[table+"."+cols[i].Column]
			require.NotEmpty(t, parent, "%s.%s is marked retention=cascade but is not ON DELETE CASCADE", table, cols[i].Column)
			require.True(t, swept[parent], "%s goes with %s, which nothing sweeps", table, parent)
		case sim.RetainAnonymise, sim.RetainWithCandidate:
			if i := slices.IndexFunc(cols, func(c sim.InventoryColumn) bool { return c.Cascade }); i >= 0 {
				parent := cascades[table+"."+cols[i].Column]
				require.NotEmpty(t, parent, "%s.%s is marked retention=cascade but is not ON DELETE CASCADE", table, cols[i].Column)
				pcols := db.Inventory.Table(parent)
				require.Equal(t, sim.SubjectCandidate, pcols[0].Subject.Kind, "%s goes with %s, which is not about a candidate", table, parent)
				require.True(t, pcols[0].Anonymise.DeletesRow(), "%s goes with %s, whose rows anonymisation keeps", table, parent)
				return
			}
			require.Equal(t, sim.SubjectCandidate, cols[0].Subject.Kind, "%s is kept as long as the candidate's record, so anonymising the candidate must remove it", table)
			require.True(t, cols[0].Anonymise.DeletesRow(), "%s is kept as long as the candidate's record but anonymisation keeps its rows", table)
		case sim.RetainKeep:
			for _, c := range cols {
				if c.Class.Personal() && sim.DefaultRetention.Rule(c.Category).Action == sim.RetainKeep {
					require.Contains(t, []sim.RetentionCategory{sim.RetainAccount, sim.RetainAgreement, sim.RetainAudit, sim.RetainOrganisation}, c.Category,
						"%s.%s is personal data kept indefinitely", table, c.Column)
				}
			}
		}
	}
}

// What is past its period goes, and what is not stays: for every table
// the sweep deletes from, a row whose clock is older than its category's
// period is deleted, and one just inside it is kept.
func TestRetentionSweepDeletesWhatIsDue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	now := time.Now().UTC()
	s := b.richCandidate(t)
	schedule := sim.DefaultRetention
	for _, table := range db.SweepTables() {
		clock := ""
		for _, c := range db.Inventory.Table(table) {
			if c.Clock {
				clock = c.Column
			}
		}
		rule := schedule.Rule(db.Inventory.Table(table)[0].Category)
		before := b.count(t, fmt.Sprintf("SELECT count(*) FROM %s", table))
		old := b.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s < $1", table, clock), rule.Due(now))
		var n int64
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			n, err = tx.RetentionSweep(ctx, schedule, table, now)
			return err
		}))
		require.EqualValues(t, old, n, table)
		require.Equal(t, before-old, b.count(t, fmt.Sprintf("SELECT count(*) FROM %s", table)), table)
	}
	// Everything of the rich candidate is recent: their record stays.
	require.Positive(t, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", s.cand.User.ID))

	// Age them: the sweep deletes the old login records and sessions.
	_, err := b.db.Admin.Exec(ctx, "UPDATE login_events SET occurred_at = occurred_at - interval '3 years'")
	require.NoError(t, err)
	_, err = b.db.Admin.Exec(ctx, "UPDATE sessions SET expires_at = expires_at - interval '40 days'")
	require.NoError(t, err)
	for _, table := range []string{"login_events", "sessions"} {
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			n, err := tx.RetentionSweep(ctx, schedule, table, now)
			require.Positive(t, n, table)
			return err
		}))
		require.Zero(t, b.count(t, fmt.Sprintf("SELECT count(*) FROM %s", table)), table)
	}
	var unknown error = b.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.RetentionSweep(ctx, schedule, "audit_events", now)
		return err
	})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(unknown), "the audit trail is never swept")
	_ = uuid.Nil
}
