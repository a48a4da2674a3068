package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// restriction authenticates token at at and returns the session's
// restriction.
func (b *testBundle) restriction(t *testing.T, token string, at time.Time) sim.Restriction {
	t.Helper()
	sess, err := b.store.Authenticate(context.Background(), token, at)
	require.NoError(t, err)
	return sess.Restriction
}

// orgDetails are org's details with a new name.
func renamed(org sim.Organisation, name string) sim.OrgDetails {
	return sim.OrgDetails{Name: name, Type: org.Type, Region: org.Region, PledgeOn: org.PledgeOn, Active: org.Active}
}

// requireField checks that err is EINVALID about field.
func requireField(t *testing.T, err error, field string) {
	t.Helper()
	var e *sim.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, sim.EINVALID, e.Code, "%v", err)
	require.Equal(t, field, e.Field, "%v", err)
}

// An organisation's users work only while its latest agreement names it
// as it is now called, in a version the operator still accepts: a rename
// or a retired version suspends them all at once, and a matching
// agreement lifts the suspension.
func TestRestrictionFollowsTheAgreement(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{Name: "Riverside NHS Trust"})
	admin, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	user, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID})
	tokens := []string{testfactory.Session(t, b.db, admin, b.now), testfactory.Session(t, b.db, user, b.now)}
	// Each step happens a minute after the one before, so "latest" is
	// never a tie.
	step := 0
	next := func() time.Time { step++; return b.now.Add(time.Duration(step) * time.Minute) }
	requireAll := func(want sim.Restriction, why string) {
		t.Helper()
		at := next()
		for _, token := range tokens {
			require.Equal(t, want, b.restriction(t, token, at), why)
		}
	}
	requireAll("", "an organisation with a matching agreement works")

	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.OrgUpdate(ctx, org.ID, renamed(org, "Riverside University NHS Trust"), next())
		return err
	}))
	requireAll(sim.RestrictRenamed, "renamed")
	// A restricted person is refused everything else with the
	// restriction's own code.
	sess, err := b.store.Authenticate(ctx, tokens[0], next())
	require.NoError(t, err)
	err = b.in(t, sess.Actor(), func(tx *db.Tx) error {
		_, err := tx.OrgPeople(ctx, org.ID)
		return err
	})
	require.Equal(t, string(sim.RestrictRenamed), sim.ErrorCode(err))

	// An agreement in the old name is refused; one in the new name lifts it.
	err = b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.AgreementRecord(ctx, org.ID, b.agreement(testfactory.AgreementVersion, "Riverside NHS Trust"), nil, next())
		return err
	})
	requireField(t, err, "signed_name")
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.AgreementRecord(ctx, org.ID, b.agreement(testfactory.AgreementVersion, "Riverside  University NHS Trust "), nil, next())
		return err
	}), "the signed name is compared as the organisation's name is stored: spaces collapsed")
	requireAll("", "an agreement in the new name")

	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error { return tx.AgreementVersionRetire(ctx, testfactory.AgreementVersion, next()) }))
	requireAll(sim.RestrictRetired, "its version retired")
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		if err := tx.AgreementVersionAdd(ctx, "2027-dsa-v2", next()); err != nil {
			return err
		}
		_, err := tx.AgreementRecord(ctx, org.ID, b.agreement("2027-dsa-v2", "Riverside University NHS Trust"), nil, next())
		return err
	}))
	requireAll("", "an agreement of a current version")

	org.Name = "Riverside University NHS Trust"
	inactive := renamed(org, org.Name)
	inactive.Active = false
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.OrgUpdate(ctx, org.ID, inactive, next())
		return err
	}))
	requireAll(sim.RestrictInactive, "no longer active")

	// An organisation recorded without an agreement has users who can do
	// nothing yet.
	bare := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{NoAgreement: true})
	bareUser, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: bare.ID})
	require.Equal(t, sim.RestrictNoAgreement, b.restriction(t, testfactory.Session(t, b.db, bareUser, b.now), next()))
}

