package db_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// reportWorld is three registered candidates: the journey's, who chose A
// and B and was contacted, offered and placed by A; one who chose A only;
// one who chose nobody.
type reportWorld struct {
	*journey
	period sim.ReportPeriod
	second testfactory.Registered
}

func setupReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	j := setupJourney(t)
	j.chosenAndContacted(t)
	j.place(t, j.testBundle)
	w := &reportWorld{journey: j}
	w.second = testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "second@example.org"})
	_, err := j.choose(t, testfactory.Actor(w.second.User), j.now, j.orgA.ID)
	require.NoError(t, err)
	testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "third@example.org"})
	w.period, err = sim.NewReportPeriod(testfactory.Now.AddDate(0, -1, 0), testfactory.Now.AddDate(0, 1, 0))
	require.NoError(t, err)
	return w
}

func (w *reportWorld) funnel(t *testing.T, actor sim.Actor, orgID string) (sim.FunnelReport, error) {
	t.Helper()
	var r sim.FunnelReport
	err := w.in(t, actor, func(tx *db.Tx) error {
		var err error
		r, err = tx.ReportFunnel(context.Background(), w.period, orgID, w.now)
		return err
	})
	return r, err
}

func counts(figures []sim.FunnelFigure) []string {
	out := make([]string, len(figures))
	for i, f := range figures {
		out[i] = string(f.Stage) + "=" + f.People.String()
	}
	return out
}

