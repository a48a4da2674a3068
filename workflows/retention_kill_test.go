package workflows_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
	"github.com/muster-cms/muster/workflows"
)

// A retention run over 7,000 candidates all past their record's period,
// with the worker process killed (SIGKILL) part-way through anonymising
// them and a new one started: every candidate becomes exactly one ghost,
// none is left, and every total the reports count is the same as before.
// Two rounds, killed at different points, each asserting where the kill
// landed (some anonymised, not all).
func TestRetentionThroughWorkerKills(t *testing.T) {
	t.Parallel()
	const candidates = 7000
	for _, killAt := range []int{1000, 4100} {
		t.Run(fmt.Sprint(killAt), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := testdb.New(t)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			// Registered four to seven years ago, and never active since.
			o := simulate.Options{Seed: uint64(killAt), Candidates: candidates, Orgs: 8, UsersPerOrg: 1, Now: time.Now().UTC().AddDate(-4, 0, 0).Truncate(time.Second)}
			_, err := db.LoadCohort(ctx, d.AdminURL, o, db.LoadOptions{Password: "synthetic cohort password"})
			require.NoError(t, err)
			totals := func() map[string]int64 {
				var out map[string]int64
				require.NoError(t, store.InTx(ctx, sim.System, func(tx *db.Tx) error {
					var err error
					out, err = tx.ReportingTotals(ctx)
					return err
				}))
				return out
			}
			count := func(q string) (n int) {
				require.NoError(t, d.Admin.QueryRow(ctx, q).Scan(&n))
				return n
			}
			before := totals()

			c, err := client.Dial(client.Options{HostPort: temporalAddr})
			require.NoError(t, err)
			defer c.Close()
			cfg := killWorkerConfig{DatabaseURL: d.AppURL, Temporal: temporalAddr, TaskQueue: "retention-kill-" + uuid.NewString()[:8], SMTP: testsmtp.Start(t).Addr}
			cmd := startKillableWorker(t, cfg)
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-" + cfg.TaskQueue, TaskQueue: cfg.TaskQueue}, sim.WorkflowRetention, workflows.RetentionInput{})
			require.NoError(t, err)
			require.Eventually(t, func() bool { return count("SELECT count(*) FROM ghosts") >= killAt }, 2*time.Minute, 5*time.Millisecond)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_, _ = cmd.Process.Wait()
			atKill := count("SELECT count(*) FROM ghosts")
			require.Less(t, atKill, candidates, "the kill landed before the run ended")
			require.Equal(t, candidates, atKill+count("SELECT count(*) FROM candidates"), "each candidate is a ghost or untouched, never half")

			cmd = startKillableWorker(t, cfg)
			defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
			var res workflows.RetentionResult
			wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			require.NoError(t, run.Get(wctx, &res))
			require.Zero(t, count("SELECT count(*) FROM candidates"), "every due candidate was anonymised")
			require.Equal(t, candidates, count("SELECT count(*) FROM ghosts"), "exactly one ghost each")
			require.Zero(t, count("SELECT count(*) FROM users WHERE role = 'candidate'"))
			require.Equal(t, before, totals(), "every total the same")
			require.Positive(t, res.Done[activities.StepAnonymise])
			t.Logf("killed at %d ghosts of %d; the run counted %d anonymised", atKill, candidates, res.Done[activities.StepAnonymise])
		})
	}
}
