package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// world puts at least one row in every table, through the code paths that
// write them, and returns who is in it.
type world struct {
	member      testfactory.Registered // a registered candidate
	other       testfactory.Registered // another one
	inv         sim.Invitation         // a pending invitation...
	token       string                 // ...and its link
	memberToken string                 // the member's bearer token

	orgA, orgB     sim.Organisation // two onboarded organisations
	adminA         member           // A's initial administrator, joined with the onboarding link
	userA          member           // a colleague A's admin invited, who joined as an org_user
	adminB         member           // B's initial administrator
	colleague      sim.AccountInvitation
	colleagueToken string // the link of an invitation to A still open
	resetToken     string // a password reset link of B's admin, sent and unused
	mailboxToken   string // the link that verifies A's group mailbox, sent and unused
}

func populate(t *testing.T, b *testBundle) world {
	t.Helper()
	ctx := context.Background()
	w := world{
		member: testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"}),
		other:  testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "other@example.org"}),
	}
	w.inv, w.token = b.invite(t, "invitee@example.org")
	gone, _ := b.invite(t, "gone@example.org")
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.InvitationExpire(ctx, gone.ID, b.now.Add(sim.DefaultInvitationWindow))
		return err
	}))
	res, err := b.login("member@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	w.memberToken = res.Token
	require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, "asks@example.org", b.now) }))

	// Organisations: each recorded with its agreement by the operator,
	// onboarded by its initial administrator, who accepts the code of
	// conduct; A's admin invites two colleagues, one of whom joins.
	w.orgA, w.adminA = b.onboard(t, "Northshire NHS Trust", "admin.a@example.org")
	w.orgB, w.adminB = b.onboard(t, "Southshire Health Board", "admin.b@example.org")
	_, joinToken := b.inviteColleague(t, w.adminA.actor, "user.a@example.org", sim.RoleOrgUser)
	w.userA = b.join(t, joinToken, "user.a@example.org")
	w.colleague, w.colleagueToken = b.inviteColleague(t, w.adminA.actor, "later@example.org", sim.RoleOrgAdmin)

	// B's admin turns two-factor sign-in on, and asks for a password
	// reset link, which the engine decides on and sends.
	require.NoError(t, b.in(t, w.adminB.actor, func(tx *db.Tx) error {
		enrol, err := tx.MFAEnrolStart(ctx, "Muster", b.now)
		if err != nil {
			return err
		}
		code, err := db.TOTPCode(enrol.Secret, b.now)
		if err != nil {
			return err
		}
		_, err = tx.MFAEnrolConfirm(ctx, code, b.now)
		return err
	}))
	require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.ResetRequestCreate(ctx, "admin.b@example.org", b.now) }))
	var requestID string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM reset_requests").Scan(&requestID))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		handled, err := tx.ResetRequestHandle(ctx, requestID, time.Hour, b.now)
		if err != nil {
			return err
		}
		require.Equal(t, db.ResetSent, handled.Outcome)
		link, ok, err := tx.PasswordResetIssue(ctx, handled.ResetID, b.now)
		require.True(t, ok)
		w.resetToken = link.Token
		if err != nil {
			return err
		}
		return tx.PasswordResetSent(ctx, handled.ResetID, b.now)
	}))

	// A's admin sets the group mailbox; the engine sends its link.
	require.NoError(t, b.in(t, w.adminA.actor, func(tx *db.Tx) error {
		_, err := tx.MailboxSet(ctx, w.orgA.ID, "recruitment@northshire.example", b.now)
		return err
	}))
	var verificationID string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM mailbox_verifications").Scan(&verificationID))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		link, ok, err := tx.MailboxVerificationIssue(ctx, verificationID, b.now)
		require.True(t, ok)
		w.mailboxToken = link.Token
		if err != nil {
			return err
		}
		return tx.MailboxVerificationSent(ctx, verificationID, b.now)
	}))

	// The journey with organisations: the member chooses A and B (both
	// pledged and active: the operator recorded them so) and takes B back;
	// A's user contacts them and records an information day they attended;
	// the engine delivers the notification of the choice of A to A's user.
	memberActor := testfactory.Actor(w.member.User)
	require.NoError(t, b.in(t, memberActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{w.orgA.ID, w.orgB.ID}, b.now)
		return err
	}))
	require.NoError(t, b.in(t, memberActor, func(tx *db.Tx) error {
		return tx.InterestRemove(ctx, w.orgB.ID, b.now.Add(time.Minute))
	}))
	for i, iv := range []sim.Intervention{
		{Kind: sim.InterventionContacted, On: b.now},
		{Kind: sim.InterventionInfoDay, On: b.now, Attended: true},
	} {
		require.NoError(t, b.in(t, w.userA.actor, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, w.orgA.ID, w.member.Candidate.ID, iv, b.now.Add(time.Duration(2+i)*time.Minute))
			return err
		}))
	}
	var chosenA string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM journey_events WHERE org_id = $1 AND type = $2",
		w.orgA.ID, string(sim.EventInterestExpressed)).Scan(&chosenA))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		sent, err := tx.DeliverOnce(ctx, "interest/"+chosenA+"/"+w.userA.user.ID, b.now, func() error { return nil })
		require.True(t, sent)
		return err
	}))

	// A thread between the member and A: the member writes twice, A's user
	// replies, A's admin reads it and reports the member's second message,
	// which the operator hides.
	var second sim.ThreadMessage
	for i, by := range []sim.Actor{memberActor, memberActor, w.userA.actor} {
		k := db.ThreadKey{OrgID: w.orgA.ID, CandidateID: w.member.Candidate.ID, Mine: i < 2}
		require.NoError(t, b.in(t, by, func(tx *db.Tx) error {
			m, err := tx.MessageSend(ctx, k, fmt.Sprintf("message %d", i), b.now.Add(time.Duration(10+i)*time.Minute))
			if i == 1 {
				second = m
			}
			return err
		}))
	}
	var reportID string
	require.NoError(t, b.in(t, w.adminA.actor, func(tx *db.Tx) error {
		if err := tx.ThreadMarkRead(ctx, db.ThreadKey{OrgID: w.orgA.ID, CandidateID: w.member.Candidate.ID}); err != nil {
			return err
		}
		var err error
		reportID, _, err = tx.MessageReport(ctx, second.ID, sim.MessageReport{Reason: sim.ReportDisrespectful}, b.now.Add(20*time.Minute))
		return err
	}))
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		return tx.ModerationDecide(ctx, reportID, sim.ModerationDecision{Action: sim.ModerationHide, Reason: "code of conduct, point 1"}, b.now.Add(30*time.Minute))
	}))

	// The other candidate chooses A, which places them (from then on A no
	// longer sees them); the engine asks the first check-in, which they
	// answer.
	otherActor := testfactory.Actor(w.other.User)
	require.NoError(t, b.in(t, otherActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{w.orgA.ID}, b.now)
		return err
	}))
	for _, kind := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		require.NoError(t, b.in(t, w.userA.actor, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, w.orgA.ID, w.other.Candidate.ID, sim.Intervention{Kind: kind, On: b.now}, b.now)
			return err
		}))
	}
	var placedInterest string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1", w.other.Candidate.ID).Scan(&placedInterest))
	var checkIn sim.FollowUp
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		checkIn, _, err = tx.FollowUpAsk(ctx, placedInterest, 3, b.now.AddDate(0, 3, 0), b.now.AddDate(0, 3, 0))
		return err
	}))
	require.NoError(t, b.in(t, otherActor, func(tx *db.Tx) error {
		_, err := tx.FollowUpAnswer(ctx, checkIn.ID, true, b.now.AddDate(0, 3, 1))
		return err
	}))

	// A registration a rule flags waits in the operator's spot-check queue.
	b.registerWith(t, "sampled@example.org", sim.ConnOtherFamilyMember)

	// The privacy engine: a former candidate, placed by A and followed up,
	// is erased into a ghost record with its receipt; another asks to be
	// erased; the member asks for a copy of their data.
	former := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "former@example.org"})
	formerActor := testfactory.Actor(former.User)
	require.NoError(t, b.in(t, formerActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{w.orgA.ID}, b.now)
		return err
	}))
	for _, kind := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		require.NoError(t, b.in(t, w.userA.actor, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, w.orgA.ID, former.Candidate.ID, sim.Intervention{Kind: kind, On: b.now}, b.now)
			return err
		}))
	}
	var formerInterest string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1", former.Candidate.ID).Scan(&formerInterest))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		f, _, err := tx.FollowUpAsk(ctx, formerInterest, 3, b.now.AddDate(0, 3, 0), b.now.AddDate(0, 3, 0))
		if err != nil {
			return err
		}
		_, err = tx.FollowUpClose(ctx, f.ID, b.now.AddDate(0, 4, 0))
		return err
	}))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, err := tx.Erase(ctx, former.Candidate.ID, "ER-2345-6789-ABCD", sim.ErasureByOperator, b.now.AddDate(0, 5, 0))
		return err
	}))
	leaver := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "leaver@example.org"})
	require.NoError(t, b.in(t, testfactory.Actor(leaver.User), func(tx *db.Tx) error {
		_, err := tx.ErasureRequest(ctx, leaver.Candidate.ID, b.now)
		return err
	}))
	require.NoError(t, b.in(t, memberActor, func(tx *db.Tx) error {
		_, err := tx.DataRequestMake(ctx, sim.RequestSubjectAccess, "", b.now)
		return err
	}))
	// An information request, answered with a release.
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		r, err := tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "A dissertation", "The funnel", false, b.now)
		if err != nil {
			return err
		}
		if _, err := tx.InfoRequestAcknowledge(ctx, r.ID, b.now); err != nil {
			return err
		}
		_, err = tx.InfoRequestSupply(ctx, r.ID, db.InfoReleaseFiles{Report: "funnel", PDF: []byte("%PDF"), XLSX: []byte("PK")}, b.now)
		return err
	}))
	// A's admin uploads a roster of two people, one with a problem.
	require.NoError(t, b.in(t, w.adminA.actor, func(tx *db.Tx) error {
		_, _, err := tx.RosterStage(ctx, db.RosterUpload{OrgID: w.orgA.ID, SHA256: make([]byte, 32), Format: "csv", Now: b.now},
			rosterOf(sim.RosterRow{Row: 2, Name: "Pat Lee", Email: "pat@example.org", Connection: sim.ConnVeteran, Consent: "by_email"},
				sim.RosterRow{Row: 3, Name: "Al Jones", Email: "al@example.org", Connection: sim.ConnReservist}))
		return err
	}))
	return w
}

