//go:build record

package workflows_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// TestRecordHistories runs each workflow's main paths on the real dev
// server, through the outbox relay, with the replay key, and writes their
// histories to testdata for TestReplayCommittedHistories. Run it with
// `make histories` after a change to a workflow (behind
// workflow.GetVersion), and commit the new files beside the old ones.
func TestRecordHistories(t *testing.T) {
	ctx := context.Background()
	key, err := base64.StdEncoding.DecodeString(replayKey)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("replay-test", key)
	require.NoError(t, err)
	c, err := client.Dial(codec.ClientOptions(client.Options{HostPort: temporalAddr}))
	require.NoError(t, err)
	defer c.Close()
	d := testdb.New(t)
	// Check-ins wait seconds, not weeks, so the follow-up's history is
	// recorded in one run of this test.
	store := db.NewStore(d.App, sim.DefaultSessionPolicy,
		db.WithFollowUps(sim.FollowUpPolicy{Months: []int{3, 6, 12}, RemindAfter: 2 * time.Second, AnswerWindow: 2 * time.Second}),
		db.WithJourneyHooks("recorder"))
	smtp := testsmtp.Start(t)
	notifier, err := mail.NewSMTP("smtp://"+smtp.Addr, "noreply@example.org")
	require.NoError(t, err)
	queue := "record"
	w := worker.New(c, queue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: store, Notifier: notifier, PublicURL: "https://muster.example.org", ResendGap: time.Nanosecond,
		Hooks: []sim.JourneyHook{recorderHook{}}})
	require.NoError(t, w.Start())
	defer w.Stop()
	relayCtx, stopRelay := context.WithCancel(ctx)
	defer stopRelay()
	go func() {
		_ = (&workflows.Relay{Store: store, Client: c, TaskQueue: queue, Interval: 20 * time.Millisecond}).Run(relayCtx)
	}()
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{}))

	invite := func(email string, window time.Duration) sim.Invitation {
		var inv sim.Invitation
		require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
			var err error
			inv, err = tx.InvitationCreate(ctx, db.InvitationRequest{Email: email, Window: window, Now: time.Now()})
			return err
		}))
		return inv
	}
	request := func(email string) string {
		require.NoError(t, store.InTx(ctx, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, email, time.Now()) }))
		var id string
		require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM registration_requests WHERE email = $1", email).Scan(&id))
		return sim.RegistrationRequestWorkflowID(id)
	}
	save := func(workflowID, file string) { saveHistory(t, c, workflowID, file) }

	// Invitation, registered: its link, then a registration through the outbox.
	registered := invite("registered-"+uuid.NewString()[:8]+"@example.org", time.Hour)
	token := smtp.WaitFor(t, lastRecipient(t, d, registered.ID), 30*time.Second).Token(t)
	_, err = store.Register(ctx, db.Registration{Token: token, Password: "a long enough password", Profile: testfactory.Profile(time.Now()),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: time.Now()})
	require.NoError(t, err)
	save(workflows.InvitationWorkflowID(registered.ID), "invitation-registered-v1.json")

	// Invitation, expired.
	expired := invite("expired@example.org", 2*time.Second)
	save(workflows.InvitationWorkflowID(expired.ID), "invitation-expired-v1.json")

	// RegistrationRequest: a new address, one with a pending invitation
	// (its link is sent again), one already registered.
	save(request("new@example.org"), "registration-request-created.json")
	pending := invite("pending@example.org", time.Hour)
	smtp.WaitFor(t, "pending@example.org", 30*time.Second)
	_ = pending
	save(request("pending@example.org"), "registration-request-pending.json")
	var member string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT email FROM users WHERE role = 'candidate'").Scan(&member))
	// Since already-registered-email: the owner is told, with a reset link.
	save(request(member), "registration-request-registered-v1.json")

	// PasswordReset: an account's address is sent a link; an unknown one nothing.
	reset := func(email string) string {
		require.NoError(t, store.InTx(ctx, sim.Anonymous, func(tx *db.Tx) error { return tx.ResetRequestCreate(ctx, email, time.Now()) }))
		var id string
		require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM reset_requests WHERE email = $1", email).Scan(&id))
		return sim.PasswordResetWorkflowID(id)
	}
	save(reset(member), "password-reset-sent.json")
	save(reset("unknown@example.org"), "password-reset-unknown.json")

	// OrgOnboarding, completed: the agreement starts it, the initial
	// administrator sets up the account from the emailed link.
	onboard := func(st *db.Store, name, admin string) (orgID, invID string) {
		require.NoError(t, st.InTx(ctx, op, func(tx *db.Tx) error {
			o, err := tx.OrgCreate(ctx, sim.OrgDetails{Name: name, Type: "trust", Region: "london", Active: true}, time.Now())
			if err != nil {
				return err
			}
			rec, err := tx.AgreementRecord(ctx, o.ID, sim.AgreementDetails{
				Version: "2026-dsa-v1", SignedName: name, SignatoryName: "Alex Morgan", SignatoryRole: "DPO", SignedOn: time.Now().AddDate(0, 0, -1),
			}, &sim.Contact{Name: "Jo Patel", Email: admin}, time.Now())
			orgID, invID = o.ID, rec.Onboarding.ID
			return err
		}))
		return orgID, invID
	}
	orgID, invID := onboard(store, "Recorded Trust", "admin@recorded.example")
	created, err := store.AcceptAccountInvitation(ctx, db.AccountSetup{
		Token: smtp.WaitFor(t, "admin@recorded.example", 30*time.Second).Token(t), Password: "a long enough password", Now: time.Now(),
	})
	require.NoError(t, err)
	save(sim.OrgOnboardingWorkflowID(orgID, invID), "org-onboarding-completed.json")

	// OrgOnboarding, escalated, and AccountInvitation, expired: short
	// windows, reminded and closed unanswered.
	short := db.NewStore(d.App, sim.DefaultSessionPolicy, db.WithAccountInvitationWindow(3*time.Second))
	orgID, invID = onboard(short, "Escalated Trust", "admin@escalated.example")
	save(sim.OrgOnboardingWorkflowID(orgID, invID), "org-onboarding-escalated.json")
	admin := sim.Actor{UserID: created.UserID, Role: created.Role, OrgID: created.OrgID}
	var colleague sim.AccountInvitation
	require.NoError(t, short.InTx(ctx, admin, func(tx *db.Tx) error {
		var err error
		colleague, err = tx.OrgInvite(ctx, sim.Contact{Name: "Chris Lee", Email: "chris@recorded.example"}, sim.RoleOrgUser, time.Now())
		return err
	}))
	save(sim.AccountInvitationWorkflowID(colleague.ID), "account-invitation-expired.json")

	// MailboxVerification: the link goes to the new group mailbox.
	require.NoError(t, store.InTx(ctx, admin, func(tx *db.Tx) error {
		_, err := tx.MailboxSet(ctx, created.OrgID, "recruitment@recorded.example", time.Now())
		return err
	}))
	var verificationID string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM mailbox_verifications WHERE email = 'recruitment@recorded.example'").Scan(&verificationID))
	save(sim.MailboxVerificationWorkflowID(verificationID), "mailbox-verification-sent.json")

	// InterestNotification: the registered member chooses the (now
	// pledged) organisation; its admin is told.
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.OrgUpdate(ctx, created.OrgID, sim.OrgDetails{
			Name: "Recorded Trust", Type: "trust", Region: "london", Active: true, PledgeOn: time.Now().AddDate(0, -1, 0),
		}, time.Now())
		return err
	}))
	var memberID string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM users WHERE email = $1", member).Scan(&memberID))
	require.NoError(t, store.InTx(ctx, sim.Actor{UserID: memberID, Role: sim.RoleCandidate}, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{created.OrgID}, time.Now())
		return err
	}))
	var eventID string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM journey_events WHERE type = 'interest.expressed'").Scan(&eventID))
	save(sim.InterestNotificationWorkflowID(eventID), "interest-notification-sent.json")
	save(sim.JourneyHooksWorkflowID(eventID), "journey-hooks-delivered.json")

	// MessageNotification: the member writes to the organisation; its
	// admin is told, without the text.
	var message sim.ThreadMessage
	require.NoError(t, store.InTx(ctx, sim.Actor{UserID: memberID, Role: sim.RoleCandidate}, func(tx *db.Tx) error {
		var err error
		message, err = tx.MessageSend(ctx, db.ThreadKey{OrgID: created.OrgID, Mine: true}, "Hello", time.Now())
		return err
	}))
	save(sim.MessageNotificationWorkflowID(message.ID), "message-notification-sent.json")

	// PlacementFollowUp: the organisation places the member in a job that
	// started thirteen months ago, so every check-in is due at once; the
	// member answers none of them. The history is the last check-in's run.
	started := time.Now().AddDate(0, -13, 0)
	memberCandidate := candidateOf(t, d, memberID)
	for _, iv := range []sim.Intervention{
		{Kind: sim.InterventionInterview, On: started},
		{Kind: sim.InterventionOffer, On: started},
		{Kind: sim.InterventionPlaced, On: started},
	} {
		require.NoError(t, store.InTx(ctx, admin, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, created.OrgID, memberCandidate, iv, time.Now())
			return err
		}))
	}
	var interestID string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1", memberCandidate).Scan(&interestID))
	save(sim.PlacementFollowUpWorkflowID(interestID), "placement-follow-up-no-answer.json")

	// SpotCheckNotice: a registration a rule flags is rejected by the
	// operator; the candidate is told.
	flagged := invite("flagged-"+uuid.NewString()[:8]+"@example.org", time.Hour)
	flaggedToken := smtp.WaitFor(t, lastRecipient(t, d, flagged.ID), 30*time.Second).Token(t)
	profile := testfactory.Profile(time.Now())
	profile.Connection = sim.ConnOtherFamilyMember
	_, err = store.Register(ctx, db.Registration{Token: flaggedToken, Password: "a long enough password", Profile: profile,
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: time.Now()})
	require.NoError(t, err)
	var spotCheckID string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM spot_checks WHERE candidate_id = $1", flagged.CandidateID).Scan(&spotCheckID))
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		return tx.SpotCheckDecide(ctx, spotCheckID, sim.VerificationRejected, "No service record found", time.Now())
	}))
	save(sim.SpotCheckNoticeWorkflowID(spotCheckID), "spot-check-notice-sent.json")
}