// An organisation user who has not accepted the current code of conduct
// may only read and accept it; publishing a new version holds everyone
// until they accept that.
func TestConductPendingRestricts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	u, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, ConductPending: true})
	require.NoError(t, b.store.PublishConduct(ctx, sim.DefaultCodeOfConduct, b.now))
	token := testfactory.Session(t, b.db, u, b.now)
	sess, err := b.store.Authenticate(ctx, token, b.now)
	require.NoError(t, err)
	require.Equal(t, sim.RestrictConductPending, sess.Restriction)

	actor := sess.Actor()
	err = b.in(t, actor, func(tx *db.Tx) error {
		_, err := tx.OrgGet(ctx, org.ID)
		return err
	})
	require.Equal(t, string(sim.RestrictConductPending), sim.ErrorCode(err))
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		c, err := tx.ConductCurrent(ctx)
		require.Equal(t, sim.DefaultCodeOfConduct, c.CodeOfConduct)
		require.True(t, c.AcceptedAt.IsZero())
		return err
	}))
	err = b.in(t, actor, func(tx *db.Tx) error {
		_, err := tx.ConductAccept(ctx, "some-other-version", b.now)
		return err
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "one accepts the version one read")
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		_, err := tx.ConductAccept(ctx, sim.DefaultCodeOfConduct.Version, b.now)
		return err
	}))
	require.Equal(t, sim.Restriction(""), b.restriction(t, token, b.now))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND object_id = $2",
		string(sim.AuditConductAccepted), u.ID))

	newer := sim.CodeOfConduct{Version: "2027-01-v2", Body: sim.DefaultCodeOfConduct.Body + "\n6. Be kind."}
	require.NoError(t, b.store.PublishConduct(ctx, newer, b.now.Add(time.Minute)))
	require.Equal(t, sim.RestrictConductPending, b.restriction(t, token, b.now.Add(2*time.Minute)), "a new version is accepted again")
	require.Error(t, b.store.PublishConduct(ctx, sim.CodeOfConduct{Version: newer.Version, Body: "changed"}, b.now.Add(3*time.Minute)),
		"a version's text never changes")
}

// Disabling a user ends their sessions at once and stops them signing
// in; re-enabling lets them sign in again.
func TestDisablingEndsSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, admin := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	u, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Email: "leaver@example.org"})
	first := testfactory.Session(t, b.db, u, b.now)
	res, err := b.login("leaver@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", u.ID))

	var p sim.OrgPerson
	require.NoError(t, b.in(t, admin, func(tx *db.Tx) error {
		var err error
		p, err = tx.OrgPersonUpdate(ctx, u.ID, db.OrgPersonChange{Role: sim.RoleOrgUser, Disabled: true}, b.now)
		return err
	}))
	require.True(t, p.Disabled)
	require.Zero(t, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", u.ID))
	for _, token := range []string{first, res.Token} {
		_, err := b.store.Authenticate(ctx, token, b.now)
		require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	}
	_, err = b.login("leaver@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	_, err = b.login("leaver@example.org", "not the password!", "192.0.2.1", b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err), "only someone with the password learns the account is disabled")
	require.Zero(t, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", u.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2 AND actor_id = $3",
		string(sim.AuditUserDisabled), u.ID, admin.UserID))

	require.NoError(t, b.in(t, admin, func(tx *db.Tx) error {
		_, err := tx.OrgPersonUpdate(ctx, u.ID, db.OrgPersonChange{Role: sim.RoleOrgUser}, b.now)
		return err
	}))
	res, err = b.login("leaver@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	_, err = b.store.Authenticate(ctx, res.Token, b.now)
	require.NoError(t, err)
}

// A session whose user was disabled some other way still does not
// authenticate, and is removed.
func TestDisabledUsersSessionIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	u, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Disabled: true})
	token := testfactory.Session(t, b.db, u, b.now)
	_, err := b.store.Authenticate(context.Background(), token, b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err))
	require.Zero(t, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", u.ID))
}

// The session a sign-in opens is the session Authenticate later finds:
// for an organisation's user, in their organisation.
func TestLoginSessionCarriesOrganisation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Email: "member@example.org"})
	res, err := b.login("member@example.org", testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	require.Equal(t, org.ID, res.User.OrgID)
	sess, err := b.store.Authenticate(context.Background(), res.Token, b.now)
	require.NoError(t, err)
	require.Equal(t, org.ID, sess.OrgID)
	require.Equal(t, sess.OrgID, res.Session.OrgID, "Login's session names the organisation, as Authenticate's does")
	require.True(t, res.Session.Actor().SignedIn(), "Login's session acts as a signed-in person: %+v", res.Session.Actor())
}