// A transaction without tenant context sees no rows at all, in any table
// of the schema (read from the catalogue, so a new table cannot escape),
// even as the application role with every table populated.
func TestNoContextSeesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	populate(t, b)
	ctx := context.Background()
	for table, all := range b.db.Counts(t) {
		if table == "report_dirty" {
			// The people a transaction marks for recounting, recounted and
			// removed at its own commit: empty whenever another
			// transaction could look (requireCountsExact checks it is).
			continue
		}
		require.Positive(t, all, "table %s is empty: make populate write a row to it, through the code that does", table)
		var seen int
		require.NoError(t, b.db.App.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&seen))
		require.Zero(t, seen, "app role without context saw rows of %s", table)
	}
}

// What each actor sees of each table is what its role allows: the
// policies decide, now that every transaction runs as its real actor.
func TestEachActorSeesOnlyItsRows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := populate(t, b)
	ctx := context.Background()
	all := b.db.Counts(t)
	memberSession := b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", w.member.User.ID)
	memberLogins := b.count(t, "SELECT count(*) FROM login_events WHERE user_id = $1", w.member.User.ID)
	memberEvents := b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", w.member.Candidate.ID)
	inviteeEvents := b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", w.inv.CandidateID)
	memberAudit := b.count(t, `SELECT count(*) FROM audit_events WHERE actor_id = $1 OR object_id IN (SELECT candidate_objects($2))`,
		w.member.User.ID, w.member.Candidate.ID)
	require.Positive(t, memberAudit)

	// Reference tables anyone acting as someone may read.
	reference := map[string]int{
		"consent_texts": all["consent_texts"], "agreement_versions": all["agreement_versions"], "conduct_texts": all["conduct_texts"],
	}
	with := func(m map[string]int) map[string]int {
		for k, v := range reference {
			m[k] = v
		}
		return m
	}
	// What an organisation's people see: their organisation, its people
	// and agreements, and of the rest only their own rows; an admin also
	// the organisation's invitations and its people's sessions.
	orgPerson := func(p member, org sim.Organisation) map[string]int {
		m := with(map[string]int{
			"organisations":       1,
			"users":               b.count(t, "SELECT count(*) FROM users WHERE org_id = $1", org.ID),
			"org_agreements":      b.count(t, "SELECT count(*) FROM org_agreements WHERE org_id = $1", org.ID),
			"conduct_acceptances": b.count(t, "SELECT count(*) FROM conduct_acceptances WHERE user_id = $1", p.user.ID),
			"login_events":        b.count(t, "SELECT count(*) FROM login_events WHERE user_id = $1", p.user.ID),
			"sessions":            b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", p.user.ID),
			"mfa_recovery_codes":  b.count(t, "SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1", p.user.ID),
			// Their own acts in the audit trail; the anonymous outcomes of
			// their organisation's former candidates.
			"audit_events":     b.count(t, "SELECT count(*) FROM audit_events WHERE actor_id = $1", p.user.ID),
			"password_resets":  b.count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1", p.user.ID),
			"ghost_outcomes":   b.count(t, "SELECT count(*) FROM ghost_outcomes WHERE org_id = $1", org.ID),
			"ghost_follow_ups": b.count(t, "SELECT count(*) FROM ghost_follow_ups WHERE org_id = $1", org.ID),
		})
		if p.user.Role == sim.RoleOrgAdmin {
			m["account_invitations"] = b.count(t, "SELECT count(*) FROM account_invitations WHERE org_id = $1", org.ID)
			m["mailbox_verifications"] = b.count(t, "SELECT count(*) FROM mailbox_verifications WHERE org_id = $1", org.ID)
			m["sessions"] = b.count(t, "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.org_id = $1", org.ID)
		}
		return m
	}
	// What A's people see of the member, whom A sees (registered, sharing,
	// not rejected, with an open interest in A: engaged after the
	// information day), whatever their role in A:
	//   interests 1: A's interest in the member; B's is not A's.
	//   interventions 2: the contact and the information day, on that interest.
	//   candidates 1: the member, through that interest (candidates_org_read).
	//   journey_events 3: of the member's seven, those of A's interest
	//     (chosen, contacted, information day); their invitation,
	//     registration and the two of B's interest are not A's.
	//   users: not the member's account (the address only, through
	//     app_candidate_email).
	// B's admin sees nothing of the member: their only interest in B was
	// taken back, so no interest, candidate, consent, event or account.
	//   consents 0: an organisation reads none of a candidate's consents.
	//   threads 1, messages 2: the thread with the member, without the
	//     message the operator hid; thread_reads 1: their own read mark.
	seesMember := func(m map[string]int) map[string]int {
		m["interests"], m["interventions"], m["candidates"], m["journey_events"] = 1, 2, 1, 3
		m["threads"], m["messages"], m["thread_reads"] = 1, 2, 1
		return m
	}
	adminA, userA, adminB := seesMember(orgPerson(w.adminA, w.orgA)), seesMember(orgPerson(w.userA, w.orgA)), orgPerson(w.adminB, w.orgB)
	adminA["message_reports"] = 1                          // the report A's admin made
	adminA["roster_imports"], adminA["roster_rows"] = 1, 2 // the roster A's admin uploaded: an admin's, not a user's
	// The world is what the counts below assume: A has two people, three
	// invitations (its onboarding, a used and an open colleague's) and
	// each person's session; everyone accepted the code once. The member
	// has seven journey events: invited, registered, A and B chosen, B
	// taken back, contacted and the information day, both by A.
	require.Equal(t, map[string]int{"users": 2, "account_invitations": 3, "sessions": 2, "org_agreements": 1, "conduct_acceptances": 1, "login_events": 1},
		pick(adminA, "users", "account_invitations", "sessions", "org_agreements", "conduct_acceptances", "login_events"))
	require.Equal(t, map[string]int{"users": 2, "sessions": 1, "conduct_acceptances": 1}, pick(userA, "users", "sessions", "conduct_acceptances"))
	require.Equal(t, map[string]int{"users": 1, "account_invitations": 1, "sessions": 1, "mfa_recovery_codes": 10},
		pick(adminB, "users", "account_invitations", "sessions", "mfa_recovery_codes"))
	require.Equal(t, 7, memberEvents)
	require.Equal(t, map[string]int{"interests": 3, "interventions": 5, "notification_deliveries": 1,
		"threads": 1, "messages": 3, "thread_reads": 3, "message_reports": 1, "follow_ups": 1},
		pick(all, "interests", "interventions", "notification_deliveries", "threads", "messages", "thread_reads", "message_reports", "follow_ups"))

	cases := []struct {
		name  string
		actor sim.Actor
		want  map[string]int // tables not named: nothing visible
	}{
		{"operator", b.op, with(map[string]int{
			"users": all["users"], "candidates": all["candidates"], "invitations": all["invitations"],
			"consents": all["consents"], "journey_events": all["journey_events"], "login_events": all["login_events"],
			"expired_invitation_counts": all["expired_invitation_counts"],
			"organisations":             all["organisations"], "org_agreements": all["org_agreements"],
			"account_invitations": all["account_invitations"], "conduct_acceptances": all["conduct_acceptances"],
			"audit_events": all["audit_events"], "mailbox_verifications": all["mailbox_verifications"],
			// Every interest and intervention, thread, message (the hidden
			// one too) and report; the notification ledger and the read
			// marks are the engine's and their owners'.
			"interests": all["interests"], "interventions": all["interventions"],
			"threads": all["threads"], "messages": all["messages"], "message_reports": all["message_reports"],
			"follow_ups": all["follow_ups"], "spot_checks": all["spot_checks"],
			// The privacy engine's register, schedule and ghosts.
			"candidate_activity": all["candidate_activity"], "ghosts": all["ghosts"], "ghost_outcomes": all["ghost_outcomes"],
			"ghost_follow_ups": all["ghost_follow_ups"], "retention_rules": all["retention_rules"],
			"erasure_receipts": all["erasure_receipts"], "erasure_requests": all["erasure_requests"], "data_requests": all["data_requests"],
			// The register of information requests and its releases.
			"info_requests": all["info_requests"], "info_releases": all["info_releases"],
			// The reports' counts and each person's cells (anonymous
			// totals; the transient marks are always empty here).
			"report_people": all["report_people"], "report_counts": all["report_counts"], "report_years": all["report_years"],
			// Every organisation's uploaded rosters.
			"roster_imports": all["roster_imports"], "roster_rows": all["roster_rows"],
		})},
		// The member sees both their interests (B's taken back too), the
		// interventions recorded on them and all seven of their events;
		// nobody else's, and no organisation's user account.
		{"candidate", testfactory.Actor(w.member.User), with(map[string]int{
			"users": 1, "candidates": 1, "consents": 1, "journey_events": memberEvents, "sessions": memberSession,
			"login_events": memberLogins, "interests": 2, "interventions": 2,
			"threads": 1, "messages": 2, "thread_reads": 1,
			// Their last activity, their own data request, and the audit
			// rows of their own acts and of acts on their record.
			"candidate_activity": 1, "data_requests": 1, "audit_events": memberAudit,
			// Their own invitation (used: its address wiped), for the export.
			"invitations": 1,
		})},
		{"anonymous", sim.Anonymous, with(map[string]int{})},
		// A link's holder sees the invitee's record but no interest or
		// intervention: app_candidate_id() is a signed-in candidate's only.
		{"holder of a registration link", sim.Presenting(db.HashToken(w.token)), with(map[string]int{
			"invitation_tokens": 1, "invitations": 1, "candidates": 1, "journey_events": inviteeEvents,
		})},
		{"holder of a bearer token", sim.Presenting(db.HashToken(w.memberToken)), with(map[string]int{
			"sessions": 1, "users": 1,
		})},
		{"holder of an org admin's bearer token", sim.Presenting(db.HashToken(w.adminA.token)), with(map[string]int{
			"sessions": 1, "users": 1,
		})},
		{"holder of an unknown secret", sim.Presenting(db.HashToken("nothing")), with(map[string]int{})},
		{"org admin of A", w.adminA.actor, adminA},
		{"org user of A", w.userA.actor, userA},
		{"org admin of B", w.adminB.actor, adminB},
		{"holder of a password reset link", sim.Presenting(db.HashToken(w.resetToken)), with(map[string]int{"password_resets": 1})},
		{"holder of a mailbox verification link", sim.Presenting(db.HashToken(w.mailboxToken)), with(map[string]int{"mailbox_verifications": 1})},
		{"holder of an open account invitation link", sim.Presenting(db.HashToken(w.colleagueToken)), with(map[string]int{
			"account_invitations": 1, "account_invitation_tokens": 1,
		})},
		// A used link still shows its invitation (to say it was used),
		// and nothing of the account it created.
		{"holder of a used account invitation link", sim.Presenting(db.HashToken(w.userA.linkToken)), with(map[string]int{
			"account_invitations": 1, "account_invitation_tokens": 1,
		})},
		{"engine", sim.System, all},
	}
	for _, c := range cases {
		require.NoError(t, b.in(t, c.actor, func(tx *db.Tx) error {
			for table := range all {
				var seen int
				if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&seen); err != nil {
					return err
				}
				require.Equal(t, c.want[table], seen, "%s sees %s", c.name, table)
			}
			return nil
		}))
	}
}

