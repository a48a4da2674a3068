package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

// authActors are the kinds of actor the authorization matrix is checked
// against, by name.
var authActors = map[string]sim.Actor{
	"system":            sim.System,
	"anonymous":         sim.Anonymous,
	"presenting":        sim.Presenting([]byte{1}),
	"operator":          {UserID: "u1", Role: sim.RoleOperator},
	"candidate":         {UserID: "u2", Role: sim.RoleCandidate},
	"operator no user":  {Role: sim.RoleOperator},
	"candidate no user": {Role: sim.RoleCandidate},
}

const (
	authOK        = ""
	authForbidden = sim.EFORBIDDEN
	authUnauth    = sim.EUNAUTHORIZED
)

// authMatrix is the expected error code of Authorize for every permission
// and every kind of actor, written out by hand from the rules.
var authMatrix = map[sim.Permission]map[string]string{
	sim.PermInvite: {
		"system":            authForbidden,
		"anonymous":         authUnauth,
		"presenting":        authUnauth,
		"operator":          authOK,
		"candidate":         authForbidden,
		"operator no user":  authUnauth,
		"candidate no user": authUnauth,
	},
	sim.PermViewStatistics: {
		"system":            authOK,
		"anonymous":         authUnauth,
		"presenting":        authUnauth,
		"operator":          authOK,
		"candidate":         authForbidden,
		"operator no user":  authUnauth,
		"candidate no user": authUnauth,
	},
	sim.PermRequestRegistration: {
		"system":            authForbidden,
		"anonymous":         authOK,
		"presenting":        authOK,
		"operator":          authForbidden,
		"candidate":         authForbidden,
		"operator no user":  authForbidden,
		"candidate no user": authForbidden,
	},
	sim.PermRegister: {
		"system":            authForbidden,
		"anonymous":         authForbidden,
		"presenting":        authOK,
		"operator":          authForbidden,
		"candidate":         authForbidden,
		"operator no user":  authForbidden,
		"candidate no user": authForbidden,
	},
	sim.PermViewSelf: {
		"system":            authForbidden,
		"anonymous":         authUnauth,
		"presenting":        authUnauth,
		"operator":          authOK,
		"candidate":         authOK,
		"operator no user":  authUnauth,
		"candidate no user": authUnauth,
	},
	sim.PermEditOwnProfile: {
		"system":            authForbidden,
		"anonymous":         authUnauth,
		"presenting":        authUnauth,
		"operator":          authForbidden,
		"candidate":         authOK,
		"operator no user":  authUnauth,
		"candidate no user": authUnauth,
	},
	sim.PermEndSession: {
		"system":            authForbidden,
		"anonymous":         authUnauth,
		"presenting":        authUnauth,
		"operator":          authOK,
		"candidate":         authOK,
		"operator no user":  authUnauth,
		"candidate no user": authUnauth,
	},
	sim.PermEngine: {
		"system":            authOK,
		"anonymous":         authForbidden,
		"presenting":        authForbidden,
		"operator":          authForbidden,
		"candidate":         authForbidden,
		"operator no user":  authForbidden,
		"candidate no user": authForbidden,
	},
}

func TestAuthorizeMatrixCoversEveryPermission(t *testing.T) {
	t.Parallel()
	require.Len(t, authMatrix, len(sim.Permissions), "the matrix must have one row per permission")
	for _, p := range sim.Permissions {
		row, ok := authMatrix[p]
		require.True(t, ok, "permission %q has no row in the matrix", p)
		require.Len(t, row, len(authActors), "permission %q", p)
		for name := range authActors {
			_, ok := row[name]
			require.True(t, ok, "permission %q has no expectation for actor %q", p, name)
		}
	}
}

func TestAuthorizeMatrix(t *testing.T) {
	t.Parallel()
	for _, p := range sim.Permissions {
		for name, a := range authActors {
			want := authMatrix[p][name]
			t.Run(string(p)+"/"+name, func(t *testing.T) {
				t.Parallel()
				err := sim.Authorize(a, p)
				require.Equal(t, want, sim.ErrorCode(err), "Authorize(%s, %s) = %v", name, p, err)
				if want != authOK {
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
		for name, a := range authActors {
			require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(sim.Authorize(a, p)), "%q as %s", p, name)
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