// The operator sees the programme's funnel and any organisation's exactly;
// an organisation's user their own exactly and the programme's released;
// another organisation's is not found; a candidate may not ask.
func TestReportFunnel(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	everyone := []string{"invited=3", "registered=3", "interested=2", "contacted=1", "information_day=1", "work_placement=1", "interview=1", "offer=1", "placed=1"}
	ofA := []string{"interested=2", "contacted=1", "information_day=1", "work_placement=1", "interview=1", "offer=1", "placed=1"}
	ofB := []string{"interested=1", "contacted=0", "information_day=0", "work_placement=0", "interview=0", "offer=0", "placed=0"}

	r, err := w.funnel(t, operator, "")
	require.NoError(t, err)
	require.Equal(t, everyone, counts(r.Programme))
	require.False(t, r.Released)
	require.Nil(t, r.Organisation)
	require.InDelta(t, 2.0/3, r.Programme[2].Conversion.Value, 1e-9)
	r, err = w.funnel(t, operator, w.orgB.ID)
	require.NoError(t, err)
	require.Equal(t, ofB, counts(r.Organisation))

	r, err = w.funnel(t, w.userA, w.orgA.ID)
	require.NoError(t, err)
	require.True(t, r.Released)
	require.Equal(t, ofA, counts(r.Organisation), "their own organisation, exactly")
	require.Equal(t, []string{"invited=*", "registered=*", "interested=*", "contacted=*", "information_day=*", "work_placement=*", "interview=*", "offer=*", "placed=*"},
		counts(r.Programme), "the programme's, through disclosure control")
	for _, f := range r.Programme[1:] {
		require.Equal(t, sim.WithheldFewPeople, f.Conversion.Withheld)
	}

	_, err = w.funnel(t, w.userA, w.orgB.ID)
	require.ErrorIs(t, err, sim.ErrNotFound, "another organisation's figures")
	_, err = w.funnel(t, w.candActor, "")
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Ghost records count as the live records they replace: anonymising the
// placed candidate and the one who chose A changes no figure of any
// funnel, the programme's or an organisation's.
func TestReportFunnelCountsGhosts(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	all := func() [][]string {
		var out [][]string
		for _, org := range []string{"", w.orgA.ID, w.orgB.ID} {
			r, err := w.funnel(t, operator, org)
			require.NoError(t, err)
			out = append(out, counts(r.Programme), counts(r.Organisation))
		}
		return out
	}
	before := all()
	require.NoError(t, w.in(t, sim.System, func(tx *db.Tx) error {
		res, err := tx.Anonymise(context.Background(), []string{w.cand.Candidate.ID, w.second.Candidate.ID})
		require.Equal(t, 2, res.Candidates)
		return err
	}))
	require.Equal(t, 1, w.count(t, "SELECT count(*) FROM candidates WHERE registered_at IS NOT NULL"), "one live candidate left")
	require.Equal(t, before, all())
	requireCountsExact(t, w.testBundle)
}

// The period is the months people registered in: a period before anyone
// registered counts nobody.
func TestReportFunnelPeriod(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	var err error
	w.period, err = sim.NewReportPeriod(testfactory.Now.AddDate(-2, 0, 0), testfactory.Now.AddDate(-1, 0, 0))
	require.NoError(t, err)
	r, err := w.funnel(t, operator, "")
	require.NoError(t, err)
	require.Equal(t, []string{"invited=0", "registered=0", "interested=0", "contacted=0", "information_day=0", "work_placement=0", "interview=0", "offer=0", "placed=0"}, counts(r.Programme))
	_, err = sim.NewReportPeriod(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = sim.NewReportPeriod(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "121 months")
}

func (w *reportWorld) breakdown(t *testing.T, actor sim.Actor, d sim.BreakdownDimension) (sim.BreakdownReport, error) {
	t.Helper()
	var r sim.BreakdownReport
	err := w.in(t, actor, func(tx *db.Tx) error {
		var err error
		r, err = tx.ReportBreakdown(context.Background(), w.period, d, w.now)
		return err
	})
	return r, err
}

// tableShown is a table's rows as shown: label, then each cell, then the
// row's total.
func tableShown(r sim.BreakdownReport) map[string][]string {
	out := map[string][]string{}
	for i, row := range r.Table.Cells {
		var shown []string
		for _, c := range row {
			shown = append(shown, c.String())
		}
		out[r.Labels[i]] = append(shown, r.Table.RowTotals[i].String())
	}
	return out
}

// By organisation, each person counts once per organisation they chose, at
// the furthest stage with it; by a fact of theirs, once, at the furthest
// stage with anyone ("registered" for nobody chosen). The operator sees it
// exactly, an organisation's user released.
func TestReportBreakdown(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	r, err := w.breakdown(t, w.op, sim.ByOrganisation)
	require.NoError(t, err)
	require.False(t, r.Released)
	require.Equal(t, sim.Stages, func() []sim.Stage {
		var s []sim.Stage
		for _, c := range r.Columns {
			s = append(s, sim.Stage(c))
		}
		return s
	}())
	require.Equal(t, map[string][]string{
		w.orgA.Name: {"1", "0", "0", "0", "0", "0", "1", "2"},
		w.orgB.Name: {"1", "0", "0", "0", "0", "0", "0", "1"},
	}, tableShown(r))
	require.Equal(t, "3", r.Table.Total.String(), "three choices")

	r, err = w.breakdown(t, w.op, sim.ByConnection)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1, "the factory's one connection")
	require.Equal(t, []string{"1", "1", "0", "0", "0", "0", "0", "1", "3"}, tableShown(r)[r.Labels[0]],
		"chose nobody, got no further than interested, placed")

	r, err = w.breakdown(t, w.userA, sim.ByConnection)
	require.NoError(t, err)
	require.True(t, r.Released)
	require.Equal(t, sim.ReleaseTable([][]int64{{1, 1, 0, 0, 0, 0, 0, 1}}), r.Table, "released by sim.ReleaseTable, with what it withholds besides")
	require.Contains(t, r.Notes()[2], "disclosure control")

	_, err = w.breakdown(t, w.op, "surname")
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = w.breakdown(t, w.candActor, sim.ByRegion)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Anonymising people changes no breakdown, by any dimension.
func TestReportBreakdownCountsGhosts(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	all := func() map[sim.BreakdownDimension]map[string][]string {
		out := map[sim.BreakdownDimension]map[string][]string{}
		for _, d := range sim.BreakdownDimensions {
			r, err := w.breakdown(t, w.op, d)
			require.NoError(t, err)
			out[d] = tableShown(r)
		}
		return out
	}
	before := all()
	require.NoError(t, w.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.Anonymise(context.Background(), []string{w.cand.Candidate.ID, w.second.Candidate.ID})
		return err
	}))
	require.Equal(t, before, all())
}