// Writes past a policy are refused by Postgres itself, whatever the code
// above it does.
func TestPoliciesRefuseWrites(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := populate(t, b)
	ctx := context.Background()
	refused := func(actor sim.Actor, sql string, args ...any) {
		t.Helper()
		err := b.in(t, actor, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			if err == nil && tag.RowsAffected() > 0 {
				return errors.New("the write went through")
			}
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			// Refused by a policy, a grant, or the invitation's identity trigger.
			require.Contains(t, []string{"42501", "23000"}, pgErr.Code, "%s: %v", sql, err)
		} else {
			require.NoError(t, err, "%s: no rows may be touched", sql)
		}
	}
	member := testfactory.Actor(w.member.User)
	refused(member, "UPDATE candidates SET first_name = 'x' WHERE id = $1", w.other.Candidate.ID)
	refused(member, "UPDATE users SET role = 'operator' WHERE id = $1", w.other.User.ID)
	refused(member, "DELETE FROM consents WHERE candidate_id = $1", w.other.Candidate.ID)
	refused(member, "INSERT INTO candidates (id, status, invited_at) VALUES (gen_random_uuid(), 'invited', now())")
	refused(sim.Anonymous, "INSERT INTO users (id, role, email, password_hash) VALUES (gen_random_uuid(), 'candidate', 'x@example.org', 'x')")
	holder := sim.Presenting(db.HashToken(w.token))
	refused(holder, "INSERT INTO users (id, role, email, password_hash) VALUES (gen_random_uuid(), 'operator', 'x@example.org', 'x')")
	refused(holder, "UPDATE candidates SET first_name = 'x' WHERE id = $1", w.member.Candidate.ID)
	refused(b.op, "DELETE FROM candidates WHERE id = $1", w.member.Candidate.ID)
	refused(b.op, "UPDATE workflow_outbox SET delivered_at = now()")
	// Consents and journey events are append-only for everyone but the engine.
	refused(member, "DELETE FROM consents WHERE candidate_id = $1", w.member.Candidate.ID)
	refused(member, "UPDATE journey_events SET to_status = 'placed' WHERE candidate_id = $1", w.member.Candidate.ID)
	// Only the sign-in check opens sessions, and only last_seen_at changes.
	refused(holder, "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (gen_random_uuid(), $1, $2, now(), now(), now() + interval '1 hour')",
		b.op.UserID, db.HashToken(w.token))
	refused(sim.Presenting(db.HashToken(w.memberToken)), "UPDATE sessions SET user_id = $1", b.op.UserID)
	refused(member, "UPDATE sessions SET expires_at = now() + interval '10 years'")
	// A link's holder cannot point its invitation at someone else.
	refused(holder, "UPDATE invitations SET candidate_id = $1 WHERE id = $2", w.member.Candidate.ID, w.inv.ID)
	refused(holder, "UPDATE invitations SET expires_at = now() + interval '10 years' WHERE id = $1", w.inv.ID)
	refused(b.op, "UPDATE invitations SET candidate_id = $1 WHERE id = $2", w.member.Candidate.ID, w.inv.ID)

	// An organisation's user may change their own name and password, not
	// who they are in the organisation (users_guard).
	userA, adminA := w.userA.actor, w.adminA.actor
	refused(userA, "UPDATE users SET role = 'org_admin' WHERE id = $1", userA.UserID)
	refused(userA, "UPDATE users SET org_id = $2 WHERE id = $1", userA.UserID, w.orgB.ID)
	refused(userA, "UPDATE users SET disabled_at = now() WHERE id = $1", userA.UserID)
	refused(userA, "UPDATE users SET disabled_at = now() WHERE id = $1", adminA.UserID)
	refused(userA, "UPDATE users SET role = 'org_user' WHERE id = $1", adminA.UserID)
	refused(userA, "UPDATE users SET email = 'me@example.org' WHERE id = $1", userA.UserID)
	refused(userA, "UPDATE users SET org_id = NULL, role = 'operator' WHERE id = $1", userA.UserID)
	// An admin manages their own organisation's users within its two
	// roles, and nobody else's.
	refused(adminA, "UPDATE users SET role = 'operator', org_id = NULL WHERE id = $1", userA.UserID)
	refused(adminA, "UPDATE users SET org_id = $2 WHERE id = $1", userA.UserID, w.orgB.ID)
	refused(adminA, "UPDATE users SET email = 'elsewhere@example.org' WHERE id = $1", userA.UserID)
	refused(adminA, "UPDATE users SET disabled_at = now() WHERE id = $1", w.adminB.user.ID)
	refused(adminA, "UPDATE users SET role = 'org_user' WHERE id = $1", w.adminB.user.ID)
	refused(adminA, "UPDATE users SET disabled_at = now() WHERE org_id = $1", w.orgB.ID)
	refused(adminA, "UPDATE users SET disabled_at = now() WHERE id = $1", w.member.User.ID)
	refused(adminA, "DELETE FROM users WHERE id = $1", userA.UserID)
	refused(adminA, "DELETE FROM sessions WHERE user_id = $1", w.adminB.user.ID)
	// An admin may change their organisation's mailbox, nothing else of it
	// (organisations_guard), and nothing of another organisation.
	refused(adminA, "UPDATE organisations SET name = 'Renamed Trust' WHERE id = $1", w.orgA.ID)
	refused(adminA, "UPDATE organisations SET onboarding = 'not_started' WHERE id = $1", w.orgA.ID)
	refused(adminA, "UPDATE organisations SET active = false WHERE id = $1", w.orgA.ID)
	refused(adminA, "UPDATE organisations SET pledged_on = NULL WHERE id = $1", w.orgA.ID)
	refused(adminA, "UPDATE organisations SET mailbox = 'x@example.org' WHERE id = $1", w.orgB.ID)
	refused(userA, "UPDATE organisations SET mailbox = 'x@example.org' WHERE id = $1", w.orgA.ID)
	refused(adminA, "INSERT INTO organisations (id, name, type, region, created_at, updated_at) VALUES (gen_random_uuid(), 'Mine', 'trust', 'wales', now(), now())")
	// Agreements are the programme's to record, and never change.
	refused(adminA, "INSERT INTO org_agreements (id, org_id, version, signed_name, signatory_name, signatory_role, signed_on, recorded_at) VALUES (gen_random_uuid(), $1, '2026-dsa-v1', 'Northshire NHS Trust', 'x', 'y', now(), now())", w.orgA.ID)
	refused(b.op, "UPDATE org_agreements SET signed_name = 'x' WHERE org_id = $1", w.orgA.ID)
	refused(b.op, "DELETE FROM org_agreements WHERE org_id = $1", w.orgA.ID)
	refused(adminA, "INSERT INTO agreement_versions (version, added_at) VALUES ('mine', now())")
	refused(adminA, "UPDATE agreement_versions SET retired_at = now()")
	// An admin invites colleagues to their own organisation only, and
	// never starts an onboarding; links are the engine's.
	refused(adminA, "INSERT INTO account_invitations (id, org_id, kind, role, name, email, created_at, expires_at) VALUES (gen_random_uuid(), $1, 'onboarding', 'org_admin', 'x', 'x@example.org', now(), now() + interval '1 day')", w.orgA.ID)
	refused(adminA, "INSERT INTO account_invitations (id, org_id, kind, role, name, email, created_at, expires_at) VALUES (gen_random_uuid(), $1, 'colleague', 'org_admin', 'x', 'x@example.org', now(), now() + interval '1 day')", w.orgB.ID)
	refused(userA, "INSERT INTO account_invitations (id, org_id, kind, role, name, email, created_at, expires_at) VALUES (gen_random_uuid(), $1, 'colleague', 'org_user', 'x', 'x@example.org', now(), now() + interval '1 day')", w.orgA.ID)
	refused(adminA, "UPDATE account_invitations SET org_id = $2 WHERE id = $1", w.colleague.ID, w.orgB.ID)
	refused(adminA, "UPDATE account_invitations SET expires_at = now() + interval '1 year' WHERE org_id = $1", w.orgB.ID)
	refused(adminA, "DELETE FROM account_invitations WHERE id = $1", w.colleague.ID)
	refused(adminA, "INSERT INTO account_invitation_tokens (token_hash, invitation_id, purpose, created_at) VALUES ('\\x00', $1, 'reminder', now())", w.colleague.ID)
	refused(adminA, "DELETE FROM account_invitation_tokens")
	// An account link's holder may create exactly the account invited.
	colleagueHolder := sim.Presenting(db.HashToken(w.colleagueToken))
	refused(colleagueHolder, "INSERT INTO users (id, role, email, password_hash) VALUES (gen_random_uuid(), 'operator', 'x@example.org', 'x')")
	refused(colleagueHolder, "INSERT INTO users (id, role, email, password_hash, org_id) VALUES (gen_random_uuid(), 'org_admin', 'x@example.org', 'x', $1)", w.orgA.ID)
	refused(colleagueHolder, "UPDATE account_invitations SET role = 'org_admin', org_id = $2 WHERE id = $1", w.colleague.ID, w.orgB.ID)
	refused(colleagueHolder, "UPDATE account_invitations SET expires_at = now() + interval '10 years' WHERE id = $1", w.colleague.ID)
	// The code of conduct: one's own acceptance, written once.
	refused(userA, "INSERT INTO conduct_acceptances (user_id, version, accepted_at) VALUES ($1, $2, now())", adminA.UserID, sim.DefaultCodeOfConduct.Version)
	refused(userA, "DELETE FROM conduct_acceptances WHERE user_id = $1", userA.UserID)
	refused(userA, "UPDATE conduct_acceptances SET accepted_at = now() WHERE user_id = $1", userA.UserID)
	refused(b.op, "INSERT INTO conduct_texts (version, body, published_at) VALUES ('mine', 'x', now())")
	refused(b.op, "UPDATE conduct_texts SET body = 'x'")
	// Threads: only a participant writes, as themselves and for their own
	// side, and only while the organisation sees the candidate; a message
	// never changes but by the operator's moderation; reports are decided
	// by the operator alone; read marks are one's own.
	var threadID, firstMessage string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT t.id::text, m.id::text FROM threads t JOIN messages m ON m.thread_id = t.id ORDER BY m.seq LIMIT 1").Scan(&threadID, &firstMessage))
	const sendSQL = "INSERT INTO messages (id, thread_id, author_id, from_candidate, body, sent_at) VALUES (gen_random_uuid(), $1, $2, $3, 'x', now())"
	otherCandidate := testfactory.Actor(w.other.User)
	refused(otherCandidate, sendSQL, threadID, otherCandidate.UserID, true)
	refused(member, sendSQL, threadID, member.UserID, false)
	refused(member, sendSQL, threadID, userA.UserID, true)
	refused(userA, sendSQL, threadID, userA.UserID, true)
	refused(userA, sendSQL, threadID, adminA.UserID, false)
	refused(w.adminB.actor, sendSQL, threadID, w.adminB.user.ID, false)
	refused(member, "INSERT INTO threads (id, candidate_id, org_id, created_at, last_message_at) VALUES (gen_random_uuid(), $1, $2, now(), now())", w.member.Candidate.ID, w.orgB.ID)
	refused(w.adminB.actor, "INSERT INTO threads (id, candidate_id, org_id, created_at, last_message_at) VALUES (gen_random_uuid(), $1, $2, now(), now())", w.member.Candidate.ID, w.orgB.ID)
	refused(otherCandidate, "INSERT INTO threads (id, candidate_id, org_id, created_at, last_message_at) VALUES (gen_random_uuid(), $1, $2, now(), now())", w.other.Candidate.ID, w.orgA.ID)
	refused(member, "UPDATE messages SET body = 'x' WHERE thread_id = $1", threadID)
	refused(userA, "UPDATE messages SET hidden_at = NULL, hidden_reason = NULL WHERE thread_id = $1", threadID)
	refused(b.op, "UPDATE messages SET body = 'x' WHERE id = $1", firstMessage)
	refused(member, "DELETE FROM messages WHERE thread_id = $1", threadID)
	refused(adminA, "UPDATE message_reports SET decision = NULL, decided_at = NULL")
	refused(member, "INSERT INTO message_reports (id, message_id, reported_by, reason, reported_at) VALUES (gen_random_uuid(), $1, $2, 'spam', now())", firstMessage, userA.UserID)
	refused(otherCandidate, "INSERT INTO message_reports (id, message_id, reported_by, reason, reported_at) VALUES (gen_random_uuid(), $1, $2, 'spam', now())", firstMessage, otherCandidate.UserID)
	refused(member, "INSERT INTO thread_reads (thread_id, user_id, read_seq) VALUES ($1, $2, 0)", threadID, userA.UserID)
	refused(otherCandidate, "INSERT INTO thread_reads (thread_id, user_id, read_seq) VALUES ($1, $2, 0)", threadID, otherCandidate.UserID)
	// Sharing is the latest consent, and an organisation writes none.
	refused(member, "UPDATE candidates SET sharing = false WHERE id = $1", w.member.Candidate.ID)
	refused(userA, "INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at) SELECT gen_random_uuid(), candidate_id, text_version, false, method, now() FROM consents")
	refused(userA, "INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at) SELECT gen_random_uuid(), $1, version, false, 'profile_update', now() FROM consent_texts LIMIT 1", w.member.Candidate.ID)

	// Check-ins: the engine asks them; a candidate answers their own, once.
	refused(otherCandidate, "UPDATE follow_ups SET answer = 'not_in_post', answered_at = now()")
	refused(otherCandidate, "UPDATE follow_ups SET months = 6")
	refused(otherCandidate, "INSERT INTO follow_ups (id, interest_id, months, due_on, asked_at) SELECT gen_random_uuid(), id, 6, now(), now() FROM interests")
	refused(member, "UPDATE follow_ups SET answer = 'in_post', answered_at = now()")
	refused(userA, "UPDATE follow_ups SET answer = 'no_answer', answered_at = now()")
	refused(b.op, "DELETE FROM follow_ups")
	// Spot checks: the operator's queue; nobody else reads or decides it.
	refused(userA, "UPDATE spot_checks SET outcome = 'verified', decided_at = now()")
	refused(member, "UPDATE spot_checks SET outcome = 'verified', decided_at = now()")
	refused(member, "INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES (gen_random_uuid(), $1, '{random_sample}', now())", w.member.Candidate.ID)
	refused(member, "UPDATE candidates SET verification = 'verified' WHERE id = $1", w.member.Candidate.ID)
	refused(userA, "UPDATE candidates SET verification = 'rejected' WHERE id = $1", w.member.Candidate.ID)

	// The audit trail is append-only for everyone, operator and engine
	// included, and cannot be emptied.
	for _, actor := range []sim.Actor{b.op, sim.System, adminA} {
		refused(actor, "UPDATE audit_events SET action = 'x'")
		refused(actor, "DELETE FROM audit_events")
		refused(actor, "TRUNCATE audit_events")
	}
	require.Equal(t, b.db.Counts(t)["audit_events"], b.count(t, "SELECT count(*) FROM audit_events WHERE action <> 'x'"))

	// What the refusals above stop short of is allowed: they are refused
	// for what they change, not for who asks.
	errRollBack := errors.New("roll back")
	allowed := func(actor sim.Actor, sql string, args ...any) {
		t.Helper()
		err := b.in(t, actor, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			require.NoError(t, err, sql)
			require.EqualValues(t, 1, tag.RowsAffected(), sql)
			return errRollBack
		})
		require.ErrorIs(t, err, errRollBack)
	}
	allowed(adminA, "UPDATE organisations SET mailbox = 'team@example.org' WHERE id = $1", w.orgA.ID)
	allowed(adminA, "UPDATE users SET role = 'org_admin' WHERE id = $1", userA.UserID)
	allowed(adminA, "UPDATE users SET disabled_at = now() WHERE id = $1", userA.UserID)
	allowed(userA, "UPDATE users SET name = 'New Name' WHERE id = $1", userA.UserID)
	allowed(adminA, "DELETE FROM sessions WHERE user_id = $1", userA.UserID)
	allowed(adminA, "INSERT INTO account_invitations (id, org_id, kind, role, name, email, created_at, expires_at) VALUES (gen_random_uuid(), $1, 'colleague', 'org_user', 'x', 'x@example.org', now(), now() + interval '1 day')", w.orgA.ID)

	// An organisation's people read nothing of another organisation.
	require.NoError(t, b.in(t, userA, func(tx *db.Tx) error {
		for table, where := range map[string]string{
			"org_agreements": "org_id", "organisations": "id", "users": "org_id", "account_invitations": "org_id",
		} {
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE "+where+" = $1", w.orgB.ID).Scan(&n); err != nil {
				return err
			}
			require.Zero(t, n, "an org user of A reads %s of B", table)
		}
		_, err := tx.AgreementList(ctx, w.orgB.ID)
		require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
		return nil
	}))
	// A mailbox link's holder can only use it: not point it elsewhere, nor
	// change the organisation's mailbox.
	mailboxHolder := sim.Presenting(db.HashToken(w.mailboxToken))
	refused(mailboxHolder, "UPDATE mailbox_verifications SET email = 'evil@example.org'")
	refused(mailboxHolder, "UPDATE mailbox_verifications SET expires_at = now() + interval '10 years'")
	refused(mailboxHolder, "UPDATE organisations SET mailbox = 'evil@example.org', mailbox_verified_at = now()")
}

