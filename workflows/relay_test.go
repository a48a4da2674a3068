package workflows_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
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

type relayBundle struct {
	d      *testdb.DB
	store  *db.Store
	smtp   *testsmtp.Server
	client client.Client
	queue  string
	op     sim.Actor
}

func relaySetup(t *testing.T) *relayBundle {
	t.Helper()
	b := &relayBundle{d: testdb.New(t), smtp: testsmtp.Start(t), queue: "relay-" + uuid.NewString()}
	b.store = db.NewStore(b.d.App, sim.DefaultSessionPolicy)
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("test", key)
	require.NoError(t, err)
	b.client, err = client.Dial(codec.ClientOptions(client.Options{HostPort: temporalAddr}))
	require.NoError(t, err)
	t.Cleanup(b.client.Close)
	notifier, err := mail.NewSMTP("smtp://"+b.smtp.Addr, "noreply@example.org")
	require.NoError(t, err)
	w := worker.New(b.client, b.queue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: b.store, Notifier: notifier, PublicURL: "https://muster.example.org"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	b.op = testfactory.Actor(testfactory.User(t, b.d, testfactory.UserOpts{}))
	return b
}

func (b *relayBundle) invite(t *testing.T, email string, window time.Duration) sim.Invitation {
	t.Helper()
	ctx := context.Background()
	var inv sim.Invitation
	require.NoError(t, b.store.InTx(ctx, b.op, func(tx *db.Tx) error {
		var err error
		inv, err = tx.InvitationCreate(ctx, db.InvitationRequest{Email: email, Window: window, Now: time.Now()})
		return err
	}))
	return inv
}

func (b *relayBundle) relay() *workflows.Relay {
	return &workflows.Relay{Store: b.store, Client: b.client, TaskQueue: b.queue, Interval: 20 * time.Millisecond, Lease: 300 * time.Millisecond}
}

func (b *relayBundle) pending(t *testing.T) int64 {
	t.Helper()
	backlog, err := b.store.OutboxBacklog(context.Background())
	require.NoError(t, err)
	return backlog.Pending
}

// runs counts the executions, open or closed, of one workflow ID.
func (b *relayBundle) runs(t *testing.T, workflowID string) int {
	t.Helper()
	resp, err := b.client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = '%s'", workflowID),
	})
	require.NoError(t, err)
	return len(resp.GetExecutions())
}

// killedAfter runs a relay that dies (its context ends) right after its
// n-th delivery reached Temporal and before that delivery is marked done.
func (b *relayBundle) killedAfter(t *testing.T, n int) {
	t.Helper()
	ctx, kill := context.WithCancel(context.Background())
	r := b.relay()
	delivered := 0
	workflows.SetAfterDeliver(r, func(db.OutboxItem) {
		if delivered++; delivered == n {
			kill()
		}
	})
	require.NoError(t, r.Run(ctx))
	require.Equal(t, n, delivered)
}

// A relay killed after starting a workflow and before marking its intent
// done: the next relay delivers the intent again once its lease ends, and
// Temporal's workflow-ID deduplication makes that a no-op, whether the
// first run has already finished or is still going. One run, one email.
func TestRelayKilledBetweenStartAndMarkStartsNothingTwice(t *testing.T) {
	t.Parallel()
	b := relaySetup(t)
	finished := b.invite(t, "finished@example.org", 2*time.Second)
	running := b.invite(t, "running@example.org", time.Hour)

	// The first relay starts the short invitation's workflow and dies.
	b.killedAfter(t, 1)
	b.smtp.WaitFor(t, "finished@example.org", 20*time.Second)
	var res workflows.InvitationResult
	require.NoError(t, b.client.GetWorkflow(context.Background(), workflows.InvitationWorkflowID(finished.ID), "").Get(context.Background(), &res))
	require.Equal(t, workflows.OutcomeExpired, res.Outcome, "the short invitation has run to its end")
	require.EqualValues(t, 2, b.pending(t), "neither intent is marked")

	// The second delivers the finished one again (a no-op), starts the
	// long one, and dies before marking it.
	b.killedAfter(t, 2)
	b.smtp.WaitFor(t, "running@example.org", 20*time.Second)
	require.EqualValues(t, 1, b.pending(t))

	// The third delivers the running one again: a no-op too.
	ctx, stop := context.WithCancel(context.Background())
	third := b.relay()
	go func() { _ = third.Run(ctx) }()
	require.Eventually(t, func() bool { return b.pending(t) == 0 }, 20*time.Second, 20*time.Millisecond)
	stop()

	for _, inv := range []sim.Invitation{running, finished} {
		id := workflows.InvitationWorkflowID(inv.ID)
		require.Eventually(t, func() bool { return b.runs(t, id) >= 1 }, 10*time.Second, 50*time.Millisecond)
		require.Equal(t, 1, b.runs(t, id), "one run of %s", id)
	}
	require.Len(t, b.smtp.Messages(), 2, "one email each")
}

