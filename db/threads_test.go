package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

func (b *testBundle) send(t *testing.T, actor sim.Actor, k db.ThreadKey, body string, at time.Time) (sim.ThreadMessage, error) {
	t.Helper()
	var m sim.ThreadMessage
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		m, err = tx.MessageSend(context.Background(), k, body, at)
		return err
	})
	return m, err
}

func (b *testBundle) page(t *testing.T, actor sim.Actor, k db.ThreadKey, before *sim.MessageCursor, limit int) ([]sim.ThreadMessage, error) {
	t.Helper()
	var out []sim.ThreadMessage
	err := b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.ThreadMessages(context.Background(), k, before, limit)
		return err
	})
	return out, err
}

func (b *testBundle) orgThreads(t *testing.T, actor sim.Actor, orgID string) []sim.ThreadSummary {
	t.Helper()
	var out []sim.ThreadSummary
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.OrgThreads(context.Background(), orgID, nil, 0)
		return err
	}))
	return out
}

func (b *testBundle) candidateThreads(t *testing.T, actor sim.Actor) []sim.ThreadSummary {
	t.Helper()
	var out []sim.ThreadSummary
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		var err error
		out, err = tx.CandidateThreads(context.Background())
		return err
	}))
	return out
}

func bodies(ms []sim.ThreadMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

// A thread is one per candidate and organisation: every user of the
// organisation and the candidate read all of it, each has their own
// unread count, and each message tells the other side through the outbox.
func TestThreadBetweenCandidateAndOrganisation(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	_, colleague := testfactory.OrgUser(t, j.db, testfactory.OrgUserOpts{OrgID: j.orgA.ID})
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	asCandidate := db.ThreadKey{OrgID: j.orgA.ID, Mine: true}
	asOrg := db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}

	// Before the first message the thread is empty, on both sides.
	for _, c := range []struct {
		actor sim.Actor
		k     db.ThreadKey
	}{{j.candActor, asCandidate}, {j.userA, asOrg}} {
		got, err := j.page(t, c.actor, c.k, nil, 0)
		require.NoError(t, err)
		require.Empty(t, got)
	}
	require.Empty(t, j.candidateThreads(t, j.candActor))

	first, err := j.send(t, j.userA, asOrg, "Would you like to come to our information day?", j.now.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, first.FromCandidate)
	require.Equal(t, j.userA.UserID, first.AuthorID)

	threads := j.candidateThreads(t, j.candActor)
	require.Len(t, threads, 1)
	require.Equal(t, "Northshire NHS Trust", threads[0].OrgName)
	require.Equal(t, 1, threads[0].Unread, "the organisation's message is unread by the candidate")
	require.Equal(t, 0, j.orgThreads(t, j.userA, j.orgA.ID)[0].Unread, "a writer has read their own message")

	reply, err := j.send(t, j.candActor, asCandidate, "Yes please.\nI can come in the morning.", j.now.Add(2*time.Minute))
	require.NoError(t, err)
	require.True(t, reply.FromCandidate)
	// The candidate's reply says they read the thread up to it.
	require.Equal(t, 0, j.candidateThreads(t, j.candActor)[0].Unread)
	require.Equal(t, 1, j.orgThreads(t, j.userA, j.orgA.ID)[0].Unread)
	require.Equal(t, 1, j.orgThreads(t, colleague, j.orgA.ID)[0].Unread, "each user of the organisation has their own count")

	// Every user of the organisation reads the whole thread, newest first.
	for _, actor := range []sim.Actor{j.userA, colleague} {
		got, err := j.page(t, actor, asOrg, nil, 0)
		require.NoError(t, err)
		require.Equal(t, []string{reply.Body, first.Body}, bodies(got))
	}
	require.NoError(t, j.in(t, colleague, func(tx *db.Tx) error { return tx.ThreadMarkRead(context.Background(), asOrg) }))
	require.Equal(t, 0, j.orgThreads(t, colleague, j.orgA.ID)[0].Unread)
	require.Equal(t, 1, j.orgThreads(t, j.userA, j.orgA.ID)[0].Unread)

	// Each message is one MessageNotification intent, named by the message.
	require.Equal(t, []string{sim.MessageNotificationWorkflowID(first.ID), sim.MessageNotificationWorkflowID(reply.ID)},
		j.outboxStarts(t, sim.WorkflowMessageNotification))
	// B's user sees no thread of A's, and B has none with the candidate.
	require.Empty(t, j.orgThreads(t, j.userB, j.orgB.ID))
	_, err = j.page(t, j.userB, db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}, nil, 0)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	_, err = j.page(t, j.userB, db.ThreadKey{OrgID: j.orgB.ID, CandidateID: j.cand.Candidate.ID}, nil, 0)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	// Another candidate cannot name this thread: theirs with A does not exist.
	other := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	_, err = j.page(t, testfactory.Actor(other.User), asCandidate, nil, 0)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	_, err = j.send(t, testfactory.Actor(other.User), asCandidate, "hello", j.now)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
}

