package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// The operator's invitation writes the invitee, the invitation, the journey
// event and the intent to start its workflow in one transaction.
func TestInvitationCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var inv sim.Invitation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		inv, err = tx.InvitationCreate(ctx, db.InvitationRequest{Email: " Jo@Example.org", Window: 72 * time.Hour, Now: b.now})
		return err
	}))
	require.Equal(t, sim.InvitationByOperator, inv.Kind)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM invitations WHERE email = 'jo@example.org' AND invited_by = $1", b.op.UserID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1 AND actor_id = $2", inv.CandidateID, b.op.UserID))
	var workflowID, workflow string
	var args []byte
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT workflow_id, workflow, args FROM workflow_outbox").Scan(&workflowID, &workflow, &args))
	require.Equal(t, "invitation/"+inv.ID, workflowID)
	require.Equal(t, sim.WorkflowInvitation, workflow)
	var in sim.InvitationArgs
	require.NoError(t, json.Unmarshal(args, &in))
	require.Equal(t, sim.InvitationArgs{InvitationID: inv.ID, Kind: sim.InvitationByOperator, Window: sim.Duration(72 * time.Hour)}, in)
	require.JSONEq(t, `{"InvitationID":"`+inv.ID+`","Kind":"operator","Window":"72h0m0s"}`, string(args), "durations read well in the Temporal UI")
}

// A change and its intent commit together or not at all.
func TestIntentRollsBackWithItsChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	err := b.in(t, b.op, func(tx *db.Tx) error {
		if _, err := tx.InvitationCreate(ctx, db.InvitationRequest{Email: "a@example.org", Window: time.Hour, Now: b.now}); err != nil {
			return err
		}
		_, err := tx.InvitationCreate(ctx, db.InvitationRequest{Email: "a@example.org", Window: time.Hour, Now: b.now})
		return err // a conflict: the whole transaction rolls back
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	require.Zero(t, b.count(t, "SELECT count(*) FROM workflow_outbox"))
	require.Zero(t, b.count(t, "SELECT count(*) FROM invitations"))
}

func TestInvitationCreateRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.invite(t, "dup@example.org")
	reg := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"})
	before := b.db.Counts(t)
	cases := []struct {
		actor sim.Actor
		email string
		win   time.Duration
		code  string
	}{
		{b.op, "DUP@example.org", time.Hour, sim.ECONFLICT},
		{b.op, "member@example.org", time.Hour, sim.ECONFLICT},
		{b.op, "not an email", time.Hour, sim.EINVALID},
		{b.op, "x\u200b@example.org", time.Hour, sim.EINVALID},
		{b.op, "x@example.org", 400 * 24 * time.Hour, sim.EINVALID},
		{testfactory.Actor(reg.User), "x@example.org", time.Hour, sim.EFORBIDDEN},
		{sim.Anonymous, "x@example.org", time.Hour, sim.EUNAUTHORIZED},
		{sim.Actor{Role: sim.RoleOperator}, "x@example.org", time.Hour, sim.EUNAUTHORIZED},
	}
	for _, c := range cases {
		err := b.in(t, c.actor, func(tx *db.Tx) error {
			_, err := tx.InvitationCreate(ctx, db.InvitationRequest{Email: c.email, Window: c.win, Now: b.now})
			return err
		})
		require.Equal(t, c.code, sim.ErrorCode(err), "%+v: %v", c, err)
	}
	require.Equal(t, before, b.db.Counts(t), "nothing changed")
}

