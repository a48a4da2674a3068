package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

func TestRegisterOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "sam@example.org")
	out, err := b.register(t, token, b.now)
	require.NoError(t, err)
	require.Equal(t, inv.CandidateID, out.CandidateID)
	require.Equal(t, inv.ID, out.InvitationID)

	_, err = b.register(t, token, b.now)
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
	require.Contains(t, sim.ErrorMessage(err), "already been used")

	// The address is wiped from the used invitation; it lives on the account.
	require.Zero(t, b.count(t, "SELECT count(*) FROM invitations WHERE email IS NOT NULL"))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1", inv.CandidateID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM journey_events WHERE candidate_id = $1 AND actor_id = $2", inv.CandidateID, out.UserID))
	// The workflow hears of it through the outbox, in the same transaction.
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow_id = $1 AND signal = 'registered'", "invitation/"+inv.ID))

	res, err := b.login("SAM@example.org", "a long enough password", "10.0.0.1", b.now)
	require.NoError(t, err)
	var me db.Me
	require.NoError(t, b.in(t, res.Session.Actor(), func(tx *db.Tx) error {
		me, err = tx.Me(ctx)
		return err
	}))
	require.Equal(t, sim.StatusRegistered, me.Candidate.Status)
	require.Equal(t, "Sam", me.Candidate.Profile.FirstName)
	require.Equal(t, "sam@example.org", me.Candidate.Email)
	require.True(t, me.Candidate.Consent.Given)
	require.Equal(t, "2026-11-share-v1", me.Candidate.Consent.TextVersion)
}

func TestRegisterRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, token := b.invite(t, "young@example.org")
	young := testfactory.Profile(b.now)
	young.DateOfBirth = b.now.AddDate(-17, 0, 0)
	rtl := testfactory.Profile(b.now)
	rtl.LastName = "Carter\u202e"
	good := testfactory.Profile(b.now)
	cases := []struct {
		reg  db.Registration
		code string
	}{
		{db.Registration{Token: token, Password: "a long enough password", Profile: young, ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: token, Password: "a long enough password", Profile: rtl, ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: token, Password: "short", Profile: good, ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: token, Password: "a long enough password", Profile: good, ConsentVersion: "nope", Now: b.now}, sim.EINVALID},
		{db.Registration{Token: "not-a-token", Password: "a long enough password", Profile: good, ConsentVersion: "2026-11-share-v1", Now: b.now}, sim.ENOTFOUND},
		{db.Registration{Token: token, Password: "a long enough password", Profile: good, ConsentVersion: "2026-11-share-v1", Now: b.now.Add(31 * 24 * time.Hour)}, sim.EGONE},
	}
	before := b.db.Counts(t)
	for _, tc := range cases {
		_, err := b.store.Register(context.Background(), tc.reg)
		require.Equal(t, tc.code, sim.ErrorCode(err), "%v", err)
	}
	require.Equal(t, before, b.db.Counts(t))
}

// A link that was never issued, or is dead, is refused before the
// password is hashed: a flood of them cannot starve sign-ins of hashing.
func TestRegisterLooksTheLinkUpBeforeHashing(t *testing.T) {
	t.Parallel()
	b := setup(t, db.WithPasswordHashing(1))
	_, token := b.invite(t, "later@example.org")
	release := b.store.HoldHashSlot() // every hashing slot is busy
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	unknown, _, err := db.NewToken()
	require.NoError(t, err)
	_, err = b.store.Register(ctx, db.Registration{Token: unknown, Password: "a long enough password", Profile: testfactory.Profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "answered without waiting for a hashing slot: %v", err)
	_, err = b.store.Register(ctx, db.Registration{Token: token, Password: "a long enough password", Profile: testfactory.Profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now.Add(40 * 24 * time.Hour)})
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
	_, err = b.store.Register(ctx, db.Registration{Token: token, Password: "a long enough password", Profile: testfactory.Profile(b.now), ConsentVersion: "nope", Now: b.now})
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	// A usable link does wait for a slot.
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	_, err = b.store.Register(short, db.Registration{Token: token, Password: "a long enough password", Profile: testfactory.Profile(b.now), ConsentVersion: "2026-11-share-v1", Now: b.now})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestProfileReplace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	reg := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	p := testfactory.Profile(b.now)
	p.Region = "london"
	p.Phone = ""
	var c sim.Candidate
	require.NoError(t, b.in(t, testfactory.Actor(reg.User), func(tx *db.Tx) error {
		var err error
		c, err = tx.ProfileReplace(ctx, p, b.now)
		return err
	}))
	require.Equal(t, sim.Region("london"), c.Profile.Region)

	bad := p
	bad.FirstName = "Sam\u200b"
	for _, tc := range []struct {
		actor sim.Actor
		p     sim.Profile
		code  string
	}{
		{testfactory.Actor(reg.User), bad, sim.EINVALID},
		{b.op, p, sim.EFORBIDDEN},
		{sim.Anonymous, p, sim.EUNAUTHORIZED},
	} {
		err := b.in(t, tc.actor, func(tx *db.Tx) error {
			_, err := tx.ProfileReplace(ctx, tc.p, b.now)
			return err
		})
		require.Equal(t, tc.code, sim.ErrorCode(err), "%v", err)
	}
	_, err := b.db.Admin.Exec(ctx, "UPDATE candidates SET status = 'placed' WHERE id = $1", reg.Candidate.ID)
	require.NoError(t, err)
	err = b.in(t, testfactory.Actor(reg.User), func(tx *db.Tx) error {
		_, err := tx.ProfileReplace(ctx, p, b.now)
		return err
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
}

func TestConsentTextForAnyone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.in(t, sim.Anonymous, func(tx *db.Tx) error {
		ct, err := tx.ConsentTextCurrent(context.Background())
		require.Equal(t, "2026-11-share-v1", ct.Version)
		return err
	}))
}
