package db_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

const cohortPassword = "synthetic cohort password"

// A loaded cohort is what its generator says, as the live code reads it:
// each organisation's people, signed in with the cohort's password,
// list exactly the candidates sim's visibility rule says they see
// (computed from the generated cohort, not from the database), under
// both settings of the policy; a candidate signs in and reads their own
// choices; every row references rows that exist; and candidates.sharing
// is the latest consent, as the trigger the loader turns off would keep it.
func TestLoadCohort(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	o := simulate.Options{Seed: 11, Candidates: 300, Orgs: 6, UsersPerOrg: 2, Now: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	cohort, err := simulate.Generate(o)
	require.NoError(t, err)

	var progress []db.LoadStats
	stats, err := db.LoadCohort(ctx, d.AdminURL, o, db.LoadOptions{
		Password: cohortPassword, BatchSize: 64,
		Progress: func(s db.LoadStats) { progress = append(progress, s) },
	})
	require.NoError(t, err)

	want := expectedCounts(cohort)
	require.Equal(t, want, stats)
	require.Len(t, progress, 1+(o.Candidates+63)/64, "after the organisations, then after each batch")
	require.Equal(t, stats, progress[len(progress)-1])
	counts := d.Counts(t)
	require.Equal(t, map[string]int64{
		"organisations": stats.Organisations, "org_agreements": stats.Agreements, "users": stats.Users,
		"conduct_acceptances": stats.ConductAcceptances, "candidates": stats.Candidates, "invitations": stats.Invitations,
		"consents": stats.Consents, "spot_checks": stats.SpotChecks, "interests": stats.Interests, "interventions": stats.Interventions,
		"journey_events": stats.JourneyEvents, "audit_events": 0, "workflow_outbox": 0,
		"threads": stats.Threads, "messages": stats.Messages,
	}, map[string]int64{
		"organisations": int64(counts["organisations"]), "org_agreements": int64(counts["org_agreements"]), "users": int64(counts["users"]),
		"conduct_acceptances": int64(counts["conduct_acceptances"]), "candidates": int64(counts["candidates"]), "invitations": int64(counts["invitations"]),
		"consents": int64(counts["consents"]), "spot_checks": int64(counts["spot_checks"]), "interests": int64(counts["interests"]), "interventions": int64(counts["interventions"]),
		"journey_events": int64(counts["journey_events"]), "audit_events": int64(counts["audit_events"]), "workflow_outbox": int64(counts["workflow_outbox"]),
		"threads": int64(counts["threads"]), "messages": int64(counts["messages"]),
	})
	require.Positive(t, stats.Messages)

	requireNoOrphans(t, d)
	var drifted int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM candidates c
		WHERE c.sharing IS DISTINCT FROM (SELECT k.given FROM consents k WHERE k.candidate_id = c.id ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1)`).Scan(&drifted))
	require.Zero(t, drifted, "candidates whose sharing is not their latest consent")
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM candidates c LEFT JOIN spot_checks k ON k.candidate_id = c.id
		WHERE c.verification IS DISTINCT FROM CASE WHEN k.id IS NULL THEN 'unchecked' ELSE coalesce(k.outcome, 'sampled') END`).Scan(&drifted))
	require.Zero(t, drifted, "candidates whose verification is not their spot check's")
	var open int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE i.org_view IS DISTINCT FROM org_view(c.status, c.sharing, c.verification, i.state)),
		count(*) FILTER (WHERE i.org_view = 'open') FROM interests i JOIN candidates c ON c.id = i.candidate_id`).Scan(&drifted, &open))
	require.Zero(t, drifted, "interests whose org_view is not what interests_view computes")
	require.Positive(t, open, "the cohort has interests organisations see")
	require.Positive(t, requireInterestOrgs(t, d), "some organisation sees some candidate")
	requireCountsExact(t, &testBundle{db: d})
	require.Positive(t, stats.SpotChecks)
	requireEventChains(t, d)

	// The cohort exercises both sides of the rule: organisations see
	// someone, and keeping placed candidates with the placer shows more.
	total := map[bool]int{}
	for _, org := range cohort.Orgs {
		for _, keep := range []bool{false, true} {
			total[keep] += len(orgSees(cohort, org.ID, sim.VisibilityPolicy{KeepPlacedWithPlacer: keep}))
		}
	}
	require.Positive(t, total[false])
	require.Greater(t, total[true], total[false])

	for _, policy := range []sim.VisibilityPolicy{{}, {KeepPlacedWithPlacer: true}} {
		store := db.NewStore(d.App, sim.DefaultSessionPolicy, db.WithVisibility(policy))
		for _, org := range cohort.Orgs {
			wantSeen := orgSees(cohort, org.ID, policy)
			admin := org.Users[0]
			res, err := store.Login(ctx, db.LoginAttempt{Email: admin.Email, Password: cohortPassword, IP: "192.0.2.1", UserAgent: "test", Now: time.Now()})
			require.NoError(t, err, "%s signs in with the cohort's password", admin.Email)
			sess, err := store.Authenticate(ctx, res.Token, time.Now())
			require.NoError(t, err)
			if !org.Details.Active {
				require.Equal(t, sim.RestrictInactive, sess.Restriction, "an organisation that left the programme")
				continue
			}
			require.Empty(t, sess.Restriction, "an active pledged organisation with an agreement and the code of conduct accepted")
			require.Equal(t, wantSeen, listAll(t, store, sess.Actor(), org.ID), "%s's list (policy %+v)", org.Details.Name, policy)
		}
	}

	// The operator's verification queue holds the cohort's registrations
	// that were sampled and not yet decided.
	var wantQueue []string
	for _, c := range cohort.Candidates {
		if c.Verification == sim.VerificationSampled {
			wantQueue = append(wantQueue, c.ID)
		}
	}
	operator := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{Role: sim.RoleOperator}))
	var queue []string
	require.NoError(t, db.NewStore(d.App, sim.DefaultSessionPolicy).InTx(ctx, operator, func(tx *db.Tx) error {
		checks, err := tx.SpotChecks(ctx, nil, db.MaxPage)
		for _, k := range checks {
			queue = append(queue, k.CandidateID)
		}
		return err
	}))
	require.NotEmpty(t, wantQueue)
	require.ElementsMatch(t, wantQueue, queue)

	// A candidate with choices signs in and reads them.
	i := slices.IndexFunc(cohort.Candidates, func(c simulate.Candidate) bool {
		return c.Status == sim.StatusRegistered && len(c.Interests) > 1
	})
	require.GreaterOrEqual(t, i, 0, "the cohort has a registered candidate with choices")
	c := cohort.Candidates[i]
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	res, err := store.Login(ctx, db.LoginAttempt{Email: c.Email, Password: cohortPassword, IP: "192.0.2.2", UserAgent: "test", Now: time.Now()})
	require.NoError(t, err)
	var mine []sim.InterestSummary
	require.NoError(t, store.InTx(ctx, res.Session.Actor(), func(tx *db.Tx) error {
		var err error
		mine, err = tx.InterestsMine(ctx)
		return err
	}))
	wantMine := slices.SortedFunc(slices.Values(c.Interests), func(a, b simulate.Interest) int {
		return cmp.Or(b.OpenedAt.Compare(a.OpenedAt), strings.Compare(b.ID, a.ID)) // newest first
	})
	require.Len(t, mine, len(wantMine))
	for k, in := range wantMine {
		got := mine[k]
		require.Equal(t, [3]string{in.ID, in.OrgID, string(in.State)}, [3]string{got.ID, got.OrgID, string(got.State)})
		require.True(t, in.OpenedAt.Equal(got.OpenedAt))
	}
}

// expectedCounts is what loading cohort writes, counted from the cohort.
func expectedCounts(cohort simulate.Cohort) db.LoadStats {
	s := db.LoadStats{Organisations: int64(len(cohort.Orgs)), Agreements: int64(len(cohort.Orgs))}
	for _, org := range cohort.Orgs {
		s.Users += int64(len(org.Users))
		s.ConductAcceptances += int64(len(org.Users))
	}
	for _, c := range cohort.Candidates {
		s.Users++
		s.Candidates++
		s.Invitations++
		s.Consents++
		if c.Verification != sim.VerificationUnchecked {
			s.SpotChecks++
		}
		s.JourneyEvents += 2 // invited, registered
		if c.Status == sim.StatusWithdrawn {
			s.JourneyEvents++
		}
		for _, in := range c.Interests {
			s.Interests++
			s.Interventions += int64(len(in.Interventions))
			s.JourneyEvents += 1 + int64(len(in.Interventions)) // expressed, then one per intervention
			if len(in.Messages) > 0 {
				s.Threads++
				s.Messages += int64(len(in.Messages))
			}
			if !in.RemovedAt.IsZero() {
				s.JourneyEvents++
			}
		}
	}
	return s
}

// seen is one row of an organisation's candidate list.
type seen struct {
	CandidateID, InterestID string
	State                   sim.InterestState
	OpenedAt                time.Time
}

// orgSees is the list the organisation orgID should see, newest first,
// as sim's rule decides it from the cohort.
func orgSees(cohort simulate.Cohort, orgID string, policy sim.VisibilityPolicy) []seen {
	var out []seen
	for _, c := range cohort.Candidates {
		facts := sim.CandidateFacts{Status: c.Status, Sharing: c.Sharing, Verification: c.Verification}
		for _, in := range c.Interests {
			if in.OrgID == orgID && policy.OrgSees(facts, in.State) {
				out = append(out, seen{c.ID, in.ID, in.State, in.OpenedAt})
			}
		}
	}
	slices.SortFunc(out, func(a, b seen) int {
		return cmp.Or(b.OpenedAt.Compare(a.OpenedAt), strings.Compare(b.InterestID, a.InterestID))
	})
	return out
}

// listAll pages through an organisation's whole candidate list as actor,
// following cursors as the API does.
func listAll(t *testing.T, store *db.Store, actor sim.Actor, orgID string) []seen {
	t.Helper()
	ctx := context.Background()
	f := sim.CandidateFilter{Limit: 7}
	var out []seen
	for {
		var page []sim.OrgCandidate
		require.NoError(t, store.InTx(ctx, actor, func(tx *db.Tx) error {
			var err error
			page, err = tx.OrgCandidates(ctx, orgID, f)
			return err
		}))
		for _, c := range page {
			out = append(out, seen{c.CandidateID, c.InterestID, c.State, c.OpenedAt.UTC()})
		}
		if len(page) < f.Limit {
			return out
		}
		last := page[len(page)-1]
		f.After = sim.CandidateCursor{At: last.OpenedAt, ID: last.InterestID}
	}
}

// requireNoOrphans checks every foreign key in the schema (from the
// catalogue, so a new one is checked too): the loader writes with
// triggers, foreign keys' among them, turned off.
func requireNoOrphans(t *testing.T, d *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Admin.Query(ctx, `SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
		       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
		       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
		FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
		WHERE c.contype = 'f' AND s.nspname = 'public'`)
	require.NoError(t, err)
	type fk struct {
		name, child, parent string
		cols, refs          []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var f fk
		return f, r.Scan(&f.name, &f.child, &f.parent, &f.cols, &f.refs)
	})
	require.NoError(t, err)
	require.NotEmpty(t, fks)
	for _, f := range fks {
		var notNull, match []string
		for k := range f.cols {
			c, p := pgx.Identifier{f.cols[k]}.Sanitize(), pgx.Identifier{f.refs[k]}.Sanitize()
			notNull = append(notNull, "c."+c+" IS NOT NULL")
			match = append(match, "p."+p+" = c."+c)
		}
		q := fmt.Sprintf("SELECT count(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)",
			f.child, strings.Join(notNull, " AND "), f.parent, strings.Join(match, " AND "))
		var orphans int
		require.NoError(t, d.Admin.QueryRow(ctx, q).Scan(&orphans), q)
		require.Zero(t, orphans, "rows of %s breaking %s", f.child, f.name)
	}
}

// requireEventChains checks the journey events against the rows they
// describe: each interest's events run from nothing to its state, each
// from where the one before went, one per intervention; each candidate's
// own events run from nothing to their status, except that a placement is
// the intervention's event alone.
func requireEventChains(t *testing.T, d *testdb.DB) {
	t.Helper()
	var broken int
	require.NoError(t, d.Admin.QueryRow(context.Background(), `
		WITH e AS (
		  SELECT interest_id, type, from_status, to_status,
		         lag(to_status) OVER w AS prev, row_number() OVER w AS n, count(*) OVER (PARTITION BY interest_id) AS total
		  FROM journey_events WHERE interest_id IS NOT NULL
		  WINDOW w AS (PARTITION BY interest_id ORDER BY occurred_at, id))
		SELECT (SELECT count(*) FROM e WHERE from_status IS DISTINCT FROM prev
		          OR (n = 1) <> (type = 'interest.expressed'))
		     + (SELECT count(*) FROM interests i WHERE i.state <> (SELECT e.to_status FROM e WHERE e.interest_id = i.id AND e.n = e.total))
		     + (SELECT count(*) FROM interests i WHERE (SELECT count(*) FROM interventions v WHERE v.interest_id = i.id)
		          <> (SELECT count(*) FROM e WHERE e.interest_id = i.id AND e.type LIKE 'intervention.%'))`).Scan(&broken))
	require.Zero(t, broken, "interests whose journey events do not chain to their state")
	require.NoError(t, d.Admin.QueryRow(context.Background(), `
		WITH e AS (
		  SELECT candidate_id, from_status, to_status, lag(to_status) OVER w AS prev, row_number() OVER w AS n,
		         count(*) OVER (PARTITION BY candidate_id) AS total
		  FROM journey_events WHERE interest_id IS NULL
		  WINDOW w AS (PARTITION BY candidate_id ORDER BY occurred_at, id))
		SELECT (SELECT count(*) FROM e WHERE from_status IS DISTINCT FROM prev)
		     + (SELECT count(*) FROM candidates c WHERE c.status <> (SELECT e.to_status FROM e WHERE e.candidate_id = c.id AND e.n = e.total)
		          AND NOT (c.status = 'placed' AND EXISTS (SELECT 1 FROM journey_events p
		              WHERE p.candidate_id = c.id AND p.type = 'intervention.placed')))`).Scan(&broken))
	require.Zero(t, broken, "candidates whose journey events do not chain to their status")
}

// The loader refuses what it cannot do well, saying why, and leaves
// nothing half-written.
func TestLoadCohortRefuses(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	o := simulate.Options{Seed: 3, Candidates: 20, Orgs: 2, Now: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	opts := db.LoadOptions{Password: cohortPassword}

	_, err := db.LoadCohort(ctx, d.AdminURL, simulate.Options{Seed: 3, Candidates: 20, Now: o.Now}, opts)
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "orgs")
	_, err = db.LoadCohort(ctx, d.AdminURL, o, db.LoadOptions{Password: "short"})
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%v", err)
	_, err = db.LoadCohort(ctx, d.AppURL, o, opts)
	require.ErrorContains(t, err, "not a superuser")
	require.Zero(t, d.Counts(t)["candidates"]+d.Counts(t)["organisations"])

	_, err = db.LoadCohort(ctx, d.AdminURL, o, opts)
	require.NoError(t, err)
	before := d.Counts(t)
	_, err = db.LoadCohort(ctx, d.AdminURL, o, opts)
	require.ErrorIs(t, err, db.ErrCohortLoaded)
	_, err = db.LoadCohort(ctx, d.AdminURL, simulate.Options{Seed: 4, Candidates: 20, Orgs: 2, Now: o.Now}, opts)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "already holds")
	require.Equal(t, before, d.Counts(t))
}

// requireInterestOrgs checks that every candidate's orgs_open and
// orgs_placed hold exactly the organisations of their interests whose view
// is open and placed (in any order), as interests_orgs keeps them and the
// loader writes them.
// It returns how many candidates some organisation sees.
func requireInterestOrgs(t *testing.T, d *testdb.DB) int {
	t.Helper()
	var drifted, with int
	require.NoError(t, d.Admin.QueryRow(context.Background(), `
		WITH x AS (SELECT candidate_id,
		                  coalesce(array_agg(org_id) FILTER (WHERE org_view = 'open'), '{}') AS open,
		                  coalesce(array_agg(org_id) FILTER (WHERE org_view = 'placed'), '{}') AS placed
		           FROM interests GROUP BY candidate_id)
		SELECT count(*) FILTER (WHERE NOT (c.orgs_open @> coalesce(x.open, '{}') AND coalesce(x.open, '{}') @> c.orgs_open
		                                   AND cardinality(c.orgs_open) = cardinality(coalesce(x.open, '{}'))
		                                   AND c.orgs_placed @> coalesce(x.placed, '{}') AND coalesce(x.placed, '{}') @> c.orgs_placed
		                                   AND cardinality(c.orgs_placed) = cardinality(coalesce(x.placed, '{}')))),
		       count(*) FILTER (WHERE cardinality(c.orgs_open) + cardinality(c.orgs_placed) > 0)
		FROM candidates c LEFT JOIN x ON x.candidate_id = c.id`).Scan(&drifted, &with))
	require.Zero(t, drifted, "candidates whose orgs_open or orgs_placed are not their interests' views")
	return with
}