// The register of information requests: logged, acknowledged, supplied
// with a release kept with its SHA-256, every step audited; a company's
// request denied by policy and flagged at once; the register the
// operator's alone, through the Store and through row-level security.
func TestInfoRequestRegister(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	ctx := context.Background()
	var r sim.InfoRequest
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		r, err = tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "An MSc dissertation", "Placements by region", false, w.now)
		return err
	}))
	require.Equal(t, sim.InfoReceived, r.State)
	err := w.in(t, w.op, func(tx *db.Tx) error {
		_, err := tx.InfoRequestSupply(ctx, r.ID, db.InfoReleaseFiles{Report: "funnel", PDF: []byte("%PDF"), XLSX: []byte("PK")}, w.now)
		return err
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "acknowledged first")
	require.Equal(t, 0, w.count(t, "SELECT count(*) FROM info_releases"), "the refused supply stored nothing")

	var release sim.FunnelReport
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		if r, err = tx.InfoRequestAcknowledge(ctx, r.ID, w.now.Add(time.Hour)); err != nil {
			return err
		}
		if release, err = tx.ReleaseFunnel(ctx, w.period, w.now); err != nil {
			return err
		}
		r, err = tx.InfoRequestSupply(ctx, r.ID, db.InfoReleaseFiles{Report: "funnel", PDF: []byte("%PDF-1.3 the release"), XLSX: []byte("PK the workbook")}, w.now.Add(2*time.Hour))
		return err
	}))
	require.True(t, release.Released, "what leaves the programme goes through disclosure control, even when the operator releases it")
	require.Equal(t, "*", release.Programme[0].People.String())
	require.Equal(t, sim.InfoSupplied, r.State)
	var stored db.InfoRelease
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		stored, err = tx.InfoReleaseOf(ctx, r.ID)
		return err
	}))
	sum := sha256.Sum256([]byte("%PDF-1.3 the release"))
	require.Equal(t, sum[:], stored.PDFSHA256)
	require.Equal(t, []byte("PK the workbook"), stored.XLSX)

	var company sim.InfoRequest
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		company, err = tx.InfoRequestLog(ctx, sim.RequesterCommercial, "Acme Equipment Ltd", "Marketing", "Every organisation's contacts", true, w.now)
		return err
	}))
	require.Equal(t, sim.InfoDenied, company.State)
	require.True(t, company.Flagged)
	w.linkAudit(t)
	rows, err := w.db.Admin.Query(ctx, "SELECT action FROM audit_events WHERE object_type = 'info_request' ORDER BY id")
	require.NoError(t, err)
	actions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"info_request.logged", "info_request.acknowledged", "info_request.supplied", "info_request.logged", "info_request.denied"}, actions,
		"every step audited: the academic's, then the company's")

	var register []sim.InfoRequest
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		register, err = tx.InfoRequests(ctx, nil, 50)
		return err
	}))
	require.Len(t, register, 2, "denied or supplied, both stay in the register")

	_, err = w.funnelRegister(t, w.userA)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	var seen int
	require.NoError(t, w.in(t, w.userA, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM info_requests) + (SELECT count(*) FROM info_releases)").Scan(&seen)
	}))
	require.Zero(t, seen, "row-level security: not an organisation's to read")
}

// The register pages through every request, open ones first (oldest
// first), then closed ones (latest closed first), each once, however the
// requests' times tie.
func TestInfoRegisterPagesEveryRequest(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	ctx := context.Background()
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		for i := range 9 {
			at := w.now.Add(time.Duration(i%3) * time.Hour) // three at each time
			r, err := tx.InfoRequestLog(ctx, sim.RequesterAcademic, fmt.Sprintf("University %d", i), "Research", "People by region", false, at)
			if err != nil {
				return err
			}
			switch i % 4 {
			case 1:
				_, err = tx.InfoRequestDeny(ctx, r.ID, "Not ours to give", w.now.Add(5*time.Hour))
			case 2:
				_, err = tx.InfoRequestAcknowledge(ctx, r.ID, at.Add(time.Hour))
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.InfoRequestLog(ctx, sim.RequesterCommercial, "Acme Ltd", "Marketing", "Contacts", true, w.now.Add(5*time.Hour))
		return err
	}))
	var all []sim.InfoRequest
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		all, err = tx.InfoRequests(ctx, nil, 100)
		return err
	}))
	require.Len(t, all, 10)
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		switch {
		case a.Open() && b.Open():
			require.False(t, b.ReceivedAt.Before(a.ReceivedAt), "open ones oldest first")
		case !a.Open() && !b.Open():
			require.False(t, b.ClosedAt.After(a.ClosedAt), "closed ones latest first")
		default:
			require.True(t, a.Open(), "open ones before closed ones")
		}
	}
	for _, size := range []int{1, 2, 3, 4} {
		var paged []sim.InfoRequest
		var after *db.InfoRequestCursor
		for range 20 {
			var page []sim.InfoRequest
			require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
				var err error
				page, err = tx.InfoRequests(ctx, after, size)
				return err
			}))
			paged = append(paged, page...)
			if len(page) < size {
				break
			}
			c := db.InfoRequestCursorOf(page[len(page)-1])
			after = &c
		}
		require.Equal(t, all, paged, "pages of %d", size)
	}
}

func (w *reportWorld) funnelRegister(t *testing.T, actor sim.Actor) ([]sim.InfoRequest, error) {
	t.Helper()
	var out []sim.InfoRequest
	err := w.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.InfoRequests(context.Background(), nil, 50)
		return err
	})
	return out, err
}