// saveHistory waits for the workflow workflowID to start (the relay
// starts it) and to end, and writes its history to testdata/file.
func saveHistory(t *testing.T, c client.Client, workflowID, file string) {
	t.Helper()
	ctx := context.Background()
	require.Eventually(t, func() bool {
		_, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, workflowID)
	require.NoError(t, c.GetWorkflow(ctx, workflowID, "").Get(ctx, nil))
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		events = append(events, ev)
	}
	b, err := protojson.MarshalOptions{Multiline: true}.Marshal(&historypb.History{Events: events})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join("testdata", file), append(b, '\n'), 0o644))
	t.Logf("recorded %s (%d events)", file, len(events))
}

// candidateOf is the candidate ID of the account userID.
func candidateOf(t *testing.T, d *testdb.DB, userID string) string {
	t.Helper()
	var id string
	require.NoError(t, d.Admin.QueryRow(context.Background(), "SELECT id::text FROM candidates WHERE user_id = $1", userID).Scan(&id))
	return id
}

// lastRecipient is the address of an invitation (before it is used).
func lastRecipient(t *testing.T, d *testdb.DB, invitationID string) string {
	t.Helper()
	var email string
	require.NoError(t, d.Admin.QueryRow(context.Background(), "SELECT email FROM invitations WHERE id = $1", invitationID).Scan(&email))
	return email
}

