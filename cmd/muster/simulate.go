package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

// cohortPassword is the password of every account in a loaded synthetic
// cohort: demos and benchmarks sign in with it. Development only, like
// the demo operator's.
const cohortPassword = "muster-demo-cohort"

const simulateUsage = `usage: muster simulate --candidates N --orgs M [--seed S] [--users-per-org U] [--batch B]

Generates a deterministic synthetic cohort (sim/simulate) and loads it into
DATABASE_URL's database, migrating it first, by COPY. The database must hold
no candidates or organisations. Every loaded account's password is
` + cohortPassword + `; never load a cohort where real people's data is.

flags:
  --candidates N     candidates to generate (required; 0 for organisations only)
  --orgs M           organisations to generate (required; at least 1 with candidates)
  --seed S           selects the cohort: the same flags load the same people (default 1)
  --users-per-org U  users of each organisation, the first its org_admin (default 3)
  --batch B          candidates per transaction (default 10000)`

// runSimulate is `muster simulate`: it loads a cohort and reports on out
// how many rows it wrote, how long that took and the rate.
func runSimulate(ctx context.Context, args []string, out io.Writer) error {
	o, batch, err := simulateFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, simulateUsage)
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	if err := ensureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	if err := db.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	name := databaseName(cfg.DatabaseURL)
	o.Now = time.Now()
	start := time.Now()
	lastReport := start
	stats, err := db.LoadCohort(ctx, cfg.DatabaseURL, o, db.LoadOptions{
		Password: cohortPassword, BatchSize: batch, Conduct: cfg.CodeOfConduct,
		Progress: func(s db.LoadStats) {
			if time.Since(lastReport) < 5*time.Second {
				return
			}
			lastReport = time.Now()
			fmt.Fprintf(os.Stderr, "simulate: %d of %d candidates, %d rows, %s\n",
				s.Candidates, o.Candidates, s.Rows(), rate(s.Rows(), time.Since(start)))
		},
	})
	switch {
	case errors.Is(err, db.ErrCohortLoaded):
		return fmt.Errorf("database %s already holds the cohort of seed %d: nothing loaded", name, o.Seed)
	case sim.ErrorCode(err) == sim.ECONFLICT:
		return fmt.Errorf("database %s already holds candidates or organisations: load a cohort into an empty database (another DATABASE_URL, or `make clean` for the development one)", name)
	case err != nil:
		return fmt.Errorf("load cohort into %s: %w", name, err)
	}
	took := time.Since(start)
	fmt.Fprintf(out, "loaded %d candidates and %d organisations (seed %d) into %s in %s: %d rows, %s\n",
		stats.Candidates, stats.Organisations, o.Seed, name, took.Round(time.Millisecond), stats.Rows(), rate(stats.Rows(), took))
	fmt.Fprintf(out, "  organisations %d, org_agreements %d, users %d, conduct_acceptances %d, candidates %d,\n"+
		"  invitations %d, consents %d, spot_checks %d, interests %d, interventions %d, journey_events %d,\n"+
		"  threads %d, messages %d\n",
		stats.Organisations, stats.Agreements, stats.Users, stats.ConductAcceptances, stats.Candidates,
		stats.Invitations, stats.Consents, stats.SpotChecks, stats.Interests, stats.Interventions, stats.JourneyEvents,
		stats.Threads, stats.Messages)
	fmt.Fprintf(out, "sign in as org-<j>-user-<k>@example.test (user 0 is organisation j's org_admin) or candidate-<i>@example.test, password %s\n",
		cohortPassword)
	return nil
}

// simulateFlags parses simulate's arguments: an error naming the flag at
// fault, or flag.ErrHelp for -h.
func simulateFlags(args []string) (simulate.Options, int, error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	candidates := fs.Int("candidates", -1, "")
	orgs := fs.Int("orgs", -1, "")
	seed := fs.Uint64("seed", 1, "")
	users := fs.Int("users-per-org", simulate.DefaultUsersPerOrg, "")
	batch := fs.Int("batch", db.DefaultLoadBatch, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return simulate.Options{}, 0, err
		}
		return simulate.Options{}, 0, fmt.Errorf("muster simulate: %w (muster simulate -h for help)", err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("muster simulate: %s (muster simulate -h for help)", fmt.Sprintf(format, a...))
	}
	switch {
	case fs.NArg() > 0:
		return simulate.Options{}, 0, bad("unexpected argument %q: every setting is a flag", fs.Arg(0))
	case *candidates == -1:
		return simulate.Options{}, 0, bad("--candidates is required")
	case *orgs == -1:
		return simulate.Options{}, 0, bad("--orgs is required")
	case *candidates < 0:
		return simulate.Options{}, 0, bad("--candidates must be 0 or more, not %d", *candidates)
	case *orgs < 0:
		return simulate.Options{}, 0, bad("--orgs must be 0 or more, not %d", *orgs)
	case *orgs == 0 && *candidates > 0:
		return simulate.Options{}, 0, bad("--orgs must be at least 1: candidates need organisations to choose")
	case *users < 1:
		return simulate.Options{}, 0, bad("--users-per-org must be at least 1 (an organisation's first user is its admin), not %d", *users)
	case *batch < 1:
		return simulate.Options{}, 0, bad("--batch must be at least 1, not %d", *batch)
	}
	return simulate.Options{Seed: *seed, Candidates: *candidates, Orgs: *orgs, UsersPerOrg: *users}, *batch, nil
}

// rate is n rows over d, per second.
func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "— rows/s"
	}
	return fmt.Sprintf("%.0f rows/s", math.Round(float64(n)/d.Seconds()))
}

// databaseName is the database url names, for messages (never the
// password).
func databaseName(url string) string {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return "(DATABASE_URL)"
	}
	return strings.TrimSpace(cc.Database)
}
