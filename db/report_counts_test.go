package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// requireCountsExact checks the reports' counts kept as data (migration
// 00023) against the base tables: every kept count equals a count from
// scratch, every person's kept cells are their cells now, nothing is left
// marked, and every report read from the counts equals the same report
// computed from the base tables, for the programme and every
// organisation, over all time and over the month of now.
func requireCountsExact(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := context.Background()
	one := func(what, sql string) {
		t.Helper()
		var n int
		require.NoError(t, b.db.Admin.QueryRow(ctx, sql).Scan(&n), what)
		require.Zero(t, n, what)
	}
	const everyone = `(SELECT coalesce(array_agg(id), '{}') FROM (SELECT id FROM candidates UNION ALL SELECT id FROM ghosts) x)`
	one("every kept count equals a count from scratch", `
		WITH fresh AS (
			SELECT (f.cell).cube, (f.cell).org_id, (f.cell).month, (f.cell).dim, (f.cell).key, (f.cell).stage, (f.cell).days, count(*) AS n
			FROM report_cells_of(`+everyone+`) f GROUP BY 1, 2, 3, 4, 5, 6, 7
		), kept AS (
			SELECT cube, org_id, month, dim, key, stage, days, n FROM report_counts
		)
		SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM fresh)) d`)
	one("every person's kept cells are their cells now", `
		WITH fresh AS (
			SELECT f.person, array_agg(f.cell ORDER BY f.cell) AS cells FROM report_cells_of(`+everyone+`) f GROUP BY f.person
		)
		SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT SELECT * FROM report_people) UNION ALL (SELECT * FROM report_people EXCEPT SELECT * FROM fresh)) d`)
	one("nothing is left marked after commit", `SELECT count(*) FROM report_dirty`)
	one("no count is negative, and a cell nobody is in goes", `SELECT count(*) FROM report_counts WHERE n <= 0`)
	one("every year's count is the sum of its months'", `
		WITH fresh AS (
			SELECT cube, org_id, date_trunc('year', month)::date AS year, dim, key, stage, days, sum(n) AS n
			FROM report_counts GROUP BY 1, 2, 3, 4, 5, 6, 7
		), kept AS (
			SELECT cube, org_id, year, dim, key, stage, days, n FROM report_years
		)
		SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM fresh)) d`)

	tx, err := b.db.Admin.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "SELECT set_config('app.role', 'operator', true)")
	require.NoError(t, err)
	// All time (whole years only), this month (a month only), and spans
	// with whole years and months before and after them, or months of
	// two years and no whole year, one starting in the middle of a month.
	now := time.Now().UTC()
	first := func(years, months int) string {
		return time.Date(now.Year()+years, now.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	for _, span := range [][2]string{
		{"2000-01-01", "2100-12-01"}, {first(0, 0), first(0, 0)},
		{first(-9, 0), first(0, 0)}, {first(-3, 5), first(-1, -2)}, {first(-2, 7), first(-1, 3)},
		{time.Date(now.Year()-4, 1, 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), first(0, -1)},
		{time.Date(now.Year()-5, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), time.Date(now.Year()-1, 12, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)},
	} {
		queries := []string{`SELECT count(*) FROM unnest(ARRAY['organisation', 'organisation_type', 'organisation_region', 'region',
				'connection', 'heard_about', 'age_band', 'registered_month']) dim, LATERAL (
				(SELECT * FROM report_breakdown($1, $2, dim) EXCEPT SELECT * FROM report_breakdown_base($1, $2, dim))
				UNION ALL (SELECT * FROM report_breakdown_base($1, $2, dim) EXCEPT SELECT * FROM report_breakdown($1, $2, dim))) d`}
		for _, f := range []string{"report_funnel", "report_follow_ups", "report_medians"} {
			queries = append(queries, fmt.Sprintf(`SELECT count(*) FROM (SELECT NULL::uuid AS id UNION ALL SELECT id FROM organisations) o, LATERAL (
				(SELECT * FROM %[1]s($1, $2, o.id) EXCEPT SELECT * FROM %[1]s_base($1, $2, o.id))
				UNION ALL (SELECT * FROM %[1]s_base($1, $2, o.id) EXCEPT SELECT * FROM %[1]s($1, $2, o.id))) d`, f))
		}
		for _, q := range queries {
			var n int
			require.NoError(t, tx.QueryRow(ctx, q, span[0], span[1]).Scan(&n), q)
			require.Zero(t, n, "a report from the counts differs from the same report from the base tables, %s to %s:\n%s", span[0], span[1], q)
		}
	}
}

// Whatever happens to whom, in whichever order and however concurrently,
// the counts stay those of the base tables: people register, choose and
// drop organisations, organisations record support (two at once on the
// same person), answers to follow-ups change, people correct their
// details, and some are anonymised while others act.
func TestReportCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	requireCountsExact(t, j.testBundle)

	people := []testfactory.Registered{j.cand}
	for i := range 11 {
		people = append(people, testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: fmt.Sprintf("person%d@example.org", i)}))
	}
	requireCountsExact(t, j.testBundle)
	for _, p := range people {
		_, err := j.choose(t, testfactory.Actor(p.User), j.now, j.orgA.ID, j.orgB.ID)
		require.NoError(t, err)
	}
	requireCountsExact(t, j.testBundle)

	kinds := []sim.InterventionKind{sim.InterventionContacted, sim.InterventionInfoDay, sim.InterventionInterview, sim.InterventionOffer}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var done int
	// The anonymisation starts once the writers have made six changes, so
	// that it runs among them (or once they are done, should fewer succeed).
	acting := make(chan struct{})
	var actingOnce sync.Once
	var writers sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		writers.Add(1)
		go func() {
			defer wg.Done()
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 17))
			for range 25 {
				p := people[r.IntN(len(people))]
				actor, org := j.userA, j.orgA.ID
				if r.IntN(2) == 0 {
					actor, org = j.userB, j.orgB.ID
				}
				var err error
				switch r.IntN(5) {
				case 0, 1, 2:
					iv := sim.Intervention{Kind: kinds[r.IntN(len(kinds))], On: j.now}
					err = j.in(t, actor, func(tx *db.Tx) error {
						_, _, err := tx.InterventionRecord(ctx, org, p.Candidate.ID, iv, j.now)
						return err
					})
				case 3:
					_, err = j.db.Admin.Exec(ctx, "UPDATE candidates SET region = $2 WHERE id = $1",
						p.Candidate.ID, []string{"London", "North East and Yorkshire", "South West"}[r.IntN(3)])
				case 4:
					_, err = j.db.Admin.Exec(ctx, `UPDATE follow_ups SET answer = $2, answered_at = now()
						WHERE interest_id IN (SELECT id FROM interests WHERE candidate_id = $1)`, p.Candidate.ID, []string{"in_post", "not_in_post"}[r.IntN(2)])
				}
				if err == nil {
					mu.Lock()
					done++
					if done == 6 {
						actingOnce.Do(func() { close(acting) })
					}
					mu.Unlock()
				}
			}
		}()
	}
	go func() {
		writers.Wait()
		actingOnce.Do(func() { close(acting) })
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-acting
		require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
			_, err := tx.Anonymise(ctx, []string{people[10].Candidate.ID, people[11].Candidate.ID})
			return err
		}))
	}()
	wg.Wait()
	require.Positive(t, done, "some of the changes were made")
	j.place(t, j.testBundle)
	requireCountsExact(t, j.testBundle)

	_, err := j.db.Admin.Exec(ctx, `INSERT INTO follow_ups (id, interest_id, months, due_on, asked_at, answer, answered_at)
		SELECT gen_random_uuid(), i.id, 3, now(), now(), 'in_post', now() FROM interests i WHERE i.candidate_id = $1 AND i.org_id = $2`,
		j.cand.Candidate.ID, j.orgA.ID)
	require.NoError(t, err)
	requireCountsExact(t, j.testBundle)
	require.NoError(t, j.removeInterest(t, testfactory.Actor(people[3].User), j.orgB.ID, j.now.Add(time.Minute)))
	_, err = j.db.Admin.Exec(ctx, "DELETE FROM interests WHERE candidate_id = $1", people[4].Candidate.ID)
	require.NoError(t, err)
	requireCountsExact(t, j.testBundle)
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.Anonymise(ctx, []string{j.cand.Candidate.ID, people[5].Candidate.ID})
		return err
	}))
	_, err = j.db.Admin.Exec(ctx, "DELETE FROM candidates WHERE id = $1", people[6].Candidate.ID)
	require.NoError(t, err)
	requireCountsExact(t, j.testBundle)
	_, err = j.db.Admin.Exec(ctx, "DELETE FROM ghosts WHERE id IN (SELECT id FROM ghosts LIMIT 1)")
	require.NoError(t, err)
	requireCountsExact(t, j.testBundle)
}