// recorderHook is a journey hook that accepts every event.
type recorderHook struct{}

func (recorderHook) Name() string { return "recorder" }

func (recorderHook) HandleJourneyEvent(context.Context, sim.HookEvent) error { return nil }

// TestRecordPrivacyHistories records the privacy engine's workflows:
// Retention over a database with something due, Erasure of a placed
// candidate, and a DataRequest extended and then answered.
func TestRecordPrivacyHistories(t *testing.T) {
	ctx := context.Background()
	const queue = "record-privacy"
	c, d, store := recordingWorld(t, queue)
	var err error
	save := func(workflowID, file string) { saveHistory(t, c, workflowID, file) }
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{}))
	org := testfactory.Organisation(t, d, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID})

	// Retention: an inactive candidate and an old sign-in record.
	old := testfactory.Candidate(t, d, testfactory.CandidateOpts{})
	_, err = d.Admin.Exec(ctx, `INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES ($1, now() - interval '4 years')
		ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = EXCLUDED.last_active_at`, old.Candidate.ID)
	require.NoError(t, err)
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-recorded", TaskQueue: queue}, sim.WorkflowRetention, workflows.RetentionInput{})
	require.NoError(t, err)
	save("retention-recorded", "retention-run.json")

	// Erasure: a placed candidate asks to be erased.
	cand := testfactory.Candidate(t, d, testfactory.CandidateOpts{})
	candActor := testfactory.Actor(cand.User)
	require.NoError(t, store.InTx(ctx, candActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{org.ID}, time.Now())
		return err
	}))
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		require.NoError(t, store.InTx(ctx, staff, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, org.ID, cand.Candidate.ID, sim.Intervention{Kind: k, On: time.Now()}, time.Now())
			return err
		}))
	}
	require.NoError(t, store.InTx(ctx, candActor, func(tx *db.Tx) error {
		_, err := tx.ErasureRequest(ctx, cand.Candidate.ID, time.Now())
		return err
	}))
	save(sim.ErasureWorkflowID(cand.Candidate.ID), "erasure-erased.json")

	// DataRequest: logged by the operator, extended, answered.
	other := testfactory.Candidate(t, d, testfactory.CandidateOpts{})
	var r sim.DataRequest
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		var err error
		r, err = tx.DataRequestMake(ctx, sim.RequestSubjectAccess, other.Candidate.ID, time.Now())
		return err
	}))
	require.Eventually(t, func() bool {
		_, err := c.DescribeWorkflowExecution(ctx, sim.DataRequestWorkflowID(r.ID), "")
		return err == nil
	}, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.DataRequestChange(ctx, r.ID, 1, "A large request: records from three organisations", time.Now())
		return err
	}))
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.DataRequestChange(ctx, r.ID, 0, "", time.Now())
		return err
	}))
	save(sim.DataRequestWorkflowID(r.ID), "data-request-answered.json")
}