func activeAdmins(t *testing.T, b *testBundle, orgID string) int {
	t.Helper()
	return b.count(t, "SELECT count(*) FROM users WHERE org_id = $1 AND role = 'org_admin' AND disabled_at IS NULL", orgID)
}

// An organisation always keeps an active administrator: the last one can
// neither demote nor disable themselves.
func TestLastAdminStays(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, admin := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	change := func(actor sim.Actor, userID string, c db.OrgPersonChange) error {
		return b.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.OrgPersonUpdate(ctx, userID, c, b.now)
			return err
		})
	}
	for _, c := range []db.OrgPersonChange{{Role: sim.RoleOrgUser}, {Role: sim.RoleOrgAdmin, Disabled: true}, {Role: sim.RoleOrgUser, Disabled: true}} {
		require.Equal(t, sim.ECONFLICT, sim.ErrorCode(change(admin, admin.UserID, c)), "%+v", c)
		require.Equal(t, 1, activeAdmins(t, b, org.ID))
	}
	requireField(t, change(admin, admin.UserID, db.OrgPersonChange{Role: sim.RoleOperator}), "role")

	// A disabled admin does not count.
	other, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin, Disabled: true})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(change(admin, admin.UserID, db.OrgPersonChange{Role: sim.RoleOrgUser})))
	// Once another is active, the first may step down.
	require.NoError(t, change(admin, other.ID, db.OrgPersonChange{Role: sim.RoleOrgAdmin}))
	require.NoError(t, change(admin, admin.UserID, db.OrgPersonChange{Role: sim.RoleOrgUser}))
	require.Equal(t, 1, activeAdmins(t, b, org.ID))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM audit_events WHERE org_id = $1", org.ID), "one enabling, one role change")
}

// Two admins demoting (or disabling) each other at the same moment never
// leave their organisation without an active admin: exactly one of them
// wins each time.
func TestAdminsDemotingEachOtherConcurrently(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, x := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	_, y := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID, Role: sim.RoleOrgAdmin})
	admins := map[string]sim.Actor{x.UserID: x, y.UserID: y}
	const rounds = 40
	for round := range rounds {
		c := db.OrgPersonChange{Role: sim.RoleOrgUser}
		if round%2 == 1 {
			c = db.OrgPersonChange{Role: sim.RoleOrgAdmin, Disabled: true}
		}
		start := make(chan struct{})
		errs := map[string]error{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, pair := range [][2]sim.Actor{{x, y}, {y, x}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := b.store.InTx(ctx, pair[0], func(tx *db.Tx) error {
					_, err := tx.OrgPersonUpdate(ctx, pair[1].UserID, c, b.now)
					return err
				})
				mu.Lock()
				errs[pair[0].UserID] = err
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		require.Equal(t, 1, activeAdmins(t, b, org.ID), "round %d", round)
		var winner, loser string
		for id, err := range errs {
			switch sim.ErrorCode(err) {
			case "":
				winner = id
			case sim.EFORBIDDEN: // demoted a moment ago by the other: no longer an admin
				loser = id
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		require.NotEmpty(t, winner, "round %d: one of them wins", round)
		require.NotEmpty(t, loser, "round %d: the other is refused", round)
		// The winner restores the loser for the next round.
		require.NoError(t, b.in(t, admins[winner], func(tx *db.Tx) error {
			_, err := tx.OrgPersonUpdate(ctx, loser, db.OrgPersonChange{Role: sim.RoleOrgAdmin}, b.now)
			return err
		}))
		require.Equal(t, 2, activeAdmins(t, b, org.ID))
	}
}

// An admin's reach ends at their organisation: another organisation, its
// users and its agreements are not found, exactly as missing ones, and
// nothing of them changes.
func TestOrgAdminCannotReachAnotherOrg(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	orgA := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	orgB := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, adminA := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID, Role: sim.RoleOrgAdmin})
	_, userA := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgA.ID})
	adminB, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgB.ID, Role: sim.RoleOrgAdmin})
	userB, _ := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgB.ID})
	candidate := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	tokenB := testfactory.Session(t, b.db, userB, b.now)
	before := b.db.Counts(t)
	snapshot := func() string {
		var s string
		require.NoError(t, b.db.Admin.QueryRow(ctx, `SELECT string_agg(u::text, ',' ORDER BY id) FROM users u`).Scan(&s))
		return s
	}
	users := snapshot()

	for _, actor := range []sim.Actor{adminA, userA} {
		for _, orgID := range []string{orgB.ID, "00000000-0000-0000-0000-000000000000", "not-an-id"} {
			for name, call := range map[string]func(tx *db.Tx) error{
				"OrgGet":        func(tx *db.Tx) error { _, err := tx.OrgGet(ctx, orgID); return err },
				"OrgPeople":     func(tx *db.Tx) error { _, err := tx.OrgPeople(ctx, orgID); return err },
				"AgreementList": func(tx *db.Tx) error { _, err := tx.AgreementList(ctx, orgID); return err },
			} {
				err := b.in(t, actor, call)
				require.ErrorIs(t, err, sim.ErrNotFound, "%s %s(%s)", actor.Role, name, orgID)
				require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
			}
		}
	}
	for _, userID := range []string{adminB.ID, userB.ID, candidate.User.ID, b.op.UserID, "00000000-0000-0000-0000-000000000000", "not-an-id"} {
		for _, c := range []db.OrgPersonChange{{Role: sim.RoleOrgUser, Disabled: true}, {Role: sim.RoleOrgAdmin}, {Role: sim.RoleOrgUser}} {
			err := b.in(t, adminA, func(tx *db.Tx) error {
				_, err := tx.OrgPersonUpdate(ctx, userID, c, b.now)
				return err
			})
			require.ErrorIs(t, err, sim.ErrNotFound, "OrgPersonUpdate(%s, %+v)", userID, c)
		}
	}
	// An org user may not manage anyone, even in their own organisation.
	err := b.in(t, userA, func(tx *db.Tx) error {
		_, err := tx.OrgPersonUpdate(ctx, adminA.UserID, db.OrgPersonChange{Role: sim.RoleOrgUser}, b.now)
		return err
	})
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))

	require.Equal(t, before, b.db.Counts(t), "nothing was written")
	require.Equal(t, users, snapshot(), "no account changed")
	_, err = b.store.Authenticate(ctx, tokenB, b.now)
	require.NoError(t, err, "B's user is still signed in")

	// Their own organisation they do see.
	require.NoError(t, b.in(t, userA, func(tx *db.Tx) error {
		people, err := tx.OrgPeople(ctx, orgA.ID)
		require.Len(t, people, 2)
		return err
	}))
}