// The median days between stages: over the intervals from the stage each
// person reached before (here, choosing the organisation) to this one;
// exact for the operator, withheld from organisations under 8 intervals;
// unchanged when people are anonymised, as their ghosts keep the
// intervals (and no dates).
func TestReportMedians(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	people := []testfactory.Registered{j.cand,
		testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "second@example.org"}),
		testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "third@example.org"})}
	for i, p := range people {
		_, err := j.choose(t, testfactory.Actor(p.User), j.now, j.orgA.ID)
		require.NoError(t, err)
		_, err = j.recordSupport(t, j.userA, j.orgA.ID, p.Candidate.ID,
			sim.Intervention{Kind: sim.InterventionContacted, On: j.now.AddDate(0, 0, []int{2, 10, 4}[i])}, j.now)
		require.NoError(t, err)
	}
	period, err := sim.NewReportPeriod(j.now.AddDate(0, -1, 0), j.now.AddDate(0, 1, 0))
	require.NoError(t, err)
	funnel := func(actor sim.Actor, org string) sim.FunnelReport {
		t.Helper()
		var r sim.FunnelReport
		require.NoError(t, j.in(t, actor, func(tx *db.Tx) error {
			var err error
			r, err = tx.ReportFunnel(context.Background(), period, org, j.now)
			return err
		}))
		return r
	}
	r := funnel(j.op, j.orgA.ID)
	require.Nil(t, r.Programme[0].MedianDays, "being invited has no stage before it")
	require.Nil(t, r.Programme[1].MedianDays, "nor, here, has registering")
	contacted := r.Programme[3]
	require.Equal(t, sim.FunnelStage("contacted"), contacted.Stage)
	require.Equal(t, sim.ReleasedStatistic{Value: 4}, *contacted.MedianDays, "the median of 2, 10 and 4 days")
	require.Equal(t, sim.ReleasedStatistic{Value: 4}, *r.Organisation[1].MedianDays, "A's own")
	require.Equal(t, sim.ReleasedStatistic{Withheld: sim.WithheldFewPeople}, *r.Programme[4].MedianDays, "nobody reached an information day")
	requireCountsExact(t, j.testBundle)

	released := funnel(j.userA, j.orgA.ID)
	require.Equal(t, sim.ReleasedStatistic{Withheld: sim.WithheldFewPeople}, *released.Programme[3].MedianDays, "3 intervals are fewer than 8")
	require.Equal(t, sim.ReleasedStatistic{Value: 4}, *released.Organisation[1].MedianDays, "their own, exactly")

	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.Anonymise(context.Background(), []string{people[1].Candidate.ID, people[2].Candidate.ID})
		return err
	}))
	require.Equal(t, r, funnel(j.op, j.orgA.ID), "anonymising changes no count and no median")
	requireCountsExact(t, j.testBundle)
}