// A thread pages back from the newest message with no gaps or repeats.
func TestThreadPages(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	k := db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}
	var want []string
	for i := range 7 {
		actor, key := j.userA, k
		if i%2 == 1 {
			actor, key = j.candActor, db.ThreadKey{OrgID: j.orgA.ID, Mine: true}
		}
		m, err := j.send(t, actor, key, strings.Repeat("x", i+1), j.now.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
		want = append([]string{m.Body}, want...)
	}
	var got []string
	var before *sim.MessageCursor
	for pages := 0; ; pages++ {
		require.Less(t, pages, 4)
		page, err := j.page(t, j.userA, k, before, 3)
		require.NoError(t, err)
		got = append(got, bodies(page)...)
		if len(page) < 3 {
			break
		}
		before = &sim.MessageCursor{Seq: page[len(page)-1].Seq}
	}
	require.Equal(t, want, got)
}

// Messaging follows visibility: once the organisation no longer sees the
// candidate, it can neither read nor write the thread, exactly as if it
// did not exist; the candidate still reads what is theirs but cannot
// write to it. Choosing the organisation again opens it again.
func TestThreadFollowsVisibility(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	asOrg := db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}
	asCandidate := db.ThreadKey{OrgID: j.orgA.ID, Mine: true}
	_, err = j.send(t, j.userA, asOrg, "hello", j.now)
	require.NoError(t, err)

	require.NoError(t, j.removeInterest(t, j.candActor, j.orgA.ID, j.now.Add(time.Minute)))
	_, err = j.page(t, j.userA, asOrg, nil, 0)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	_, err = j.send(t, j.userA, asOrg, "are you there?", j.now)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	require.Empty(t, j.orgThreads(t, j.userA, j.orgA.ID))
	got, err := j.page(t, j.candActor, asCandidate, nil, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"hello"}, bodies(got))
	_, err = j.send(t, j.candActor, asCandidate, "one more thing", j.now)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))

	_, err = j.choose(t, j.candActor, j.now.Add(2*time.Minute), j.orgA.ID)
	require.NoError(t, err)
	_, err = j.send(t, j.candActor, asCandidate, "I am back", j.now.Add(3*time.Minute))
	require.NoError(t, err)
	got, err = j.page(t, j.userA, asOrg, nil, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"I am back", "hello"}, bodies(got))
}

// A message must be text a person can read.
func TestMessageRefusesBadText(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	k := db.ThreadKey{OrgID: j.orgA.ID, Mine: true}
	for _, body := range []string{"", "  \n\t ", "nul\x00byte", "bad \xff utf-8", "right\u202eleft", strings.Repeat("é", sim.MaxMessageLen+1), "a\r\nb"} {
		_, err := j.send(t, j.candActor, k, body, j.now)
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%q", body)
	}
	require.Zero(t, j.count(t, "SELECT count(*) FROM messages"))
	_, err = j.send(t, j.candActor, k, strings.Repeat("é", sim.MaxMessageLen), j.now)
	require.NoError(t, err)
}

