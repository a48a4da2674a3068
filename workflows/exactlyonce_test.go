package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// killWorkerEnv, set, makes the test binary a Muster worker (see
// TestMain): its value is the JSON of killWorkerConfig.
const killWorkerEnv = "MUSTER_TEST_KILLABLE_WORKER"

type killWorkerConfig struct {
	DatabaseURL string
	Temporal    string
	TaskQueue   string
	SMTP        string
	// DieAfterSent, when positive, makes the worker kill itself the moment
	// the SMTP server accepted its n-th email, before the activity records
	// the delivery: the one window the ledger cannot close.
	DieAfterSent int64
	// DieAfterRecorded, when positive, makes the worker kill itself once
	// its n-th notification was sent and recorded, before the activity's
	// completion reaches Temporal: the window the ledger exists for.
	DieAfterRecorded int64
}

// runKillableWorker runs a worker until it is killed. It runs one
// activity at a time and each email takes a little while, so that a kill
// lands between two emails of a fan-out at a point the test can name.
func runKillableWorker() int {
	var cfg killWorkerConfig
	if err := json.Unmarshal([]byte(os.Getenv(killWorkerEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker config:", err)
		return 2
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 2
	}
	smtp, err := mail.NewSMTP("smtp://"+cfg.SMTP, "noreply@example.org")
	if err != nil {
		fmt.Fprintln(os.Stderr, "smtp:", err)
		return 2
	}
	c, err := client.Dial(client.Options{HostPort: cfg.Temporal})
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporal:", err)
		return 2
	}
	w := worker.New(c, cfg.TaskQueue, worker.Options{MaxConcurrentActivityExecutionSize: 1})
	acts := &activities.Activities{
		Store: db.NewStore(pool, sim.DefaultSessionPolicy), Notifier: &slowNotifier{n: smtp, dieAfter: cfg.DieAfterSent},
		PublicURL: "https://muster.example.org",
	}
	workflows.Register(w, acts)
	if cfg.DieAfterRecorded > 0 {
		var recorded atomic.Int64
		w.RegisterActivityWithOptions(func(ctx context.Context, in activities.InterestRecipientRef) (bool, error) {
			sent, err := acts.NotifyInterest(ctx, in)
			if sent && recorded.Add(1) == cfg.DieAfterRecorded {
				die()
			}
			return sent, err
		}, activity.RegisterOptions{Name: "NotifyInterest", DisableAlreadyRegisteredCheck: true})
	}
	if err := w.Run(worker.InterruptCh()); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// die ends this process as SIGKILL does: nothing more runs, nothing is
// flushed, no completion is reported.
func die() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

var messageID = regexp.MustCompile(`(?m)^Message-ID: <[^>]+>`)

type slowNotifier struct {
	n        sim.Notifier
	dieAfter int64
	sent     atomic.Int64
}

func (s *slowNotifier) Notify(ctx context.Context, m sim.Message) error {
	// A sleep is the only way here: it paces a real worker process so that
	// a SIGKILL from outside lands between two emails; nothing is asserted
	// from it (each round asserts where its kill landed).
	time.Sleep(50 * time.Millisecond) // the only way: a real worker's pace, for a kill from outside to land between emails
	if err := s.n.Notify(ctx, m); err != nil {
		return err
	}
	if s.sent.Add(1) == s.dieAfter {
		die()
	}
	return nil
}

// startKillableWorker starts the test binary as a worker process.
func startKillableWorker(t *testing.T, cfg killWorkerConfig) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killWorkerEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	return cmd
}

// Exactly once, however a worker dies: a candidate's choice is announced
// to every one of an organisation's 24 users while the worker process is
// killed (SIGKILL) part-way through the fan-out and a new one started.
// Every round asserts where the kill landed, and counts raw SMTP
// transactions at a real SMTP server, not distinct messages:
//   - killed from outside after the 1st and after the 12th email: every
//     user gets one message; the email in flight may be repeated once;
//   - killed after the 5th email was sent and its delivery recorded, before
//     the activity's completion reached Temporal (the window the delivery
//     ledger exists for): Temporal retries that activity, and every user
//     gets exactly one SMTP transaction;
//   - killed after the SMTP server accepted the 9th email and before its
//     delivery was recorded (the one window the ledger cannot close): that
//     user, and only that user, gets the same message (one Message-ID)
//     twice.
func TestInterestNotificationExactlyOnceThroughWorkerKills(t *testing.T) {
	t.Parallel()
	const users = 24
	rounds := []struct {
		name string
		// killAfter: the test kills the worker once this many users have
		// their email.
		killAfter                      int
		dieAfterSent, dieAfterRecorded int64
	}{
		{name: "killed after the first email", killAfter: 1},
		{name: "killed half-way", killAfter: 12},
		{name: "died after recording", dieAfterRecorded: 5},
		{name: "died before recording", dieAfterSent: 9},
	}
	for _, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := testdb.New(t)
			store := db.NewStore(d.App, sim.DefaultSessionPolicy)
			smtp := testsmtp.Start(t)
			c, err := client.Dial(client.Options{HostPort: temporalAddr})
			require.NoError(t, err)
			defer c.Close()
			cfg := killWorkerConfig{DatabaseURL: d.AppURL, Temporal: temporalAddr, TaskQueue: "kill-" + uuid.NewString()[:8], SMTP: smtp.Addr}
			relayCtx, stopRelay := context.WithCancel(ctx)
			defer stopRelay()
			go func() {
				_ = (&workflows.Relay{Store: store, Client: c, TaskQueue: cfg.TaskQueue, Interval: 20 * time.Millisecond}).Run(relayCtx)
			}()

			org := testfactory.Organisation(t, d, testfactory.OrganisationOpts{})
			var emails []string
			for i := range users {
				u, _ := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID, Email: fmt.Sprintf("user%02d@kill.example", i)})
				emails = append(emails, u.Email)
			}
			// transactions counts the SMTP transactions to each recipient;
			// messages, the distinct messages (by Message-ID).
			count := func() (transactions, messages map[string]int) {
				transactions, messages = map[string]int{}, map[string]int{}
				ids := map[string]map[string]bool{}
				for _, m := range smtp.Messages() {
					id := messageID.FindString(string(m.Data))
					require.NotEmpty(t, id, "every message has a Message-ID")
					for _, to := range m.To {
						if ids[to] == nil {
							ids[to] = map[string]bool{}
						}
						ids[to][id] = true
						transactions[to]++
					}
				}
				for to, set := range ids {
					messages[to] = len(set)
				}
				return transactions, messages
			}
			total := func(m map[string]int) (n int) {
				for _, v := range m {
					n += v
				}
				return n
			}
			recorded := func() (n int) {
				require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM notification_deliveries").Scan(&n))
				return n
			}

			cfg.DieAfterSent, cfg.DieAfterRecorded = round.dieAfterSent, round.dieAfterRecorded
			cmd := startKillableWorker(t, cfg)
			cand := testfactory.Candidate(t, d, testfactory.CandidateOpts{})
			require.NoError(t, store.InTx(ctx, sim.Actor{UserID: cand.User.ID, Role: sim.RoleCandidate}, func(tx *db.Tx) error {
				_, err := tx.InterestsChoose(ctx, []string{org.ID}, time.Now())
				return err
			}))
			if round.killAfter > 0 {
				require.Eventually(t, func() bool { _, got := count(); return len(got) >= round.killAfter }, time.Minute, 2*time.Millisecond)
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			}
			state, _ := cmd.Process.Wait()
			require.False(t, state.Success(), "the worker was killed: %s", state)
			atKill, _ := count()
			ledgerAtKill := recorded()
			switch {
			case round.killAfter > 0:
				require.GreaterOrEqual(t, len(atKill), round.killAfter)
				require.Less(t, len(atKill), users, "the kill landed before the fan-out ended")
			case round.dieAfterRecorded > 0:
				require.EqualValues(t, round.dieAfterRecorded, total(atKill), "sent when the worker died")
				require.EqualValues(t, round.dieAfterRecorded, ledgerAtKill, "recorded when the worker died: all that were sent")
			default:
				require.EqualValues(t, round.dieAfterSent, total(atKill), "sent when the worker died")
				require.EqualValues(t, round.dieAfterSent-1, ledgerAtKill, "recorded when the worker died: all but the last sent")
			}

			// A new worker finishes the fan-out.
			cfg.DieAfterSent, cfg.DieAfterRecorded = 0, 0
			cmd = startKillableWorker(t, cfg)
			defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
			var eventID string
			require.NoError(t, d.Admin.QueryRow(ctx, `SELECT id::text FROM journey_events WHERE candidate_id = $1 AND type = 'interest.expressed'`, cand.Candidate.ID).Scan(&eventID))
			var res workflows.InterestNotificationResult
			wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			require.NoError(t, c.GetWorkflow(wctx, sim.InterestNotificationWorkflowID(eventID), "").Get(wctx, &res))
			require.Equal(t, users, res.Recipients)

			transactions, messages := count()
			require.Len(t, messages, users)
			for _, e := range emails {
				require.Equal(t, 1, messages[e], "one message for %s", e)
			}
			require.Equal(t, users, recorded(), "every delivery recorded once")
			switch {
			case round.dieAfterRecorded > 0:
				require.Equal(t, users, total(transactions), "the retried activity found its delivery recorded and sent nothing")
			case round.dieAfterSent > 0:
				require.Equal(t, users+1, total(transactions), "the email accepted but unrecorded went again")
				for e, n := range transactions {
					if n > 1 {
						require.Equal(t, 2, n, e)
						require.Equal(t, 1, atKill[e], "the repeat is of the email accepted as the worker died: %s", e)
					}
				}
			default:
				require.LessOrEqual(t, total(transactions), users+1, "at most the email in flight at the kill goes twice")
			}
			t.Logf("killed after %d of %d emails (%d recorded); in all %d SMTP transactions", total(atKill), users, ledgerAtKill, total(transactions))
		})
	}
}