// The follow-up of the period's placements: at each check-in, how many
// placements and how they answered; exact for the operator and for the
// placer's own, released to an organisation for the programme; the same
// once the placed candidate is anonymised.
func TestReportFollowUps(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	ctx := context.Background()
	var interest string
	require.NoError(t, w.db.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1 AND org_id = $2", w.cand.Candidate.ID, w.orgA.ID).Scan(&interest))
	for months, answer := range map[int]string{3: "in_post", 6: "no_answer"} {
		_, err := w.db.Admin.Exec(ctx, `INSERT INTO follow_ups (id, interest_id, months, due_on, asked_at, answer, answered_at)
			VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $4)`, interest, months, w.now.AddDate(0, months, 0), w.now, answer)
		require.NoError(t, err)
	}
	followUps := func(actor sim.Actor, org string) (sim.FollowUpReport, error) {
		var r sim.FollowUpReport
		err := w.in(t, actor, func(tx *db.Tx) error {
			var err error
			r, err = tx.ReportFollowUps(ctx, w.period, org, w.now)
			return err
		})
		return r, err
	}
	shown := func(r sim.FollowUpReport) []string {
		var out []string
		for _, f := range r.Rows {
			out = append(out, fmt.Sprintf("%d: placed %s, answered %s, in post %s, no answer %s", f.Months, f.Placed, f.Answered, f.InPost, f.NoAnswer))
		}
		return out
	}
	exact := []string{"3: placed 1, answered 1, in post 1, no answer 0", "6: placed 1, answered 0, in post 0, no answer 1", "12: placed 1, answered 0, in post 0, no answer 0"}
	r, err := followUps(w.op, "")
	require.NoError(t, err)
	require.Equal(t, exact, shown(r))
	require.Equal(t, 1.0, r.Rows[0].StillInPost.Value)
	require.Equal(t, sim.WithheldFewPeople, r.Rows[1].StillInPost.Withheld, "nobody answered")
	r, err = followUps(w.userA, w.orgA.ID)
	require.NoError(t, err)
	require.False(t, r.Released)
	require.Equal(t, exact, shown(r), "the placer's own, exactly")
	r, err = followUps(w.userA, "")
	require.NoError(t, err)
	require.True(t, r.Released)
	require.Equal(t, []string{"3: placed *, answered *, in post *, no answer 0", "6: placed *, answered 0, in post 0, no answer *", "12: placed *, answered 0, in post 0, no answer 0"}, shown(r))
	_, err = followUps(w.userB, w.orgA.ID)
	require.ErrorIs(t, err, sim.ErrNotFound)

	require.NoError(t, w.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.Anonymise(ctx, []string{w.cand.Candidate.ID})
		return err
	}))
	r, err = followUps(w.op, "")
	require.NoError(t, err)
	require.Equal(t, exact, shown(r), "a ghost's answers count as the person's did")
	requireCountsExact(t, w.testBundle)
}

// The operator's view of the programme counts what the tables hold, and
// is the operator's alone.
func TestProgrammeView(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	ctx := context.Background()
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		_, err := tx.InfoRequestLog(ctx, sim.RequesterCommercial, "Acme Ltd", "Marketing", "Contacts", true, w.now)
		if err != nil {
			return err
		}
		_, err = tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "A dissertation", "The funnel", false, w.now)
		return err
	}))
	_, err := w.db.Admin.Exec(ctx, `INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES (gen_random_uuid(), $1, '{random_sample}', $2)`,
		w.second.Candidate.ID, w.now)
	require.NoError(t, err)
	var v sim.ProgrammeView
	require.NoError(t, w.in(t, w.op, func(tx *db.Tx) error {
		var err error
		v, err = tx.ProgrammeView(ctx, w.now)
		return err
	}))
	onboarding := map[string]int64{}
	rows, err := w.db.Admin.Query(ctx, "SELECT onboarding, count(*) FROM organisations GROUP BY 1")
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var n int64
		require.NoError(t, rows.Scan(&k, &n))
		onboarding[k] = n
	}
	require.NoError(t, rows.Err())
	require.Equal(t, onboarding, v.OrganisationsBy["onboarding"])
	var orgs int64
	for _, n := range v.OrganisationsBy["agreement"] {
		orgs += n
	}
	require.EqualValues(t, w.count(t, "SELECT count(*) FROM organisations"), orgs, "every organisation has an agreement state")
	require.EqualValues(t, 1, v.OpenSpotChecks)
	require.Equal(t, map[sim.InfoRequestState]int64{sim.InfoReceived: 1}, v.OpenInfoRequests)
	require.EqualValues(t, 1, v.FlaggedInfoRequests)
	err = w.in(t, w.userA, func(tx *db.Tx) error { _, err := tx.ProgrammeView(ctx, w.now); return err })
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}