// A registration link opens its invitee's record only until it is used: a
// forwarded or leaked email's link unlocks nothing afterwards.
func TestUsedLinkUnlocksNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "once@example.org")
	_, err := b.register(t, token, b.now)
	require.NoError(t, err)
	holder := sim.Presenting(db.HashToken(token))
	require.NoError(t, b.in(t, holder, func(tx *db.Tx) error {
		for table, want := range map[string]int{"candidates": 0, "consents": 0, "journey_events": 0, "users": 0, "invitations": 1} {
			var seen int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&seen); err != nil {
				return err
			}
			require.Equal(t, want, seen, "a used link's holder sees %s", table)
		}
		tag, err := tx.Exec(ctx, "UPDATE candidates SET first_name = 'x' WHERE id = $1", inv.CandidateID)
		require.Zero(t, tag.RowsAffected())
		return err
	}))
	// And asking with it again is told why, not shown anything.
	_, err = b.register(t, token, b.now)
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
}

// The context a transaction opens with is built only from a known role, a
// UUID and hexadecimal: anything else is refused before it reaches SQL.
func TestTransactionContextIsChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, actor := range []sim.Actor{
		{},
		{Role: "operator', true); DROP TABLE users; --"},
		{Role: sim.RoleOperator, UserID: "1', true); --"},
		{Role: sim.RoleCandidate, UserID: "not-a-uuid"},
	} {
		err := b.in(t, actor, func(*db.Tx) error { return nil })
		require.Error(t, err, "%+v", actor)
	}
	require.NoError(t, b.in(t, sim.Presenting([]byte("'); --")), func(*db.Tx) error { return nil }), "a credential is hex-encoded")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM users"))
}