// TestRecordInfoRequestHistory records an InfoRequest workflow: logged by
// the operator, acknowledged, supplied, through the Store and the outbox.
func TestRecordInfoRequestHistory(t *testing.T) {
	ctx := context.Background()
	c, d, store := recordingWorld(t, "record-info-request")
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{Role: sim.RoleOperator}))
	var r sim.InfoRequest
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		var err error
		r, err = tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "A dissertation", "The funnel", false, time.Now())
		return err
	}))
	require.Eventually(t, func() bool {
		_, err := c.DescribeWorkflowExecution(ctx, sim.InfoRequestWorkflowID(r.ID), "")
		return err == nil
	}, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.InfoRequestAcknowledge(ctx, r.ID, time.Now())
		return err
	}))
	require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
		_, err := tx.InfoRequestSupply(ctx, r.ID, db.InfoReleaseFiles{Report: "funnel", PDF: []byte("%PDF-1.3"), XLSX: []byte("PK")}, time.Now())
		return err
	}))
	saveHistory(t, c, sim.InfoRequestWorkflowID(r.ID), "info-request-supplied.json")
}

// recordingWorld is a client of the dev server with the replay codec, a
// database and its Store, and a worker and relay on queue, all stopped
// when t ends.
func recordingWorld(t *testing.T, queue string) (client.Client, *testdb.DB, *db.Store) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(replayKey)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("replay-test", key)
	require.NoError(t, err)
	c, err := client.Dial(codec.ClientOptions(client.Options{HostPort: temporalAddr}))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	smtp := testsmtp.Start(t)
	notifier, err := mail.NewSMTP("smtp://"+smtp.Addr, "noreply@example.org")
	require.NoError(t, err)
	w := worker.New(c, queue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: store, Notifier: notifier, PublicURL: "https://muster.example.org"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	relayCtx, stopRelay := context.WithCancel(context.Background())
	t.Cleanup(stopRelay)
	go func() {
		_ = (&workflows.Relay{Store: store, Client: c, TaskQueue: queue, Interval: 20 * time.Millisecond}).Run(relayCtx)
	}()
	return c, d, store
}