// Recording an agreement checks it against the organisation as it is now
// and the versions the operator accepts, and writes nothing when it
// refuses.
func TestAgreementRecordRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := b.newOrg(t, "Hillside NHS Trust")
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		if err := tx.AgreementVersionAdd(ctx, "2025-old", b.now); err != nil {
			return err
		}
		return tx.AgreementVersionRetire(ctx, "2025-old", b.now)
	}))
	admin := &sim.Contact{Name: "Robin Admin", Email: "robin@example.org"}
	before := b.db.Counts(t)
	record := func(actor sim.Actor, orgID string, d sim.AgreementDetails, admin *sim.Contact) error {
		return b.in(t, actor, func(tx *db.Tx) error {
			_, err := tx.AgreementRecord(ctx, orgID, d, admin, b.now)
			return err
		})
	}
	requireField(t, record(b.op, org.ID, b.agreement(testfactory.AgreementVersion, "Hillside Trust"), admin), "signed_name")
	requireField(t, record(b.op, org.ID, b.agreement(testfactory.AgreementVersion, "hillside nhs trust"), admin), "signed_name")
	requireField(t, record(b.op, org.ID, b.agreement("2025-old", org.Name), admin), "version")
	requireField(t, record(b.op, org.ID, b.agreement("2030-unknown", org.Name), admin), "version")
	requireField(t, record(b.op, org.ID, b.agreement(testfactory.AgreementVersion, org.Name), nil), "initial_admin")
	requireField(t, record(b.op, org.ID, b.agreement(testfactory.AgreementVersion, org.Name), &sim.Contact{Name: "Robin", Email: "not an address"}), "initial_admin.email")
	future := b.agreement(testfactory.AgreementVersion, org.Name)
	future.SignedOn = b.now.AddDate(0, 0, 1)
	requireField(t, record(b.op, org.ID, future, admin), "signed_on")
	require.ErrorIs(t, record(b.op, "00000000-0000-0000-0000-000000000000", b.agreement(testfactory.AgreementVersion, org.Name), admin), sim.ErrNotFound)
	require.Equal(t, before, b.db.Counts(t), "nothing was written")

	_, orgAdmin := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{}).ID, Role: sim.RoleOrgAdmin})
	before = b.db.Counts(t)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(record(orgAdmin, org.ID, b.agreement(testfactory.AgreementVersion, org.Name), admin)))
	require.Equal(t, before, b.db.Counts(t), "nothing was written")
	var got sim.Organisation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		got, err = tx.OrgGet(ctx, org.ID)
		return err
	}))
	require.Equal(t, sim.OnboardingNotStarted, got.Onboarding)
}

