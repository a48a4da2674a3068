package activities_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
)

var messageIDRe = regexp.MustCompile(`(?m)^Message-ID: <[^>]+>`)

// The window the delivery ledger exists for: an activity that sent its
// email and recorded it, but whose completion never reached Temporal (its
// worker died in between), is run again for the same key. Every notifying
// activity is run twice one after the other and twice at once, against a
// real SMTP server, and each recipient receives exactly one SMTP
// transaction: the ledger, not the Message-ID, makes it once.
func TestEveryNotificationGoesOnceWhenItsActivityRunsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	smtp := testsmtp.Start(t)
	notifier, err := mail.NewSMTP("smtp://"+smtp.Addr, "noreply@example.org")
	require.NoError(t, err)
	a := &activities.Activities{Store: store, Notifier: notifier, PublicURL: "https://muster.example.org"}
	in := func(actor sim.Actor, fn func(*db.Tx) error) { require.NoError(t, store.InTx(ctx, actor, fn)) }

	org := testfactory.Organisation(t, d, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin, Email: "admin@once.example"})
	testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID, Email: "user@once.example"})
	placer := testfactory.Organisation(t, d, testfactory.OrganisationOpts{})
	_, placerStaff := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: placer.ID, Email: "staff@placer.example"})
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{}))
	cand := testfactory.Candidate(t, d, testfactory.CandidateOpts{Email: "cand@once.example"})
	candActor := testfactory.Actor(cand.User)
	now := time.Now()

	// The candidate chooses the organisation, writes to it and is
	// answered; another organisation places another candidate; the operator rejects a
	// second candidate's registration at its spot check.
	in(candActor, func(tx *db.Tx) error { _, err := tx.InterestsChoose(ctx, []string{org.ID}, now); return err })
	var ref activities.InterestRef
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT e.id::text, i.id::text FROM journey_events e JOIN interests i ON i.id = e.interest_id
		WHERE e.candidate_id = $1 AND e.type = 'interest.expressed' AND i.org_id = $2`, cand.Candidate.ID, org.ID).Scan(&ref.EventID, &ref.InterestID))
	ref.OrgID = org.ID
	var toOrg, toCandidate sim.ThreadMessage
	in(candActor, func(tx *db.Tx) error {
		var err error
		toOrg, err = tx.MessageSend(ctx, db.ThreadKey{OrgID: org.ID, Mine: true}, "Hello", now)
		return err
	})
	in(staff, func(tx *db.Tx) error {
		var err error
		toCandidate, err = tx.MessageSend(ctx, db.ThreadKey{OrgID: org.ID, CandidateID: cand.Candidate.ID}, "Hello back", now)
		return err
	})
	hired := testfactory.Candidate(t, d, testfactory.CandidateOpts{Email: "hired@once.example"})
	in(testfactory.Actor(hired.User), func(tx *db.Tx) error { _, err := tx.InterestsChoose(ctx, []string{placer.ID}, now); return err })
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		in(placerStaff, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, placer.ID, hired.Candidate.ID, sim.Intervention{Kind: k, On: now}, now)
			return err
		})
	}
	var placed string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE org_id = $1", placer.ID).Scan(&placed))
	rejected := testfactory.Candidate(t, d, testfactory.CandidateOpts{Email: "rejected@once.example"})
	var spotCheck string
	_, err = d.Admin.Exec(ctx, "UPDATE candidates SET verification = 'sampled' WHERE id = $1", rejected.Candidate.ID)
	require.NoError(t, err)
	require.NoError(t, d.Admin.QueryRow(ctx, `INSERT INTO spot_checks (id, candidate_id, flags, sampled_at)
		VALUES (gen_random_uuid(), $1, '{random_sample}', $2) RETURNING id::text`, rejected.Candidate.ID, now).Scan(&spotCheck))
	in(op, func(tx *db.Tx) error {
		return tx.SpotCheckDecide(ctx, spotCheck, sim.VerificationRejected, "not eligible", now)
	})

	// Each call is one attempt of an activity; want is how many emails
	// go to each address in all.
	type attempt func(env *testsuite.TestActivityEnvironment)
	var calls []attempt
	var recipients []string
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT array_agg(id::text ORDER BY id) FROM users WHERE org_id = $1`, org.ID).Scan(&recipients))
	for _, r := range recipients {
		calls = append(calls,
			func(env *testsuite.TestActivityEnvironment) {
				_, err := env.ExecuteActivity(a.NotifyInterest, activities.InterestRecipientRef{InterestRef: ref, Recipient: r})
				require.NoError(t, err)
			},
			func(env *testsuite.TestActivityEnvironment) {
				_, err := env.ExecuteActivity(a.NotifyMessage, activities.MessageRecipientRef{
					MessageNotificationArgs: sim.MessageNotificationArgs{MessageID: toOrg.ID, OrgID: org.ID}, Recipient: r})
				require.NoError(t, err)
			})
	}
	calls = append(calls,
		func(env *testsuite.TestActivityEnvironment) {
			_, err := env.ExecuteActivity(a.NotifyMessage, activities.MessageRecipientRef{
				MessageNotificationArgs: sim.MessageNotificationArgs{MessageID: toCandidate.ID, OrgID: org.ID}, Recipient: cand.User.ID})
			require.NoError(t, err)
		},
		func(env *testsuite.TestActivityEnvironment) {
			_, err := env.ExecuteActivity(a.FollowUpAsk, activities.FollowUpRef{InterestID: placed, Months: 3, DueOn: now})
			require.NoError(t, err)
		},
		func(env *testsuite.TestActivityEnvironment) {
			_, err := env.ExecuteActivity(a.NotifySpotCheck, sim.SpotCheckNoticeArgs{SpotCheckID: spotCheck})
			require.NoError(t, err)
		})
	want := map[string]int{
		"admin@once.example":    2, // the interest, the candidate's message
		"user@once.example":     2,
		"cand@once.example":     1, // the organisation's answer
		"hired@once.example":    1, // the check-in
		"rejected@once.example": 1,
	}

	newEnv := func() *testsuite.TestActivityEnvironment {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(a)
		return env
	}
	// Twice in a row: the second attempt finds the key recorded.
	for _, call := range calls {
		env := newEnv()
		call(env)
		call(env)
	}
	// Twice at once, each after a fresh start: the ledger is cleared so
	// every notification is due again, and the two attempts race for it.
	_, err = d.Admin.Exec(ctx, "DELETE FROM notification_deliveries")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for _, call := range calls {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				call(newEnv())
			}()
		}
	}
	wg.Wait()

	// Raw SMTP transactions, not distinct messages: a repeat of the same
	// Message-ID counts.
	got := map[string]int{}
	ids := map[string]bool{}
	for _, m := range smtp.Messages() {
		id := messageIDRe.FindString(string(m.Data))
		require.NotEmpty(t, id)
		ids[id] = true
		for _, to := range m.To {
			got[to]++
		}
	}
	for addr, n := range want {
		want[addr] = 2 * n // once before the ledger was cleared, once after
	}
	require.Equal(t, want, got, "one SMTP transaction per notification and attempt round")
	require.Len(t, ids, 7, "seven notifications, each its own Message-ID")
	var recorded int
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM notification_deliveries").Scan(&recorded))
	require.Equal(t, 7, recorded)
}
