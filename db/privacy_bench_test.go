package db_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

// benchAnonymiseCandidates is how many due candidates the anonymisation
// benchmark loads: 100,000, or MUSTER_BENCH_ANONYMISE when set (smaller,
// to try it).
func benchAnonymiseCandidates() int {
	if n, err := strconv.Atoi(os.Getenv("MUSTER_BENCH_ANONYMISE")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// BenchmarkAnonymise: a cohort of candidates all past their record's
// period (registered four to seven years ago, never active since),
// anonymised into ghost records. "store" is the retention sweep's own
// work: keyset batches of activities.RetentionBatch due candidates, each
// anonymised through the Store (AnonymiseDue: activities.AnonymiseParts
// transactions side by side) as the engine, under row-level security, by
// the statements the data inventory generates. "ceiling" is the same rows
// in one bare set-based transaction on a superuser connection: the
// ghosts inserted from the reporting views, then the accounts and the
// candidates deleted (cascading to everything that hangs off them). Each
// measurement runs on a fresh copy of the loaded database.
func BenchmarkAnonymise(b *testing.B) {
	ctx := context.Background()
	n := benchAnonymiseCandidates()
	loaded := testdb.New(b)
	o := simulate.Options{Seed: 5, Candidates: n, Orgs: 50, UsersPerOrg: 3, Now: time.Now().UTC().AddDate(-4, 0, 0).Truncate(time.Second)}
	_, err := db.LoadCohort(ctx, loaded.AdminURL, o, db.LoadOptions{Password: cohortPassword})
	require.NoError(b, err)
	var rows int64
	require.NoError(b, loaded.Admin.QueryRow(ctx, "SELECT (SELECT count(*) FROM candidates) + (SELECT count(*) FROM interests) + (SELECT count(*) FROM interventions) + (SELECT count(*) FROM journey_events) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM users WHERE role = 'candidate')").Scan(&rows))
	b.Logf("%d candidates, %d rows about them", n, rows)

	b.Run("store", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			d := loaded.Clone(b)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			b.StartTimer()
			start := time.Now()
			after, done := "", 0
			for {
				n, next, full, err := store.AnonymiseDue(ctx, sim.System, sim.DefaultRetention, time.Now(), after, activities.RetentionBatch, activities.AnonymiseParts)
				require.NoError(b, err)
				done += n
				if !full {
					break
				}
				after = next
			}
			b.ReportMetric(float64(done)/time.Since(start).Seconds(), "candidates/s")
			b.StopTimer()
			require.Equal(b, n, done)
			d.App.Close()
			d.Admin.Close()
			b.StartTimer()
		}
	})
	b.Run("ceiling", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			d := loaded.Clone(b)
			b.StartTimer()
			start := time.Now()
			var done int64
			require.NoError(b, pgx.BeginFunc(ctx, d.Admin, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `CREATE TEMP TABLE due ON COMMIT DROP AS
					SELECT c.id, c.user_id, gen_random_uuid() AS ghost_id FROM candidates c WHERE c.registered_at < now() - interval '3 years'`); err != nil {
					return err
				}
				for _, q := range []string{
					`INSERT INTO ghosts SELECT d.ghost_id, p.registered_month, p.age_band, p.connection, p.region, p.heard_about FROM due d JOIN reporting_people p ON p.candidate_id = d.id`,
					`INSERT INTO ghost_outcomes SELECT d.ghost_id, o.org_id, o.furthest, o.placed_month FROM due d JOIN reporting_outcomes o ON o.candidate_id = d.id`,
					`INSERT INTO ghost_follow_ups SELECT d.ghost_id, f.org_id, f.months, f.answer FROM due d JOIN reporting_follow_ups f ON f.candidate_id = d.id`,
					`DELETE FROM login_events WHERE user_id IN (SELECT user_id FROM due)`,
					`DELETE FROM candidates WHERE id IN (SELECT id FROM due)`,
					`DELETE FROM users WHERE id IN (SELECT user_id FROM due)`,
				} {
					tag, err := tx.Exec(ctx, q)
					if err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
					if q[:11] == "DELETE FROM" && q[12:22] == "candidates" {
						done = tag.RowsAffected()
					}
				}
				return nil
			}))
			b.ReportMetric(float64(done)/time.Since(start).Seconds(), "candidates/s")
			b.StopTimer()
			require.EqualValues(b, n, done)
			d.App.Close()
			d.Admin.Close()
			b.StartTimer()
		}
	})
}

// BenchmarkExport: everything held about a candidate with 1,000 messages
// in their thread, read through the Store as the candidate themselves
// (every statement the inventory generates, under row-level security) and
// written as JSON, as zipped CSV and as an XLSX workbook; beside it the
// ceiling, the same rows read by bare pgx (each table's rows as JSON) on a
// superuser connection.
func BenchmarkExport(b *testing.B) {
	ctx := context.Background()
	bb := &testBundle{db: testdb.New(b)}
	bb.store = db.NewStore(bb.db.App, sim.DefaultSessionPolicy)
	bb.op = testfactory.Actor(testfactory.User(b, bb.db, testfactory.UserOpts{}))
	cand := testfactory.Candidate(b, bb.db, testfactory.CandidateOpts{})
	org := testfactory.Organisation(b, bb.db, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(b, bb.db, testfactory.OrgUserOpts{OrgID: org.ID})
	actor := testfactory.Actor(cand.User)
	require.NoError(b, bb.store.InTx(ctx, actor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{org.ID}, time.Now())
		return err
	}))
	for i := range 1000 {
		who, key := actor, db.ThreadKey{OrgID: org.ID, Mine: true}
		if i%2 == 1 {
			who, key = staff, db.ThreadKey{OrgID: org.ID, CandidateID: cand.Candidate.ID}
		}
		require.NoError(b, bb.store.InTx(ctx, who, func(tx *db.Tx) error {
			_, err := tx.MessageSend(ctx, key, fmt.Sprintf("Message %d about the information day, the interview and what to bring.", i), time.Now())
			return err
		}))
	}
	read := func() sim.SubjectAccess {
		var out sim.SubjectAccess
		require.NoError(b, bb.store.InTx(ctx, actor, func(tx *db.Tx) error {
			var err error
			out, err = tx.SubjectAccess(ctx, cand.Candidate.ID, time.Now())
			return err
		}))
		return out
	}
	for _, form := range []struct {
		name  string
		write func(io.Writer, sim.SubjectAccess) error
	}{{"json", render.SubjectJSON}, {"csv", render.SubjectCSVZip}, {"xlsx", render.SubjectXLSX}} {
		b.Run("store/"+form.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				require.NoError(b, form.write(&buf, read()))
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
	b.Run("ceiling", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, pgx.BeginFunc(ctx, bb.db.Admin, func(tx pgx.Tx) error {
				var uid string
				if err := tx.QueryRow(ctx, "SELECT user_id::text FROM candidates WHERE id = $1", cand.Candidate.ID).Scan(&uid); err != nil {
					return err
				}
				for table, p := range subjectTables() {
					id := cand.Candidate.ID
					if p.Kind == sim.SubjectUser {
						id = uid
					}
					rows, err := tx.Query(ctx, "SELECT to_jsonb(r) FROM ("+aboutRowsSQL(table, p)+") r", id)
					if err != nil {
						return err
					}
					for rows.Next() {
						var raw []byte
						if err := rows.Scan(&raw); err != nil {
							return err
						}
					}
					rows.Close()
				}
				return nil
			}))
		}
	})
}