// lockedBuffer is a log sink safe for the relay's goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// While Temporal cannot be reached, intents wait, each retried with a
// backoff, and the relay says so in a log line with the backlog (IDs and
// counts only).
func TestRelayLogsAGrowingBacklog(t *testing.T) {
	t.Parallel()
	b := relaySetup(t)
	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	defer dead.Close()
	b.invite(t, "waiting@example.org", time.Hour)
	var logs lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&workflows.Relay{
			Store: b.store, Client: dead, TaskQueue: b.queue, Interval: 20 * time.Millisecond, Lease: 300 * time.Millisecond,
			BacklogWarning: 200 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		}).Run(ctx)
	}()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "outbox backlog is growing") },
		20*time.Second, 20*time.Millisecond)
	stop()
	<-done
	require.Contains(t, logs.String(), `"pending":1`)
	require.NotContains(t, logs.String(), "waiting@example.org")
	var attempts int
	var lastError string
	require.NoError(t, b.d.Admin.QueryRow(context.Background(), "SELECT attempts, last_error FROM workflow_outbox").Scan(&attempts, &lastError))
	require.Positive(t, attempts)
	require.NotEmpty(t, lastError)
	require.EqualValues(t, 1, b.pending(t), "still waiting, not lost")
}

// A signal intent delivered twice changes nothing: a relay killed after
// signalling a placement's follow-up that the candidate answered its
// first check-in, and before marking the intent done, leaves it to the
// next relay, which signals again. By then the follow-up has moved on to
// its second check-in; the repeated answer to the first reaches it and is
// let go: the second check-in stays open and unanswered, nobody is
// emailed again, and no step runs after the repeated signal.
func TestRelayKilledBetweenSignalAndMarkChangesNothing(t *testing.T) {
	t.Parallel()
	b := relaySetup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.d, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, b.d, testfactory.OrgUserOpts{OrgID: org.ID})
	cand := testfactory.Candidate(t, b.d, testfactory.CandidateOpts{Email: "placed@example.org"})
	candActor := testfactory.Actor(cand.User)
	now := time.Now()
	require.NoError(t, b.store.InTx(ctx, candActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{org.ID}, now)
		return err
	}))
	// Started seven months ago: the 3- and 6-month check-ins are due at
	// once; each waits 14 days for its answer.
	started := now.AddDate(0, -7, 0)
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		require.NoError(t, b.store.InTx(ctx, staff, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, org.ID, cand.Candidate.ID, sim.Intervention{Kind: k, On: started}, now)
			return err
		}))
	}
	var interestID string
	require.NoError(t, b.d.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1", cand.Candidate.ID).Scan(&interestID))
	wid := sim.PlacementFollowUpWorkflowID(interestID)

	relayUntilDone := func() {
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() { _ = b.relay().Run(ctx) }()
		require.Eventually(t, func() bool { return b.pending(t) == 0 }, 20*time.Second, 20*time.Millisecond)
	}
	checkIn := func(months int) (id string, answer *string) {
		require.Eventually(t, func() bool {
			return b.d.Admin.QueryRow(ctx, "SELECT id::text, answer FROM follow_ups WHERE interest_id = $1 AND months = $2",
				interestID, months).Scan(&id, &answer) == nil
		}, 20*time.Second, 20*time.Millisecond, "the %d-month check-in is asked", months)
		return id, answer
	}

	relayUntilDone() // starts the follow-up
	first, _ := checkIn(3)
	b.smtp.WaitForNth(t, "placed@example.org", 1, 20*time.Second)
	require.NoError(t, b.store.InTx(ctx, candActor, func(tx *db.Tx) error {
		_, err := tx.FollowUpAnswer(ctx, first, true, time.Now())
		return err
	}))
	require.EqualValues(t, 1, b.pending(t), "the answer's signal waits in the outbox")

	// The first relay signals and dies before marking it.
	b.killedAfter(t, 1)
	second, answer := checkIn(6)
	require.Nil(t, answer)
	b.smtp.WaitForNth(t, "placed@example.org", 2, 20*time.Second)
	require.EqualValues(t, 1, b.pending(t), "the signal is not marked")
	desc, err := b.client.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(t, err)
	run := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId() // the second check-in's

	// The next relay signals again, now the second check-in's run.
	relayUntilDone()
	var events []*historypb.HistoryEvent
	require.Eventually(t, func() bool {
		events = events[:0]
		iter := b.client.GetWorkflowHistory(ctx, wid, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			require.NoError(t, err)
			events = append(events, e)
		}
		signalled := slices.IndexFunc(events, func(e *historypb.HistoryEvent) bool {
			return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
		})
		return signalled >= 0 && slices.ContainsFunc(events[signalled:], func(e *historypb.HistoryEvent) bool {
			return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
		})
	}, 20*time.Second, 50*time.Millisecond, "the repeated signal reached the second check-in's run and was handled")
	signalled := slices.IndexFunc(events, func(e *historypb.HistoryEvent) bool {
		return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
	})
	for _, e := range events[signalled:] {
		require.NotEqual(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, e.GetEventType(), "no step runs after the repeated signal")
		require.NotEqual(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, e.GetEventType(), "the check-in is not moved on")
	}
	desc, err = b.client.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(t, err)
	require.Equal(t, run, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), "still the second check-in's run")
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus())
	id, answer := checkIn(6)
	require.Equal(t, second, id)
	require.Nil(t, answer, "the second check-in is still open")
	var answered, followUps int
	require.NoError(t, b.d.Admin.QueryRow(ctx, "SELECT count(*) FROM journey_events WHERE type = $1", string(sim.EventFollowUpAnswered)).Scan(&answered))
	require.NoError(t, b.d.Admin.QueryRow(ctx, "SELECT count(*) FROM follow_ups").Scan(&followUps))
	require.Equal(t, 1, answered)
	require.Equal(t, 2, followUps)
	require.Len(t, b.smtp.Messages(), 2, "two check-ins asked, nothing else sent")
}

