package workflows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
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
}

// runKillableWorker runs a worker until it is killed. Each email takes a
// little while, so that a kill lands in the middle of a fan-out.
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
	w := worker.New(c, cfg.TaskQueue, worker.Options{})
	workflows.Register(w, &activities.Activities{
		Store: db.NewStore(pool, sim.DefaultSessionPolicy), Notifier: slowNotifier{smtp}, PublicURL: "https://muster.example.org",
	})
	if err := w.Run(worker.InterruptCh()); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

var messageID = regexp.MustCompile(`(?m)^Message-ID: <[^>]+>`)

type slowNotifier struct{ n sim.Notifier }

func (s slowNotifier) Notify(ctx context.Context, m sim.Message) error {
	time.Sleep(25 * time.Millisecond)
	return s.n.Notify(ctx, m)
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
// killed (SIGKILL) after a different number of emails each round and a
// new one started; every user receives the round's message once, counted
// at a real SMTP server.
func TestInterestNotificationExactlyOnceThroughWorkerKills(t *testing.T) {
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
	const users = 24
	var emails []string
	for i := range users {
		u, _ := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID, Email: fmt.Sprintf("user%02d@kill.example", i)})
		emails = append(emails, u.Email)
	}

	cmd := startKillableWorker(t, cfg)
	defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
	for round, killAfter := range []int{1, 9, 17, 23} {
		cand := testfactory.Candidate(t, d, testfactory.CandidateOpts{Email: fmt.Sprintf("cand%d@example.org", round)})
		require.NoError(t, store.InTx(ctx, sim.Actor{UserID: cand.User.ID, Role: sim.RoleCandidate}, func(tx *db.Tx) error {
			_, err := tx.InterestsChoose(ctx, []string{org.ID}, time.Now())
			return err
		}))
		mark := []byte(cand.Candidate.ID)
		// delivered counts, per recipient, the distinct messages (by
		// Message-ID) of this round, and all the SMTP transactions that
		// carried them.
		transactions := map[string]int{}
		delivered := func() map[string]int {
			ids := map[string]map[string]bool{}
			clear(transactions)
			for _, m := range smtp.Messages() {
				if !bytes.Contains(bytes.ReplaceAll(m.Data, []byte("=\r\n"), nil), mark) {
					continue
				}
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
			got := map[string]int{}
			for to, set := range ids {
				got[to] = len(set)
			}
			return got
		}
		require.Eventually(t, func() bool { return len(delivered()) >= killAfter }, time.Minute, 2*time.Millisecond, "round %d", round)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_, _ = cmd.Process.Wait()
		before := len(delivered())
		cmd = startKillableWorker(t, cfg)

		var eventID string
		require.NoError(t, d.Admin.QueryRow(ctx, `SELECT id::text FROM journey_events WHERE candidate_id = $1 AND type = 'interest.expressed'`, cand.Candidate.ID).Scan(&eventID))
		var res workflows.InterestNotificationResult
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		require.NoError(t, c.GetWorkflow(wctx, sim.InterestNotificationWorkflowID(eventID), "").Get(wctx, &res))
		cancel()
		got := delivered()
		repeats := 0
		for _, e := range emails {
			require.Equal(t, 1, got[e], "round %d (killed after %d emails): %s", round, before, e)
			repeats += transactions[e] - 1
		}
		require.Len(t, got, users)
		// A repeat is possible only for an email the server had accepted
		// when the worker died and whose delivery was not yet recorded: at
		// most one per email in flight, never more than one per user, and
		// always the same message (one Message-ID).
		for _, e := range emails {
			require.LessOrEqual(t, transactions[e], 2, "round %d: %s", round, e)
		}
		require.LessOrEqual(t, repeats, 3, "round %d: at most the emails in flight at the kill are repeated", round)
		t.Logf("round %d: killed the worker after %d of %d emails; every user received one message (%d repeated SMTP transactions of an in-flight email)", round, before, users, repeats)
	}
}
