package db_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

// ghostRow is a ghost as stored, its ID left out, outcomes in order.
type ghostRow struct {
	RegisteredMonth, AgeBand, Connection, Region, HeardAbout string
	Outcomes                                                 []string
}

func ghostRowOf(g sim.Ghost) ghostRow {
	r := ghostRow{RegisteredMonth: g.RegisteredMonth.Format(time.DateOnly), AgeBand: string(g.AgeBand),
		Connection: string(g.Connection), Region: string(g.Region), HeardAbout: string(g.HeardAbout)}
	for _, o := range g.Outcomes {
		placed := ""
		if !o.PlacedMonth.IsZero() {
			placed = o.PlacedMonth.Format(time.DateOnly)
		}
		s := fmt.Sprintf("%s/%s/%s", o.OrgID, o.Furthest, placed)
		for _, m := range slices.Sorted(mapsKeys(o.FollowUps)) {
			s += fmt.Sprintf("/%d:%s", m, o.FollowUps[m])
		}
		r.Outcomes = append(r.Outcomes, s)
	}
	slices.Sort(r.Outcomes)
	return r
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func compareGhosts(a, b ghostRow) int {
	return cmp.Or(cmp.Compare(a.RegisteredMonth, b.RegisteredMonth), cmp.Compare(a.AgeBand, b.AgeBand),
		cmp.Compare(a.Connection, b.Connection), cmp.Compare(a.Region, b.Region), cmp.Compare(a.HeardAbout, b.HeardAbout),
		slices.Compare(a.Outcomes, b.Outcomes))
}

// storedGhosts reads every ghost, with its outcomes and follow-ups.
func storedGhosts(t *testing.T, d *testdb.DB) []ghostRow {
	t.Helper()
	rows, err := d.Admin.Query(context.Background(), `
		SELECT g.registered_month::text, g.age_band, g.connection, g.region, g.heard_about,
		       coalesce(array_agg(o.org_id::text || '/' || o.furthest || '/' || coalesce(o.placed_month::text, '') ||
		           coalesce((SELECT string_agg('/' || f.months || ':' || f.answer, '' ORDER BY f.months)
		                     FROM ghost_follow_ups f WHERE f.ghost_id = o.ghost_id AND f.org_id = o.org_id), ''))
		           FILTER (WHERE o.org_id IS NOT NULL), '{}')
		FROM ghosts g LEFT JOIN ghost_outcomes o ON o.ghost_id = g.id
		GROUP BY g.id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []ghostRow
	for rows.Next() {
		var r ghostRow
		require.NoError(t, rows.Scan(&r.RegisteredMonth, &r.AgeBand, &r.Connection, &r.Region, &r.HeardAbout, &r.Outcomes))
		slices.Sort(r.Outcomes)
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	slices.SortFunc(out, compareGhosts)
	return out
}

// Ghost records keep every total: over random synthetic populations
// (sim/simulate, with follow-up answers added to their placements), every
// total the reports are built from, counted over live candidates and
// ghosts together, is the same before and after a random share of the
// population is anonymised; and each ghost is exactly what sim.GhostOf
// makes of its candidate, so the SQL that makes ghosts and the Go rule
// cannot drift.
func TestGhostsKeepEveryTotal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, seed := range []uint64{3, 17, 2026} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			d := testdb.New(t)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			o := simulate.Options{Seed: seed, Candidates: 120, Orgs: 5, UsersPerOrg: 1, Now: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
			cohort, err := simulate.Generate(o)
			require.NoError(t, err)
			_, err = db.LoadCohort(ctx, d.AdminURL, o, db.LoadOptions{Password: cohortPassword})
			require.NoError(t, err)

			// Follow-up answers for the placements, drawn from the seed.
			r := rand.New(rand.NewPCG(seed, 7))
			answers := map[string]map[int]sim.FollowUpAnswer{} // by interest
			for _, c := range cohort.Candidates {
				for _, in := range c.Interests {
					if in.State != sim.InterestPlaced {
						continue
					}
					answers[in.ID] = map[int]sim.FollowUpAnswer{}
					for _, months := range []int{3, 6, 12}[:r.IntN(4)] {
						a := []sim.FollowUpAnswer{sim.FollowUpInPost, sim.FollowUpNotInPost, sim.FollowUpNoAnswer}[r.IntN(3)]
						answers[in.ID][months] = a
						_, err := d.Admin.Exec(ctx, `INSERT INTO follow_ups (id, interest_id, months, due_on, asked_at, answer, answered_at)
							VALUES (gen_random_uuid(), $1, $2, $3::date, $4, $5, $4)`, in.ID, months, o.Now.AddDate(0, -1, 0), o.Now, string(a))
						require.NoError(t, err)
					}
				}
			}
			require.NotEmpty(t, answers, "the population has placements to follow up")

			totals := func() map[string]int64 { return reportingTotals(t, store) }
			before := totals()
			require.Positive(t, before["connection/"+string(cohort.Candidates[0].Profile.Connection)])

			// A random share, in two batches, one of them repeated.
			var chosen []simulate.Candidate
			for _, c := range cohort.Candidates {
				if r.IntN(3) == 0 {
					chosen = append(chosen, c)
				}
			}
			ids := make([]string, len(chosen))
			for i, c := range chosen {
				ids[i] = c.ID
			}
			half := len(ids) / 2
			for _, batch := range [][]string{ids[:half], ids[half:], ids[:half]} {
				require.NoError(t, store.InTx(ctx, sim.System, func(tx *db.Tx) error {
					_, err := tx.Anonymise(ctx, batch)
					return err
				}))
			}
			require.Equal(t, before, totals(), "every total is the same after anonymising %d of %d", len(ids), len(cohort.Candidates))
			require.Zero(t, countWhere(t, d, "SELECT count(*) FROM candidates WHERE id = ANY($1::uuid[])", ids))

			var want []ghostRow
			for _, c := range chosen {
				src := sim.GhostSource{RegisteredAt: c.RegisteredAt, DateOfBirth: c.Profile.DateOfBirth, Connection: c.Profile.Connection,
					Region: c.Profile.Region, HeardAbout: c.Profile.HeardAbout}
				for _, in := range c.Interests {
					gi := sim.GhostInterest{OrgID: in.OrgID, FollowUps: answers[in.ID]}
					for _, iv := range in.Interventions {
						gi.Interventions = append(gi.Interventions, iv.Intervention)
					}
					src.Interests = append(src.Interests, gi)
				}
				want = append(want, ghostRowOf(sim.GhostOf("", src)))
			}
			slices.SortFunc(want, compareGhosts)
			require.Equal(t, want, storedGhosts(t, d), "each ghost is sim.GhostOf of its candidate")
		})
	}
}

func countWhere(t *testing.T, d *testdb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, d.Admin.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// The retention sweep's batches, each anonymised in several transactions
// side by side (AnonymiseDue), make every due candidate exactly one ghost
// and leave every total as it was, whatever the batch size and number of
// parts; a run again changes nothing.
func TestAnonymiseDueInPartsKeepsEveryTotal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct{ limit, parts int }{{limit: 50, parts: 1}, {limit: 64, parts: 3}, {limit: 1000, parts: 4}} {
		t.Run(fmt.Sprintf("batches of %d in %d parts", c.limit, c.parts), func(t *testing.T) {
			t.Parallel()
			d := testdb.New(t)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			o := simulate.Options{Seed: 11, Candidates: 150, Orgs: 4, UsersPerOrg: 1, Now: time.Now().UTC().AddDate(-4, 0, 0).Truncate(time.Second)}
			_, err := db.LoadCohort(ctx, d.AdminURL, o, db.LoadOptions{Password: cohortPassword})
			require.NoError(t, err)
			totals := func() map[string]int64 { return reportingTotals(t, store) }
			before := totals()
			// Registered four to seven years ago, never active since: every
			// candidate is due.
			due := countWhere(t, d, "SELECT count(*) FROM candidates")
			require.Positive(t, due)

			after, done, batches := "", 0, 0
			for {
				n, next, full, err := store.AnonymiseDue(ctx, sim.System, sim.DefaultRetention, time.Now(), after, c.limit, c.parts)
				require.NoError(t, err)
				done, batches = done+n, batches+1
				if !full {
					break
				}
				after = next
			}
			require.Equal(t, due, done, "every due candidate became a ghost, in %d batches", batches)
			again, _, _, err := store.AnonymiseDue(ctx, sim.System, sim.DefaultRetention, time.Now(), "", c.limit, c.parts)
			require.NoError(t, err)
			require.Zero(t, again, "a run again from the start finds nothing more to do")
			require.Equal(t, due, countWhere(t, d, "SELECT count(*) FROM ghosts"), "one ghost each")
			require.Zero(t, countWhere(t, d, "SELECT count(*) FROM candidates"))
			require.Equal(t, before, totals(), "every total is the same")
		})
	}
}

// reportingTotals are the reporting views' totals, read as the engine.
func reportingTotals(t *testing.T, store *db.Store) map[string]int64 {
	t.Helper()
	var out map[string]int64
	require.NoError(t, store.InTx(context.Background(), sim.System, func(tx *db.Tx) error {
		var err error
		out, err = tx.ReportingTotals(context.Background())
		return err
	}))
	return out
}
