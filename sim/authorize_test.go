package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

// authActors are the kinds of actor the authorization matrix is checked
// against, in the order of the matrix's columns.
var authActors = []struct {
	name  string
	actor sim.Actor
}{
	{"system", sim.System},
	{"anonymous", sim.Anonymous},
	{"presenting", sim.Presenting([]byte{1})},
	{"operator", sim.Actor{UserID: "u1", Role: sim.RoleOperator}},
	{"candidate", sim.Actor{UserID: "u2", Role: sim.RoleCandidate}},
	{"org admin", sim.Actor{UserID: "u3", Role: sim.RoleOrgAdmin, OrgID: "o1"}},
	{"org user", sim.Actor{UserID: "u4", Role: sim.RoleOrgUser, OrgID: "o1"}},
	{"operator no user", sim.Actor{Role: sim.RoleOperator}},
	{"candidate no user", sim.Actor{Role: sim.RoleCandidate}},
	{"org admin no org", sim.Actor{UserID: "u3", Role: sim.RoleOrgAdmin}},
	{"org user of a renamed org", sim.Actor{UserID: "u5", Role: sim.RoleOrgUser, OrgID: "o2", Restriction: sim.RestrictRenamed}},
	{"org admin before the code of conduct", sim.Actor{UserID: "u6", Role: sim.RoleOrgAdmin, OrgID: "o1", Restriction: sim.RestrictConductPending}},
}

// The matrix's cells: O allowed, F forbidden, U not signed in, R refused
// for the renamed organisation, C refused until the code of conduct is
// accepted.
var authCodes = map[rune]string{
	'O': "", 'F': sim.EFORBIDDEN, 'U': sim.EUNAUTHORIZED,
	'R': string(sim.RestrictRenamed), 'C': string(sim.RestrictConductPending),
}

// authMatrix is the expected outcome of Authorize for every permission and
// every kind of actor (one letter per actor, in authActors' order),
// written out by hand from the rules.
var authMatrix = map[sim.Permission]string{
	//                          sys anon pres op cand oadm ousr opnu cnu onoorg ren conduct
	sim.PermInvite:              "FUUOFFFUUUFF",
	sim.PermViewStatistics:      "OUUOFFFUUUFF",
	sim.PermRequestRegistration: "FOOFFFFFFFFF",
	sim.PermRegister:            "FFOFFFFFFFFF",
	sim.PermViewSelf:            "FUUOOOOUUUOO",
	sim.PermEditOwnProfile:      "FUUFOFFUUUFF",
	sim.PermEndSession:          "FUUOOOOUUUOO",
	sim.PermManageOwnAccount:    "FUUOOOOUUURC",
	sim.PermRequestReset:        "FOOFFFFFFFFF",
	sim.PermResetPassword:       "FFOFFFFFFFFF",
	sim.PermAcceptAccount:       "FFOFFFFFFFFF",
	sim.PermVerifyMailbox:       "FFOFFFFFFFFF",
	sim.PermListPledged:         "OOOOOOOUUURC",
	sim.PermManageOrganisations: "FUUOFFFUUUFF",
	sim.PermViewOrgPeople:       "FUUOFOOUUURC",
	sim.PermManageOrgPeople:     "FUUFFOFUUUFC",
	sim.PermReadConduct:         "FUUOFOOUUURO",
	sim.PermAcceptConduct:       "FUUFFOOUUURO",
	sim.PermReadAudit:           "FUUOFFFUUUFF",
	sim.PermChooseOrganisations: "FUUFOFFUUUFF",
	sim.PermViewCandidates:      "FUUOFOOUUURC",
	sim.PermRecordSupport:       "FUUFFOOUUURC",
	sim.PermMessage:             "FUUFOOOUUURC",
	sim.PermReportMessage:       "FUUFOOOUUURC",
	sim.PermModerate:            "FUUOFFFUUUFF",
	sim.PermAnswerFollowUp:      "FUUFOFFUUUFF",
	sim.PermVerify:              "FUUOFFFUUUFF",
	sim.PermEngine:              "OFFFFFFFFFFF",
	sim.PermManageRetention:     "FUUOFFFUUUFF",
	sim.PermOwnData:             "FUUFOFFUUUFF",
	sim.PermDataRequests:        "FUUOFFFUUUFF",
	sim.PermPublishConsent:      "FUUOFFFUUUFF",
	sim.PermViewReports:         "OUUOFOOUUURC",
	sim.PermQuickRegister:       "FUUOFOFUUUFC",
	sim.PermInfoRequests:        "FUUOFFFUUUFF",
}

func TestAuthorizeMatrixCoversEveryPermission(t *testing.T) {
	t.Parallel()
	require.Len(t, authMatrix, len(sim.Permissions), "the matrix must have one row per permission")
	for _, p := range sim.Permissions {
		row, ok := authMatrix[p]
		require.True(t, ok, "permission %q has no row in the matrix", p)
		require.Len(t, row, len(authActors), "permission %q", p)
	}
}