// The report functions read with the owner's rights, so they check who
// asks themselves (report_may_ask), whatever the Store checked before:
// an organisation's user may not read another organisation's figures,
// nor a candidate any report, even by calling the functions directly.
func TestReportFunctionsRefuseWhoMayNotAsk(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	call := func(actor sim.Actor, sql string, args ...any) error {
		return j.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		})
	}
	for _, f := range []string{"report_funnel", "report_follow_ups", "report_medians", "report_funnel_base", "report_follow_ups_base", "report_medians_base"} {
		sql := "SELECT * FROM " + f + "('2026-01-01', '2026-12-01', $1)"
		require.NoError(t, call(j.userA, sql, j.orgA.ID), "%s: their own organisation's", f)
		require.NoError(t, call(j.userA, sql, nil), "%s: the programme's, which the Store releases", f)
		require.ErrorContains(t, call(j.userA, sql, j.orgB.ID), "SQLSTATE 42501", "%s: another organisation's", f)
		require.ErrorContains(t, call(j.candActor, sql, nil), "SQLSTATE 42501", "%s: a candidate", f)
		require.NoError(t, call(j.op, sql, j.orgB.ID), "%s: the operator", f)
	}
	for _, f := range []string{"report_breakdown", "report_breakdown_base"} {
		sql := "SELECT * FROM " + f + "('2026-01-01', '2026-12-01', 'region')"
		require.NoError(t, call(j.userA, sql), "%s: an organisation's user", f)
		require.ErrorContains(t, call(j.candActor, sql), "SQLSTATE 42501", "%s: a candidate", f)
	}
}