// outboxStarts lists the workflow IDs of the outbox's starts of workflow.
func (b *testBundle) outboxStarts(t *testing.T, workflow string) []string {
	t.Helper()
	rows, err := b.db.Admin.Query(context.Background(), "SELECT workflow_id FROM workflow_outbox WHERE workflow = $1 ORDER BY id", workflow)
	require.NoError(t, err)
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

// The first agreement starts the organisation's onboarding, once, however
// many are recorded and however many at once.
func TestAgreementRecordStartsOnboardingOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org := b.newOrg(t, "Lakeside NHS Trust")
	admin := &sim.Contact{Name: "Robin  Admin ", Email: " Robin@Example.org"}
	d := b.agreement(testfactory.AgreementVersion, org.Name)

	const writers = 8
	results := make(chan db.AgreementRecorded, writers)
	errs := make(chan error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var rec db.AgreementRecorded
			err := b.store.InTx(ctx, b.op, func(tx *db.Tx) error {
				var err error
				rec, err = tx.AgreementRecord(ctx, org.ID, d, admin, b.now)
				return err
			})
			if err != nil {
				errs <- err
				return
			}
			results <- rec
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	close(errs)
	require.Len(t, results, 1, "one agreement starts the onboarding")
	for err := range errs {
		requireField(t, err, "initial_admin")
	}
	rec := <-results
	require.NotNil(t, rec.Onboarding)
	inv := *rec.Onboarding
	require.Equal(t, sim.AccountInvitationOnboarding, inv.Kind)
	require.Equal(t, sim.RoleOrgAdmin, inv.Role)
	require.True(t, b.now.Add(sim.DefaultAccountInvitationWindow).Equal(inv.ExpiresAt), "%s", inv.ExpiresAt)
	require.Equal(t, []string{sim.OrgOnboardingWorkflowID(org.ID, inv.ID)}, b.outboxStarts(t, sim.WorkflowOrgOnboarding))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM account_invitations WHERE org_id = $1 AND kind = 'onboarding' AND name = 'Robin Admin' AND email = 'robin@example.org'", org.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM org_agreements WHERE org_id = $1 AND recorded_by = $2", org.ID, b.op.UserID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM organisations WHERE id = $1 AND onboarding = 'inviting'", org.ID))

	// A later agreement takes no admin and starts nothing.
	later := d
	later.SignedOn = b.now.AddDate(0, 0, -1)
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		rec, err := tx.AgreementRecord(ctx, org.ID, later, nil, b.now.Add(time.Hour))
		require.Nil(t, rec.Onboarding)
		return err
	}))
	require.Len(t, b.outboxStarts(t, sim.WorkflowOrgOnboarding), 1)
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM org_agreements WHERE org_id = $1", org.ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM account_invitations WHERE org_id = $1", org.ID))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = $2", org.ID, string(sim.AuditAgreementRecorded)))
}