// The Retention schedule on the dev server: created twice it is one
// schedule, and triggering it runs the sweep with the real activities on
// the real Postgres: an old sign-in record goes, an invitation nobody used
// within its window is expired and counted, a candidate inactive for
// longer than their record is kept becomes a ghost, and a recent one
// stays.
func TestRetentionScheduleRunsTheSweep(t *testing.T) {
	t.Parallel()
	b := relaySetup(t)
	ctx := context.Background()
	created, err := workflows.EnsureRetentionSchedule(ctx, b.client, b.queue)
	require.NoError(t, err)
	require.True(t, created)
	created, err = workflows.EnsureRetentionSchedule(ctx, b.client, b.queue)
	require.NoError(t, err)
	require.False(t, created, "the second call finds the schedule")
	iter, err := b.client.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	require.NoError(t, err)
	found := 0
	for iter.HasNext() {
		s, err := iter.Next()
		require.NoError(t, err)
		if s.ID == workflows.RetentionScheduleID {
			found++
		}
	}
	require.Equal(t, 1, found, "one schedule")

	old := testfactory.Candidate(t, b.d, testfactory.CandidateOpts{Email: "old@example.org"})
	recent := testfactory.Candidate(t, b.d, testfactory.CandidateOpts{Email: "recent@example.org"})
	_, _ = testfactory.Invitation(t, b.d, testfactory.InvitationOpts{Email: "never@example.org", Now: time.Now().AddDate(0, -3, 0), Window: time.Hour})
	exec := func(sql string, args ...any) {
		_, err := b.d.Admin.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	exec(`INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES ($1, now() - interval '4 years'), ($2, now() - interval '1 day')
		ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = EXCLUDED.last_active_at`, old.Candidate.ID, recent.Candidate.ID)
	exec(`INSERT INTO login_events (id, user_id, outcome, ip, network, user_agent, occurred_at, subject)
		VALUES (gen_random_uuid(), $1, 'failure', '192.0.2.9', '192.0.2.0/24', 'ua', now() - interval '3 years', '\x00')`, recent.User.ID)

	h := b.client.ScheduleClient().GetHandle(ctx, workflows.RetentionScheduleID)
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var runID, workflowID string
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		require.NoError(t, err)
		for _, a := range d.Info.RecentActions {
			if a.StartWorkflowResult != nil {
				workflowID, runID = a.StartWorkflowResult.WorkflowID, a.StartWorkflowResult.FirstExecutionRunID
				return true
			}
		}
		return false
	}, 30*time.Second, 100*time.Millisecond, "the trigger starts a run")
	var res workflows.RetentionResult
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, b.client.GetWorkflow(wctx, workflowID, runID).Get(wctx, &res))
	require.EqualValues(t, 1, res.Done[activities.StepAnonymise])
	require.EqualValues(t, 1, res.Done[activities.StepExpireInvitations])
	require.EqualValues(t, 1, res.Done["sweep:login_events"])
	count := func(q string, args ...any) (n int) {
		require.NoError(t, b.d.Admin.QueryRow(ctx, q, args...).Scan(&n))
		return n
	}
	require.Zero(t, count("SELECT count(*) FROM candidates WHERE id = $1", old.Candidate.ID))
	require.Equal(t, 1, count("SELECT count(*) FROM candidates WHERE id = $1", recent.Candidate.ID))
	require.Equal(t, 1, count("SELECT count(*) FROM ghosts"))
	require.Zero(t, count("SELECT count(*) FROM invitations WHERE email = 'never@example.org'"))
	require.Equal(t, 1, count("SELECT coalesce(sum(expired), 0) FROM expired_invitation_counts"))
	require.Zero(t, count("SELECT count(*) FROM login_events WHERE occurred_at < now() - interval '2 years'"))
}
