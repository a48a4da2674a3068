package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// freshDatabaseURL is DATABASE_URL for a database that does not exist yet,
// dropped when t ends.
func freshDatabaseURL(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	parsed, err := url.Parse(testdb.AdminURL())
	require.NoError(t, err)
	parsed.Path = "/" + name
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.AdminURL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	return parsed.String()
}

// `muster simulate` creates and migrates the database, loads the cohort
// its flags describe, says how long it took, and loads nothing into a
// database that holds candidates already.
func TestSimulate(t *testing.T) {
	u := freshDatabaseURL(t, "muster_simulate")
	t.Setenv("DATABASE_URL", u)
	ctx := context.Background()
	const candidates, orgs, usersPerOrg = 150, 4, 2
	var out strings.Builder
	err := runSimulate(ctx, []string{"--candidates", fmt.Sprint(candidates), "--orgs", fmt.Sprint(orgs),
		"--users-per-org", fmt.Sprint(usersPerOrg), "--seed", "9", "--batch", "40"}, &out)
	require.NoError(t, err)
	require.Regexp(t, fmt.Sprintf(`^loaded %d candidates and %d organisations \(seed 9\) into muster_simulate_\d+ in \S+: \d+ rows, \d+ rows/s\n`, candidates, orgs), out.String())
	require.Contains(t, out.String(), cohortPassword)

	conn, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer conn.Close(ctx)
	count := func(table string) int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
		return n
	}
	require.Equal(t, candidates, count("candidates"))
	require.Equal(t, orgs, count("organisations"))
	require.Equal(t, orgs, count("org_agreements"))
	require.Equal(t, candidates+orgs*usersPerOrg, count("users"))
	require.Equal(t, candidates, count("consents"))

	err = runSimulate(ctx, []string{"--candidates", "10", "--orgs", "2", "--seed", "9"}, &out)
	require.ErrorContains(t, err, "already holds the cohort of seed 9")
	err = runSimulate(ctx, []string{"--candidates", "10", "--orgs", "2", "--seed", "10"}, &out)
	require.ErrorContains(t, err, "already holds candidates or organisations")
	require.Equal(t, candidates, count("candidates"), "nothing more loaded")
}

// Bad flags are refused before anything is touched, naming the flag.
func TestSimulateFlags(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/never?sslmode=disable")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--orgs", "3"}, "--candidates is required"},
		{[]string{"--candidates", "10"}, "--orgs is required"},
		{[]string{"--candidates", "ten", "--orgs", "3"}, `invalid value "ten" for flag -candidates`},
		{[]string{"--candidates", "-5", "--orgs", "3"}, "--candidates must be 0 or more"},
		{[]string{"--candidates", "10", "--orgs", "0"}, "--orgs must be at least 1"},
		{[]string{"--candidates", "10", "--orgs", "2", "--users-per-org", "0"}, "--users-per-org must be at least 1"},
		{[]string{"--candidates", "10", "--orgs", "2", "--batch", "0"}, "--batch must be at least 1"},
		{[]string{"--candidates", "10", "--orgs", "2", "--seed", "-1"}, `invalid value "-1" for flag -seed`},
		{[]string{"--candidates", "10", "--orgs", "2", "--colour", "red"}, "flag provided but not defined: -colour"},
		{[]string{"--candidates", "10", "--orgs", "2", "extra"}, `unexpected argument "extra"`},
	} {
		err := runSimulate(context.Background(), c.args, &strings.Builder{})
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
	var out strings.Builder
	require.NoError(t, runSimulate(context.Background(), []string{"-h"}, &out))
	require.Contains(t, out.String(), "usage: muster simulate")
}

// `muster dev` loads its demo cohort into an empty database and names an
// active organisation's admin and a candidate that organisation sees;
// run again, it finds the cohort there; a database with other data is
// left as it is.
func TestDevCohort(t *testing.T) {
	d := testdb.New(t)
	t.Setenv("DATABASE_URL", d.AdminURL)
	cfg, err := loadConfig(false)
	require.NoError(t, err)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	first := loadDemoCohort(ctx, cfg, quiet)
	require.NotEmpty(t, first.orgID, first.banner)
	require.Contains(t, first.banner, first.admin)
	require.Contains(t, first.try("127.0.0.1:8080"), "/v1/organisations/"+first.orgID+"/candidates")
	var candidates, active int
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM candidates").Scan(&candidates))
	require.Equal(t, demoCohort.Candidates, candidates)
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM users u JOIN organisations o ON o.id = u.org_id
		WHERE u.email = $1 AND u.role = 'org_admin' AND o.active AND o.id = $2`, first.admin, first.orgID).Scan(&active))
	require.Equal(t, 1, active, "the banner's admin is an active organisation's")

	o := demoCohort
	o.Now = time.Now()
	org, candidate := demoAccounts(o, sim.VisibilityPolicy{})
	require.Equal(t, first.orgID, org.ID)
	require.Contains(t, first.banner, candidate.Email)
	seen := false
	for _, in := range candidate.Interests {
		facts := sim.CandidateFacts{Status: candidate.Status, Sharing: candidate.Sharing, Verification: candidate.Verification}
		seen = seen || (in.OrgID == org.ID && sim.VisibilityPolicy{}.OrgSees(facts, in.State))
	}
	require.True(t, seen, "the organisation sees the candidate")

	again := loadDemoCohort(ctx, cfg, quiet)
	require.Equal(t, first, again)
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM candidates").Scan(&candidates))
	require.Equal(t, demoCohort.Candidates, candidates, "loaded once")

	other := testdb.New(t)
	testfactory.Organisation(t, other, testfactory.OrganisationOpts{})
	cfg.DatabaseURL = other.AdminURL
	p := loadDemoCohort(ctx, cfg, quiet)
	require.Empty(t, p.orgID)
	require.Contains(t, p.banner, "not loaded")
	require.Zero(t, other.Counts(t)["candidates"])
}