// A participant reports a message; the operator hides it (kept with the
// reason, shown to nobody else) or dismisses the report; both are audit
// events, and a decided report cannot be decided again.
func TestReportAndModeration(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	asOrg := db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}
	rude, err := j.send(t, j.userA, asOrg, "a rude message", j.now)
	require.NoError(t, err)
	fine, err := j.send(t, j.userA, asOrg, "a fine message", j.now.Add(time.Second))
	require.NoError(t, err)
	report := func(actor sim.Actor, messageID string, r sim.MessageReport) (string, bool, error) {
		var id string
		var created bool
		err := j.in(t, actor, func(tx *db.Tx) error {
			var err error
			id, created, err = tx.MessageReport(ctx, messageID, r, j.now.Add(time.Minute))
			return err
		})
		return id, created, err
	}
	decide := func(reportID string, d sim.ModerationDecision) error {
		return j.in(t, j.op, func(tx *db.Tx) error { return tx.ModerationDecide(ctx, reportID, d, j.now.Add(time.Hour)) })
	}
	queue := func() []sim.ReportedMessage {
		var out []sim.ReportedMessage
		require.NoError(t, j.in(t, j.op, func(tx *db.Tx) error {
			var err error
			out, err = tx.ModerationQueue(ctx, nil, 0)
			return err
		}))
		return out
	}

	_, _, err = report(j.candActor, rude.ID, sim.MessageReport{Reason: "rude"})
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, _, err = report(j.candActor, rude.ID, sim.MessageReport{Reason: sim.ReportOther})
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "other needs a note")
	_, _, err = report(j.userA, rude.ID, sim.MessageReport{Reason: sim.ReportSpam})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "not one's own message")
	_, _, err = report(j.userB, rude.ID, sim.MessageReport{Reason: sim.ReportSpam})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "B's user cannot read it")
	_, _, err = report(j.candActor, "not-an-id", sim.MessageReport{Reason: sim.ReportSpam})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))

	rudeReport, created, err := report(j.candActor, rude.ID, sim.MessageReport{Reason: sim.ReportDisrespectful})
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := report(j.candActor, rude.ID, sim.MessageReport{Reason: sim.ReportHarassment})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, rudeReport, again, "reporting again returns the first report")
	fineReport, _, err := report(j.candActor, fine.ID, sim.MessageReport{Reason: sim.ReportOther, Note: "not sure about this"})
	require.NoError(t, err)

	q := queue()
	require.Len(t, q, 2)
	i := slices.IndexFunc(q, func(r sim.ReportedMessage) bool { return r.ReportID == rudeReport })
	require.NotEqual(t, -1, i)
	require.Equal(t, rude.ID, q[i].MessageID)
	require.Equal(t, "a rude message", q[i].Body)
	require.Equal(t, sim.ReportDisrespectful, q[i].Reason)
	require.Equal(t, j.cand.User.ID, q[i].ReportedBy)
	require.Equal(t, j.userA.UserID, q[i].AuthorID)

	// Only the operator decides, and only with a reason to hide.
	err = j.in(t, j.userA, func(tx *db.Tx) error {
		return tx.ModerationDecide(ctx, rudeReport, sim.ModerationDecision{Action: sim.ModerationDismiss}, j.now)
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(decide(rudeReport, sim.ModerationDecision{Action: sim.ModerationHide})))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(decide(rudeReport, sim.ModerationDecision{Action: "delete", Reason: "x"})))

	require.NoError(t, decide(rudeReport, sim.ModerationDecision{Action: sim.ModerationHide, Reason: "breaches point 1"}))
	require.NoError(t, decide(fineReport, sim.ModerationDecision{Action: sim.ModerationDismiss}))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(decide(rudeReport, sim.ModerationDecision{Action: sim.ModerationDismiss})))
	require.Empty(t, queue())

	// The hidden message is gone for both sides, and from the unread count.
	for _, c := range []struct {
		actor sim.Actor
		k     db.ThreadKey
	}{{j.candActor, db.ThreadKey{OrgID: j.orgA.ID, Mine: true}}, {j.userA, asOrg}} {
		got, err := j.page(t, c.actor, c.k, nil, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"a fine message"}, bodies(got))
	}
	require.Equal(t, 1, j.candidateThreads(t, j.candActor)[0].Unread)
	// It is kept, with the reason, for the operator and the audit.
	var reason string
	require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT hidden_reason FROM messages WHERE id = $1", rude.ID).Scan(&reason))
	require.Equal(t, "breaches point 1", reason)
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2", string(sim.AuditMessageHidden), rude.ID))
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2", string(sim.AuditReportDismissed), fineReport))
	require.Equal(t, 2, j.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditMessageReported)))
	// A hidden message cannot be reported again.
	_, _, err = report(j.candActor, rude.ID, sim.MessageReport{Reason: sim.ReportSpam})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
}

