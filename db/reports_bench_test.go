package db_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

// BenchmarkReports: the overview (the programme's funnel over the last
// twelve months) and the drill-downs (over nine years: the funnel, an
// organisation's funnel, breakdowns by region, organisation and its type,
// the follow-ups) over a synthetic cohort (10,000 candidates, and 100,000; MUSTER_BENCH_REPORTS
// sets others, as a comma-separated list), through the Store as the operator (report_funnel,
// report_breakdown: live and ghost records, with the owner's rights), beside
// the ceiling: the same figures by one bare SQL aggregate over the base
// tables (candidates, interests, interventions; no ghosts, as the cohort
// has none) on a superuser connection. Each op is one report; p95 is
// reported as p95-ms. See docs/benchmarks.md.
func BenchmarkReports(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if env := os.Getenv("MUSTER_BENCH_REPORTS"); env != "" {
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(b, err, "MUSTER_BENCH_REPORTS is a comma-separated list of sizes")
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			d := testdb.New(b)
			now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			_, err := db.LoadCohort(ctx, d.AdminURL, simulate.Options{Seed: 7, Candidates: n, Orgs: 50, Now: now}, db.LoadOptions{Password: cohortPassword})
			require.NoError(b, err)
			_, err = d.Admin.Exec(ctx, "VACUUM ANALYZE")
			require.NoError(b, err)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			operator := testfactory.Actor(testfactory.User(b, d, testfactory.UserOpts{Role: sim.RoleOperator}))
			overview := sim.DefaultReportPeriod(now)
			period, err := sim.NewReportPeriod(now.AddDate(-9, 0, 0), now)
			require.NoError(b, err)

			// The overview: the programme's funnel over the last twelve
			// months, with its conversions and medians.
			for _, p := range []struct {
				name   string
				period sim.ReportPeriod
			}{{"overview", overview}, {"funnel-9y", period}} {
				var funnel sim.FunnelReport
				b.Run(p.name+"/store", func(b *testing.B) {
					timed(b, func() {
						require.NoError(b, store.InTx(ctx, operator, func(tx *db.Tx) error {
							funnel, err = tx.ReportFunnel(ctx, p.period, "", now)
							return err
						}))
					})
				})
				b.Run(p.name+"/bare-sql", func(b *testing.B) {
					var registered, reached int64
					timed(b, func() {
						require.NoError(b, d.Admin.QueryRow(ctx, bareFunnelSQL, p.period.From, p.period.To).Scan(&registered, &reached))
					})
					require.Equal(b, funnel.Programme[1].People.Value, registered, "the ceiling counts what the Store counts")
					require.Equal(b, funnel.Programme[2].People.Value, reached)
				})
			}
			b.Run("breakdown/store", func(b *testing.B) {
				timed(b, func() {
					require.NoError(b, store.InTx(ctx, operator, func(tx *db.Tx) error {
						_, err := tx.ReportBreakdown(ctx, period, sim.ByRegion, now)
						return err
					}))
				})
			})
			b.Run("organisation-funnel/store", func(b *testing.B) {
				org := funnelOrg(b, d)
				timed(b, func() {
					require.NoError(b, store.InTx(ctx, operator, func(tx *db.Tx) error {
						_, err := tx.ReportFunnel(ctx, period, org, now)
						return err
					}))
				})
			})
			for _, by := range []sim.BreakdownDimension{sim.ByOrganisation, sim.ByOrgType} {
				b.Run("breakdown-by-"+string(by)+"/store", func(b *testing.B) {
					timed(b, func() {
						require.NoError(b, store.InTx(ctx, operator, func(tx *db.Tx) error {
							_, err := tx.ReportBreakdown(ctx, period, by, now)
							return err
						}))
					})
				})
			}
			b.Run("follow-ups/store", func(b *testing.B) {
				timed(b, func() {
					require.NoError(b, store.InTx(ctx, operator, func(tx *db.Tx) error {
						_, err := tx.ReportFollowUps(ctx, period, "", now)
						return err
					}))
				})
			})
			b.Run("breakdown/bare-sql", func(b *testing.B) {
				timed(b, func() {
					rows, err := d.Admin.Query(ctx, bareBreakdownSQL, period.From, period.To)
					require.NoError(b, err)
					for rows.Next() {
					}
					require.NoError(b, rows.Err())
				})
			})
		})
	}
}

// funnelOrg is the organisation with the most interests.
func funnelOrg(b *testing.B, d *testdb.DB) string {
	var org string
	require.NoError(b, d.Admin.QueryRow(context.Background(), "SELECT org_id::text FROM interests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").Scan(&org))
	return org
}

// timed runs do b.N times and reports the 95th percentile in ms.
func timed(b *testing.B, do func()) {
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		do()
		lat = append(lat, time.Since(start))
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[(len(lat)*95+99)/100-1])/float64(time.Millisecond), "p95-ms")
	}
}

// The ceilings: the funnel's first two figures (registered, and reached at
// least interested) and the breakdown by region, straight from the base
// tables.
const (
	bareFunnelSQL = `SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = c.id))
		FROM candidates c WHERE c.registered_at IS NOT NULL
		  AND date_trunc('month', c.registered_at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2`
	bareBreakdownSQL = `WITH reached AS (
		  SELECT i.candidate_id, max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
		         WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END) AS n
		  FROM interests i LEFT JOIN interventions v ON v.interest_id = i.id GROUP BY i.candidate_id)
		SELECT c.region, coalesce(r.n, 0), count(*) FROM candidates c LEFT JOIN reached r ON r.candidate_id = c.id
		WHERE c.registered_at IS NOT NULL AND date_trunc('month', c.registered_at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2
		GROUP BY 1, 2`
)