func TestAuthorizeMatrix(t *testing.T) {
	t.Parallel()
	for _, p := range sim.Permissions {
		for i, a := range authActors {
			want := authCodes[rune(authMatrix[p][i])]
			t.Run(string(p)+"/"+a.name, func(t *testing.T) {
				t.Parallel()
				err := sim.Authorize(a.actor, p)
				require.Equal(t, want, sim.ErrorCode(err), "Authorize(%s, %s) = %v", a.name, p, err)
				if want != "" {
					var e *sim.Error
					require.ErrorAs(t, err, &e, "a refusal must be a *sim.Error")
					require.NotEmpty(t, e.Message, "a refusal must say why")
				}
			})
		}
	}
}

func TestAuthorizeMessages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a    sim.Actor
		p    sim.Permission
		msg  string
	}{
		{"candidate invites", sim.Actor{UserID: "u2", Role: sim.RoleCandidate}, sim.PermInvite, "only the programme operator can invite candidates"},
		{"anonymous views self", sim.Anonymous, sim.PermViewSelf, "sign in first"},
		{"anonymous registers without link", sim.Anonymous, sim.PermRegister, "registering needs the link from your invitation"},
		{"operator edits profile", sim.Actor{UserID: "u1", Role: sim.RoleOperator}, sim.PermEditOwnProfile, "only a candidate has a profile to update"},
		{"operator does engine work", sim.Actor{UserID: "u1", Role: sim.RoleOperator}, sim.PermEngine, "only the engine itself may do that"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.msg, sim.ErrorMessage(sim.Authorize(tc.a, tc.p)))
		})
	}
}

func TestAuthorizeUnknownPermission(t *testing.T) {
	t.Parallel()
	for _, p := range []sim.Permission{"", "delete_everything", "INVITE", "invite "} {
		for _, a := range authActors {
			require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(sim.Authorize(a.actor, p)), "%q as %s", p, a.name)
		}
	}
}

func TestAuthorizeRegisterNeedsNonEmptyCredential(t *testing.T) {
	t.Parallel()
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(sim.Authorize(sim.Presenting(nil), sim.PermRegister)))
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(sim.Authorize(sim.Presenting([]byte{}), sim.PermRegister)))
	require.NoError(t, sim.Authorize(sim.Presenting([]byte{0}), sim.PermRegister))
}

func TestCanEditProfile(t *testing.T) {
	t.Parallel()
	owner := sim.Actor{UserID: "u2", Role: sim.RoleCandidate}
	cases := []struct {
		name string
		a    sim.Actor
		c    sim.Candidate
		want string
	}{
		{"owner, registered", owner, sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, ""},
		{"another user's candidate", owner, sim.Candidate{UserID: "u3", Status: sim.StatusRegistered}, sim.EFORBIDDEN},
		{"candidate not yet registered", owner, sim.Candidate{UserID: "", Status: sim.StatusInvited}, sim.EFORBIDDEN},
		{"owner, placed", owner, sim.Candidate{UserID: "u2", Status: sim.StatusPlaced}, sim.ECONFLICT},
		{"owner, withdrawn", owner, sim.Candidate{UserID: "u2", Status: sim.StatusWithdrawn}, sim.ECONFLICT},
		{"owner, expired", owner, sim.Candidate{UserID: "u2", Status: sim.StatusExpired}, sim.ECONFLICT},
		{"owner, anonymised", owner, sim.Candidate{UserID: "u2", Status: sim.StatusAnonymised}, sim.ECONFLICT},
		{"operator", sim.Actor{UserID: "u1", Role: sim.RoleOperator}, sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, sim.EFORBIDDEN},
		{"operator with the candidate's user id", sim.Actor{UserID: "u2", Role: sim.RoleOperator}, sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, sim.EFORBIDDEN},
		{"system", sim.System, sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, sim.EFORBIDDEN},
		{"anonymous", sim.Anonymous, sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, sim.EUNAUTHORIZED},
		{"presenting", sim.Presenting([]byte{1}), sim.Candidate{UserID: "u2", Status: sim.StatusRegistered}, sim.EUNAUTHORIZED},
		// An empty UserID must not match a candidate whose UserID is also empty.
		{"candidate without user id, unregistered record", sim.Actor{Role: sim.RoleCandidate}, sim.Candidate{Status: sim.StatusRegistered}, sim.EUNAUTHORIZED},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := sim.CanEditProfile(tc.a, tc.c)
			require.Equal(t, tc.want, sim.ErrorCode(err), "CanEditProfile = %v", err)
		})
	}
}

func TestCanEditProfileMessages(t *testing.T) {
	t.Parallel()
	owner := sim.Actor{UserID: "u2", Role: sim.RoleCandidate}
	require.Equal(t, "you can only edit your own profile",
		sim.ErrorMessage(sim.CanEditProfile(owner, sim.Candidate{UserID: "u3", Status: sim.StatusRegistered})))
	require.Equal(t, "a placed record can no longer be edited",
		sim.ErrorMessage(sim.CanEditProfile(owner, sim.Candidate{UserID: "u2", Status: sim.StatusPlaced})))
}
