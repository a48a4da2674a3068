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

func setup(t *testing.T, opts ...db.Option) *testBundle {
	t.Helper()
	d := testdb.New(t)
	op := testfactory.User(t, d, testfactory.UserOpts{Role: sim.RoleOperator, Email: "operator@example.org"})
	return &testBundle{db: d, store: db.NewStore(d.App, sim.DefaultSessionPolicy, opts...), op: testfactory.Actor(op), now: testfactory.Now}
}

// in runs fn in one transaction as actor.
func (b *testBundle) in(t *testing.T, actor sim.Actor, fn func(tx *db.Tx) error) error {
	t.Helper()
	return b.store.InTx(context.Background(), actor, fn)
}

// invite has the operator invite email and issues and sends its first
// link, as the Invitation workflow does.
func (b *testBundle) invite(t *testing.T, email string) (sim.Invitation, string) {
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
func (b *testBundle) issue(t *testing.T, invitationID string) db.InvitationLink {
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

func (b *testBundle) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.Admin.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

func (b *testBundle) register(t *testing.T, token string, at time.Time) (db.Registered, error) {
	t.Helper()
	return b.store.Register(context.Background(), db.Registration{
		Token: token, Password: "a long enough password", Profile: testfactory.Profile(b.now),
		ConsentVersion: "2026-11-share-v1", ConsentGiven: true, Now: at,
	})
}