// A request for a link records the request and the intent to handle it,
// whatever the address: the same work for new, invited and registered.
func TestRegistrationRequestCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.invite(t, "pending@example.org")
	testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"})
	for _, email := range []string{"new@example.org", "pending@example.org", "member@example.org"} {
		require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, email, b.now) }))
	}
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM registration_requests WHERE handled_at IS NULL"))
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow = 'RegistrationRequest'"))

	err := b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, "bad\u202eaddress@example.org", b.now) })
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	err = b.in(t, b.op, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, "x@example.org", b.now) })
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Handling a request decides it once: a new address gets a self-invitation
// (and its workflow's intent), an invited one its pending invitation, a
// registered one the reset link of a "you already have an account" email.
// The address is wiped from every request.
func TestRegistrationRequestHandle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pending, _ := b.invite(t, "pending@example.org")
	member := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"})
	handle := func(email string) db.RequestHandled {
		require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.RegistrationRequestCreate(ctx, email, b.now) }))
		var id string
		require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT id::text FROM registration_requests WHERE email = $1", email).Scan(&id))
		var out db.RequestHandled
		for i := 0; i < 2; i++ { // a retried activity gets the same answer
			require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
				var err error
				out, err = tx.RegistrationRequestHandle(ctx, id, sim.DefaultInvitationWindow, time.Minute, b.now)
				return err
			}))
		}
		return out
	}
	created := handle("new@example.org")
	require.Equal(t, db.RequestCreated, created.Outcome)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM invitations WHERE id = $1 AND kind = 'self' AND email = 'new@example.org'", created.InvitationID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow_id = $1", "invitation/"+created.InvitationID))
	require.Equal(t, db.RequestHandled{Outcome: db.RequestPending, InvitationID: pending.ID}, handle("pending@example.org"))
	registered := handle("member@example.org")
	require.Equal(t, db.RequestHandled{Outcome: db.RequestRegistered, ResetID: registered.ResetID}, registered)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM password_resets WHERE id = $1 AND user_id = $2 AND purpose = 'already_registered'",
		registered.ResetID, member.User.ID))
	require.Zero(t, b.count(t, "SELECT count(*) FROM registration_requests WHERE email IS NOT NULL"))
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM registration_requests"))

	err := b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.RegistrationRequestHandle(ctx, created.InvitationID, time.Hour, time.Minute, b.now)
		return err
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err), "engine only")
}

// A first link is issued once; each later link is a new generation with
// its own message key, and earlier links keep working, so asking for
// someone's link cannot kill the one in their inbox.
func TestInvitationLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, _ := testfactory.Invitation(t, b.db, testfactory.InvitationOpts{Email: "again@example.org", Unsent: true})
	first := b.issue(t, inv.ID)
	require.Equal(t, 1, first.Generation)
	require.Equal(t, "invitation/"+inv.ID+"/1", first.MessageKey())

	// Not issued twice.
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, ok, err := tx.InvitationIssueLink(ctx, inv.ID, b.now)
		require.False(t, ok)
		return err
	}))

	gap := 10 * time.Minute
	reissue := func(at time.Time) (db.InvitationLink, bool) {
		var link db.InvitationLink
		var ok bool
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			link, ok, err = tx.InvitationReissueLink(ctx, inv.ID, at, gap)
			return err
		}))
		return link, ok
	}
	_, ok := reissue(b.now.Add(5 * time.Minute))
	require.False(t, ok, "too soon after the last email")
	later := b.now.Add(gap)
	second, ok := reissue(later)
	require.True(t, ok)
	require.Equal(t, 2, second.Generation)
	require.Equal(t, "invitation/"+inv.ID+"/2", second.MessageKey())
	require.NotEqual(t, first.Token, second.Token)
	require.Equal(t, "again@example.org", second.Email)
	_, ok = reissue(later.Add(gap))
	require.True(t, ok, "the second link was never sent, so another is due")

	// The first link still works.
	_, err := b.register(t, first.Token, later)
	require.NoError(t, err)
	_, err = b.register(t, second.Token, later)
	require.Equal(t, sim.EGONE, sim.ErrorCode(err), "one registration per invitation, whichever link")
	_, ok = reissue(later.Add(time.Hour))
	require.False(t, ok, "nothing to send once used")

	closed, _ := testfactory.Invitation(t, b.db, testfactory.InvitationOpts{})
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, ok, err := tx.InvitationReissueLink(ctx, closed.ID, closed.ExpiresAt, gap)
		require.False(t, ok, "nothing to send once the window has passed")
		return err
	}))
}