// An onboarding invitation that closes unanswered escalates the
// organisation to the operator's queue; re-issuing it starts a new
// invitation, whose link works while the old one's does not.
func TestOnboardingEscalationAndReissue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	require.NoError(t, b.store.PublishConduct(ctx, sim.DefaultCodeOfConduct, b.now))
	org := b.newOrg(t, "Moorside NHS Trust")
	busy := b.newOrg(t, "Busy NHS Trust") // onboarding, not escalated
	b.recordAgreement(t, busy, &sim.Contact{Name: "Busy Admin", Email: "busy@example.org"})
	first := b.recordAgreement(t, org, &sim.Contact{Name: "Slow Admin", Email: "slow@example.org"}).Onboarding
	oldToken := b.issueAccountLink(t, first.ID)
	closeAt := first.ExpiresAt

	escalated := func() []string {
		t.Helper()
		var out []sim.Organisation
		require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
			var err error
			out, err = tx.OrgList(ctx, sim.OnboardingEscalated, db.OrgCursor{}, 10)
			return err
		}))
		ids := []string{}
		for _, o := range out {
			ids = append(ids, o.ID)
		}
		return ids
	}
	closeInv := func(id string, at time.Time) db.InvitationOutcome {
		t.Helper()
		var out db.InvitationOutcome
		require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			out, err = tx.AccountInvitationClose(ctx, id, at)
			return err
		}))
		return out
	}
	require.Empty(t, escalated())

	require.Equal(t, db.InvitationExpired, closeInv(first.ID, closeAt))
	require.Equal(t, []string{org.ID}, escalated())
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM account_invitations WHERE id = $1 AND expired_at IS NOT NULL AND name IS NULL AND email IS NULL", first.ID))
	require.Empty(t, b.db.RowsMentioning(t, "slow@example.org"), "the invitee's address is gone")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2 AND actor_role = 'system'",
		string(sim.AuditOnboardingEscalated), org.ID))
	require.Equal(t, db.InvitationExpired, closeInv(first.ID, closeAt), "closing again changes nothing")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1", string(sim.AuditOnboardingEscalated)))
	_, err := b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: oldToken, Password: orgPassword, Now: b.now})
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))

	var second sim.AccountInvitation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		second, err = tx.OnboardingReissue(ctx, org.ID, sim.Contact{Name: "Quick Admin", Email: "quick@example.org"}, closeAt.Add(time.Hour))
		return err
	}))
	require.NotEqual(t, first.ID, second.ID)
	require.Equal(t, sim.AccountInvitationOnboarding, second.Kind)
	require.Empty(t, escalated())
	require.Equal(t, []string{sim.OrgOnboardingWorkflowID(busy.ID, b.onboardingIDs(t, busy.ID)[0]), sim.OrgOnboardingWorkflowID(org.ID, first.ID),
		sim.OrgOnboardingWorkflowID(org.ID, second.ID)}, b.outboxStarts(t, sim.WorkflowOrgOnboarding))
	// The first invitation's workflow, closing late, does not escalate
	// the onboarding that has moved on.
	require.Equal(t, db.InvitationExpired, closeInv(first.ID, closeAt.Add(2*time.Hour)))
	require.Empty(t, escalated())

	// Re-issuing while an invitation is open closes it: its link stops
	// working, the new one's works.
	secondToken := b.issueAccountLink(t, second.ID)
	var third sim.AccountInvitation
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		third, err = tx.OnboardingReissue(ctx, org.ID, sim.Contact{Name: "Quick Admin", Email: "quick@example.org"}, closeAt.Add(time.Hour))
		return err
	}))
	require.Equal(t, []string{third.ID}, b.openInvitations(t, org.ID))
	_, err = b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: secondToken, Password: orgPassword, Now: closeAt.Add(time.Hour)})
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
	b.now = closeAt.Add(time.Hour)
	joined := b.join(t, b.issueAccountLink(t, third.ID), "quick@example.org")
	require.Equal(t, org.ID, joined.user.OrgID)
	require.Equal(t, sim.RoleOrgAdmin, joined.user.Role)
	// Closing the used invitation later says it was accepted.
	require.Equal(t, db.InvitationAccepted, closeInv(third.ID, third.ExpiresAt))
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error { return tx.OnboardingComplete(ctx, org.ID, b.now) }))
	err = b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.OnboardingReissue(ctx, org.ID, sim.Contact{Name: "Another", Email: "another@example.org"}, b.now)
		return err
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "a completed onboarding is not re-issued")
}

func (b *testBundle) onboardingIDs(t *testing.T, orgID string) []string {
	t.Helper()
	return b.ids(t, "SELECT id::text FROM account_invitations WHERE org_id = $1 AND kind = 'onboarding' ORDER BY created_at, id", orgID)
}

func (b *testBundle) openInvitations(t *testing.T, orgID string) []string {
	t.Helper()
	return b.ids(t, "SELECT id::text FROM account_invitations WHERE org_id = $1 AND used_at IS NULL AND expired_at IS NULL ORDER BY id", orgID)
}