// pick is the entries of m named by keys.
func pick(m map[string]int, keys ...string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// What an account invitation is (its organisation, role, kind, window)
// never changes, whoever holds its link: using the link may only mark it
// used. Otherwise a colleague's link would be a way into any
// organisation, as its administrator, past every policy that checks the
// new account against its invitation.
func TestAccountLinkHolderCannotRetargetInvitation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	w := populate(t, b)
	holder := sim.Presenting(db.HashToken(w.colleagueToken))
	for name, set := range map[string]string{
		"organisation": "org_id = '" + w.orgB.ID + "'",
		"role":         "role = 'org_admin', kind = 'onboarding'",
		"window":       "expires_at = now() + interval '10 years'",
		"inviter":      "invited_by = NULL",
	} {
		err := b.in(t, holder, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE account_invitations SET `+set+`,
				used_at = now(), consumed_txid = txid_current(), name = NULL, email = NULL WHERE id = $1`, w.colleague.ID)
			if err == nil && tag.RowsAffected() > 0 {
				// The invitation now says what the holder wants: the
				// account it lets them create is that.
				_, err = tx.Exec(ctx, `INSERT INTO users (id, role, email, password_hash, org_id, created_at, updated_at)
					SELECT gen_random_uuid(), role, 'intruder@example.org', 'x', org_id, now(), now() FROM account_invitations WHERE id = $1`, w.colleague.ID)
				if err == nil {
					return errors.New("the holder changed the invitation and created its account")
				}
				return errors.New("the holder changed the invitation")
			}
			return err
		})
		requireRefused(t, err, name)
	}
}

// A password reset link's holder may mark it used, nothing else: not
// whose password it resets.
func TestResetLinkHolderCannotRetargetReset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	w := populate(t, b)
	holder := sim.Presenting(db.HashToken(w.resetToken))
	for name, set := range map[string]string{
		"account": "user_id = '" + b.op.UserID + "', role = 'operator', org_id = NULL",
		"window":  "expires_at = now() + interval '10 years'",
		"purpose": "purpose = 'already_registered'",
	} {
		err := b.in(t, holder, func(tx *db.Tx) error {
			tag, err := tx.Exec(ctx, "UPDATE password_resets SET "+set)
			if err == nil && tag.RowsAffected() > 0 {
				return errors.New("the holder changed the reset")
			}
			return err
		})
		requireRefused(t, err, name)
	}
}

// requireRefused checks that err is Postgres refusing a write (a policy, a
// grant or a guard trigger), and says which case was not.
func requireRefused(t *testing.T, err error, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "23000") {
		t.Errorf("%s: not refused: %v", what, err)
	}
}