// Fifty messages at once, from both sides, into a thread that does not
// exist yet: one thread, every message kept in one order, each side's
// unread count right; and twenty reports of one message by one reader at
// once make one report.
func TestThreadUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	const n = 50
	errs := make(chan error, n)
	ids := make(chan string, n)
	for i := range n {
		go func() {
			actor, k := j.userA, db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}
			if i%2 == 1 {
				actor, k = j.candActor, db.ThreadKey{OrgID: j.orgA.ID, Mine: true}
			}
			var m sim.ThreadMessage
			err := j.store.InTx(ctx, actor, func(tx *db.Tx) error {
				var err error
				m, err = tx.MessageSend(ctx, k, fmt.Sprintf("message %d", i), j.now)
				return err
			})
			errs <- err
			ids <- m.ID
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM threads"))
	require.Equal(t, n, j.count(t, "SELECT count(DISTINCT seq) FROM messages"))
	require.Len(t, j.outboxStarts(t, sim.WorkflowMessageNotification), n)
	all, err := j.page(t, j.userA, db.ThreadKey{OrgID: j.orgA.ID, CandidateID: j.cand.Candidate.ID}, nil, 500)
	require.NoError(t, err)
	require.Len(t, all, n)
	require.True(t, slices.IsSortedFunc(all, func(a, b sim.ThreadMessage) int { return int(b.Seq - a.Seq) }))
	// Each side has read up to its own last message, at least; what the
	// other side wrote after that is unread.
	cand := j.candidateThreads(t, j.candActor)[0].Unread
	org := j.orgThreads(t, j.userA, j.orgA.ID)[0].Unread
	lastOf := func(fromCandidate bool) int64 {
		for _, m := range all {
			if m.FromCandidate == fromCandidate {
				return m.Seq
			}
		}
		return 0
	}
	countAfter := func(seq int64, fromCandidate bool) int {
		c := 0
		for _, m := range all {
			if m.FromCandidate == fromCandidate && m.Seq > seq {
				c++
			}
		}
		return c
	}
	require.Equal(t, countAfter(lastOf(true), false), cand)
	require.Equal(t, countAfter(lastOf(false), true), org)

	target := all[0]
	reporter := j.candActor
	if target.FromCandidate {
		reporter = j.userA
	}
	reports := make(chan string, 20)
	for range 20 {
		go func() {
			var id string
			err := j.store.InTx(ctx, reporter, func(tx *db.Tx) error {
				var err error
				id, _, err = tx.MessageReport(ctx, target.ID, sim.MessageReport{Reason: sim.ReportSpam}, j.now)
				return err
			})
			errs <- err
			reports <- id
		}()
	}
	first := ""
	for range 20 {
		require.NoError(t, <-errs)
		id := <-reports
		if first == "" {
			first = id
		}
		require.Equal(t, first, id)
	}
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM message_reports"))
}

// Two operators deciding two reports of one message at once: one
// decides, the other is told it was decided; never a deadlock.
func TestConcurrentModerationOfOneMessage(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	_, colleague := testfactory.OrgUser(t, j.db, testfactory.OrgUserOpts{OrgID: j.orgA.ID})
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	for round := range 5 {
		m, err := j.send(t, j.candActor, db.ThreadKey{OrgID: j.orgA.ID, Mine: true}, fmt.Sprintf("round %d", round), j.now)
		require.NoError(t, err)
		var reports []string
		for _, by := range []sim.Actor{j.userA, colleague} {
			require.NoError(t, j.in(t, by, func(tx *db.Tx) error {
				id, _, err := tx.MessageReport(ctx, m.ID, sim.MessageReport{Reason: sim.ReportSpam}, j.now)
				reports = append(reports, id)
				return err
			}))
		}
		errs := make(chan error, 2)
		for i, id := range reports {
			d := sim.ModerationDecision{Action: sim.ModerationHide, Reason: "spam"}
			if i == 1 {
				d = sim.ModerationDecision{Action: sim.ModerationDismiss}
			}
			go func() {
				errs <- j.store.InTx(ctx, j.op, func(tx *db.Tx) error { return tx.ModerationDecide(ctx, id, d, j.now) })
			}()
		}
		var codes []string
		for range 2 {
			codes = append(codes, sim.ErrorCode(<-errs))
		}
		require.ElementsMatch(t, []string{"", sim.ECONFLICT}, codes, "round %d", round)
	}
}