func (b *testBundle) ids(t *testing.T, query string, args ...any) []string {
	t.Helper()
	rows, err := b.db.Admin.Query(context.Background(), query, args...)
	require.NoError(t, err)
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

// An account invitation's link sets up one account: afterwards it is
// spent, and the invitee's name and address live only on the account.
func TestAcceptedAccountLinkIsSpent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	org, admin := b.onboard(t, "Vale NHS Trust", "first.admin@example.org")
	inv, token := b.inviteColleague(t, admin.actor, "casey@example.org", sim.RoleOrgUser)

	created, err := b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: token, Password: orgPassword, Now: b.now})
	require.NoError(t, err)
	require.Equal(t, db.AccountCreated{UserID: created.UserID, OrgID: org.ID, Role: sim.RoleOrgUser}, created)
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM account_invitations WHERE id = $1 AND used_at = $2
		AND name IS NULL AND email IS NULL AND user_id = $3`, inv.ID, b.now, created.UserID))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM users WHERE id = $1 AND org_id = $2 AND role = 'org_user'
		AND name = 'Casey Colleague' AND email = 'casey@example.org' AND disabled_at IS NULL`, created.UserID, org.ID))
	require.Equal(t, []string{"users"}, b.db.RowsMentioning(t, "casey@example.org"))
	require.Equal(t, []string{"users"}, b.db.RowsMentioning(t, "Casey Colleague"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND object_id = $2 AND actor_org_id = $3",
		string(sim.AuditUserJoined), created.UserID, org.ID), "the account joined by its own act")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow_id = $1 AND signal = $2",
		sim.AccountInvitationWorkflowID(inv.ID), sim.SignalAccountAccepted))

	for _, at := range []time.Time{b.now, b.now.Add(time.Minute)} {
		_, err = b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: token, Password: "another long password", Now: at})
		require.Equal(t, sim.EGONE, sim.ErrorCode(err))
	}
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM users WHERE org_id = $1 AND role = 'org_user'", org.ID))
	_, err = b.login("casey@example.org", "another long password", "192.0.2.1", b.now)
	require.Equal(t, sim.EUNAUTHORIZED, sim.ErrorCode(err), "the second try changed no password")

	// A link is not a token for anything else, nor guessable.
	_, err = b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: admin.token, Password: orgPassword, Now: b.now})
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	// An address that already has an account is told so, and nothing is
	// used up.
	inv2, token2 := b.inviteColleague(t, admin.actor, "member@example.org", sim.RoleOrgUser)
	testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Email: "member@example.org"})
	_, err = b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: token2, Password: orgPassword, Now: b.now})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM account_invitations WHERE id = $1 AND used_at IS NULL AND email = 'member@example.org'", inv2.ID))
	// An expired link is gone.
	_, err = b.store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: token2, Password: orgPassword, Now: inv2.ExpiresAt})
	require.Equal(t, sim.EGONE, sim.ErrorCode(err))
}

// The operator's list of organisations pages by name, case-insensitively,
// continuing after the last organisation of a page as it was listed:
// every organisation once, whatever the case of its name.
func TestOrgListPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	names := []string{"gamma Trust", "Beta Trust", "İlkley Trust", "alpha Trust", "Ilkley Trust Two", "Delta Trust", "epsilon Trust"}
	for _, n := range names {
		b.newOrg(t, n)
	}
	want := []string{"alpha Trust", "Beta Trust", "Delta Trust", "epsilon Trust", "gamma Trust", "İlkley Trust", "Ilkley Trust Two"}
	for _, size := range []int{1, 2, 3, 100} {
		var seen []string
		var cursor db.OrgCursor
		for range len(names) + 1 { // never more pages than names
			var page []sim.Organisation
			require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
				var err error
				page, err = tx.OrgList(ctx, "", cursor, size)
				return err
			}))
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(t, len(page), size)
			for _, o := range page {
				seen = append(seen, o.Name)
			}
			last := page[len(page)-1]
			cursor = db.OrgCursor{Name: last.Name, ID: last.ID}
		}
		require.Equal(t, want, seen, "page size %d", size)
	}
	err := b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.OrgCreate(ctx, sim.OrgDetails{Name: "  ALPHA   trust ", Type: "trust", Region: "wales", Active: true}, b.now)
		return err
	})
	requireField(t, err, "name")
}