// Only the newest links survive a long run of resends.
func TestInvitationLinksArePrunedAfterNewerOnesAreSent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, firstToken := testfactory.Invitation(t, b.db, testfactory.InvitationOpts{})
	at := b.now
	for i := 0; i < db.KeepLinks; i++ {
		at = at.Add(time.Hour)
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			link, ok, err := tx.InvitationReissueLink(ctx, inv.ID, at, time.Minute)
			require.True(t, ok)
			if err != nil {
				return err
			}
			return tx.InvitationLinkSent(ctx, link, at)
		}))
	}
	require.Equal(t, db.KeepLinks, b.count(t, "SELECT count(*) FROM invitation_tokens WHERE invitation_id = $1", inv.ID))
	_, err := b.register(t, firstToken, at)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "the oldest link retired after five newer ones were sent")
}

func TestInvitationExpireDeletesEverything(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, _ := b.invite(t, "gone@example.org")
	expire := func() bool {
		var expired bool
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			expired, err = tx.InvitationExpire(ctx, inv.ID, b.now.Add(sim.DefaultInvitationWindow))
			return err
		}))
		return expired
	}
	require.True(t, expire())
	require.Empty(t, b.db.RowsMentioning(t, "gone@example.org"))
	require.Empty(t, b.db.RowsMentioning(t, inv.CandidateID), "no row refers to the invitee")
	require.Zero(t, b.count(t, "SELECT count(*) FROM invitation_tokens"))
	var n int64
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		n, err = tx.ExpiredInvitationCount(ctx)
		return err
	}))
	require.EqualValues(t, 1, n)

	// Idempotent: a retry changes nothing.
	require.False(t, expire())
	require.Equal(t, 1, b.count(t, "SELECT sum(expired) FROM expired_invitation_counts"))
}

func TestInvitationExpireAfterRegistrationKeepsCandidate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "kept@example.org")
	_, err := b.register(t, token, b.now)
	require.NoError(t, err)
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		expired, err := tx.InvitationExpire(ctx, inv.ID, b.now.Add(sim.DefaultInvitationWindow))
		require.False(t, expired)
		if err != nil {
			return err
		}
		st, err := tx.CandidateStatus(ctx, inv.CandidateID)
		require.Equal(t, sim.StatusRegistered, st)
		return err
	}))
}

func TestStatisticsAreForTheOperator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	reg := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	for _, actor := range []sim.Actor{testfactory.Actor(reg.User), sim.Anonymous} {
		err := b.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.ExpiredInvitationCount(context.Background())
			return err
		})
		require.Contains(t, []string{sim.EFORBIDDEN, sim.EUNAUTHORIZED}, sim.ErrorCode(err))
	}
}

// The gap between links counts from when the newest was issued, sent or
// not: requests at the same moment, or while mail is down, or just after
// the first link went out, do not each get an email.
func TestReissueGapCountsFromIssue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, _ := testfactory.Invitation(t, b.db, testfactory.InvitationOpts{Unsent: true})
	gap := 10 * time.Minute
	due := func(at time.Time) bool {
		var ok bool
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			_, ok, err = tx.InvitationReissueLink(ctx, inv.ID, at, gap)
			return err
		}))
		return ok
	}
	require.False(t, due(b.now.Add(time.Second)), "the first link is on its way, not yet issued (a double click)")
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		_, ok, err := tx.InvitationIssueLink(ctx, inv.ID, b.now) // the first link, not yet sent
		require.True(t, ok)
		return err
	}))
	require.False(t, due(b.now.Add(time.Second)), "just after the first link was issued")
	later := b.now.Add(gap)
	require.True(t, due(later))
	require.False(t, due(later), "a second request at the same moment")
	require.False(t, due(later.Add(gap-time.Second)))
	require.True(t, due(later.Add(gap)))
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM invitation_tokens WHERE invitation_id = $1", inv.ID))
}

// A request for an address whose invitation never got a link (its first
// send failed for longer than the gap) does get one.
func TestReissueWhenTheFirstLinkNeverWent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inv, _ := testfactory.Invitation(t, b.db, testfactory.InvitationOpts{Unsent: true})
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		link, ok, err := tx.InvitationReissueLink(context.Background(), inv.ID, b.now.Add(time.Hour), 10*time.Minute)
		require.True(t, ok)
		require.Equal(t, 1, link.Generation)
		return err
	}))
}
