package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

type testBundle struct {
	db    *testdb.DB
	store *db.Store
	op    sim.Actor // a signed-in operator
	now   time.Time
}

func setup(t testing.TB, opts ...db.Option) *testBundle {
	t.Helper()
	d := testdb.New(t)
	op := testfactory.User(t, d, testfactory.UserOpts{Role: sim.RoleOperator, Email: "operator@example.org"})
	return &testBundle{db: d, store: db.NewStore(d.App, sim.DefaultSessionPolicy, opts...), op: testfactory.Actor(op), now: testfactory.Now}
}

// in runs fn in one transaction as actor.
func (b *testBundle) in(t testing.TB, actor sim.Actor, fn func(tx *db.Tx) error) error {
	t.Helper()
	return b.store.InTx(context.Background(), actor, fn)
}

// invite has the operator invite email and issues and sends its first
// link, as the Invitation workflow does.
func (b *testBundle) invite(t testing.TB, email string) (sim.Invitation, string) {
	t.Helper()
	ctx := context.Background()
	var inv sim.Invitation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		inv, err = tx.InvitationCreate(ctx, db.InvitationRequest{Email: email, Window: sim.DefaultInvitationWindow, Now: b.now})
		return err
	}))
	link := b.issue(t, inv.ID)
	require.Equal(t, email, link.Email)
	return inv, link.Token
}

// issue issues and sends an invitation's first link as the engine does.
func (b *testBundle) issue(t testing.TB, invitationID string) db.InvitationLink {
	t.Helper()
	ctx := context.Background()
	var link db.InvitationLink
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var ok bool
		var err error
		link, ok, err = tx.InvitationIssueLink(ctx, invitationID, b.now)
		require.True(t, ok, "a first link is due")
		return err
	}))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error { return tx.InvitationLinkSent(ctx, link, b.now) }))
	return link
}

func (b *testBundle) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

func (b *testBundle) register(t testing.TB, token string, at time.Time) (db.Registered, error) {
	t.Helper()
	return b.store.Register(context.Background(), db.Registration{
		Token: token, Password: "a long enough password", Profile: testfactory.Profile(b.now),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: at,
	})
}

// newOrg has the operator record an organisation with the given name.
func (b *testBundle) newOrg(t testing.TB, name string) sim.Organisation {
	t.Helper()
	var org sim.Organisation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		org, err = tx.OrgCreate(context.Background(), sim.OrgDetails{
			Name: name, Type: "trust", Region: "wales", PledgeOn: b.now.AddDate(0, -2, 0), Active: true,
		}, b.now)
		return err
	}))
	return org
}

// agreement is a signed agreement of version in the name signedName.
func (b *testBundle) agreement(version, signedName string) sim.AgreementDetails {
	return sim.AgreementDetails{
		Version: version, SignedName: signedName, SignatoryName: "Pat Signer", SignatoryRole: "Chief Executive",
		SignedOn: b.now.AddDate(0, 0, -7),
	}
}

// recordAgreement has the operator record org's agreement (in its current
// name, of the schema's version), inviting admin when given.
func (b *testBundle) recordAgreement(t testing.TB, org sim.Organisation, admin *sim.Contact) db.AgreementRecorded {
	t.Helper()
	var rec db.AgreementRecorded
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		rec, err = tx.AgreementRecord(context.Background(), org.ID, b.agreement(testfactory.AgreementVersion, org.Name), admin, b.now)
		return err
	}))
	return rec
}

// issueAccountLink issues and sends the first link of an account
// invitation as the engine does, and returns its token.
func (b *testBundle) issueAccountLink(t testing.TB, invitationID string) string {
	t.Helper()
	ctx := context.Background()
	var link db.AccountLink
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var ok bool
		var err error
		link, ok, err = tx.AccountInvitationIssueLink(ctx, invitationID, db.LinkInvitation, b.now)
		require.True(t, ok, "the invitation's link is due")
		return err
	}))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		return tx.AccountInvitationLinkSent(ctx, invitationID, db.LinkInvitation, b.now)
	}))
	return link.Token
}

const orgPassword = "an organisation password"

// member is a person who joined an organisation with their invitation's
// link and signed in.
type member struct {
	user      sim.User
	actor     sim.Actor
	token     string // their bearer token
	linkToken string // the (used) link they joined with
}

// join sets up the account an invitation's link was sent for, signs them
// in and has them accept the code of conduct, all through the code that
// does each.
func (b *testBundle) join(t testing.TB, linkToken, email string) member {
	t.Helper()
	ctx := context.Background()
	_, err := b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: linkToken, Password: orgPassword, Now: b.now})
	require.NoError(t, err)
	res, err := b.login(email, orgPassword, "192.0.2.10", b.now)
	require.NoError(t, err)
	m := member{user: res.User, actor: testfactory.Actor(res.User), token: res.Token, linkToken: linkToken}
	require.True(t, m.actor.SignedIn(), "%+v", m.actor)
	require.NoError(t, b.in(t, m.actor, func(tx *db.Tx) error {
		_, err := tx.ConductAccept(ctx, sim.DefaultCodeOfConduct.Version, b.now)
		return err
	}))
	return m
}

// onboard records an organisation and its first agreement as the
// operator, and has its initial administrator join with the onboarding
// link: the whole onboarding, through the code that does it.
func (b *testBundle) onboard(t testing.TB, name, adminEmail string) (sim.Organisation, member) {
	t.Helper()
	require.NoError(t, b.store.PublishConduct(context.Background(), sim.DefaultCodeOfConduct, b.now))
	org := b.newOrg(t, name)
	rec := b.recordAgreement(t, org, &sim.Contact{Name: "Robin Admin", Email: adminEmail})
	require.NotNil(t, rec.Onboarding)
	admin := b.join(t, b.issueAccountLink(t, rec.Onboarding.ID), adminEmail)
	return org, admin
}

// inviteColleague has an admin invite a colleague and returns the
// invitation and its link's token.
func (b *testBundle) inviteColleague(t testing.TB, admin sim.Actor, email string, role sim.Role) (sim.AccountInvitation, string) {
	t.Helper()
	var inv sim.AccountInvitation
	require.NoError(t, b.in(t, admin, func(tx *db.Tx) error {
		var err error
		inv, err = tx.OrgInvite(context.Background(), sim.Contact{Name: "Casey Colleague", Email: email}, role, b.now)
		return err
	}))
	return inv, b.issueAccountLink(t, inv.ID)
}
