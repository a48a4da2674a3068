package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// userOf is the user object of a sign-in answer or of GET /v1/me.
func userOf(t *testing.T, r teststack.Response) map[string]any {
	t.Helper()
	u, ok := r.Body["user"].(map[string]any)
	require.True(t, ok, "no user object in %s", r.Raw)
	return u
}

// restrictionOf is the code of the user's restriction, or "" for none.
func restrictionOf(t *testing.T, u map[string]any) string {
	t.Helper()
	r, ok := u["restriction"].(map[string]any)
	if !ok {
		require.NotContains(t, u, "restriction")
		return ""
	}
	require.NotEmpty(t, r["message"], "a restriction says why")
	return r["code"].(string)
}

// An organisation's user learns from signing in, and from GET /v1/me at
// any time, who they are and which organisation is theirs (so a front end
// can build its routes), and what holds them back: reading oneself always
// works, restricted or not.
func TestSignInAndMeNameTheOrganisation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	org := testfactory.Organisation(t, s.DB, testfactory.OrganisationOpts{Name: "Whoami NHS Trust", Now: time.Now()})
	admin, _ := testfactory.OrgUser(t, s.DB, testfactory.OrgUserOpts{
		OrgID: org.ID, Role: sim.RoleOrgAdmin, Email: "jo@whoami.example", Name: "Jo Patel", ConductPending: true, Now: time.Now(),
	})

	// Signing in before the code of conduct is accepted.
	in := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": "jo@whoami.example", "password": testfactory.DefaultPassword})
	require.Equal(t, http.StatusCreated, in.Status, string(in.Raw))
	u := userOf(t, in)
	require.Equal(t, admin.ID, u["id"])
	require.Equal(t, "org_admin", u["role"])
	require.Equal(t, org.ID, u["org_id"])
	require.Equal(t, "Whoami NHS Trust", u["org_name"])
	require.Equal(t, "Jo Patel", u["name"])
	require.Equal(t, "code_of_conduct_not_accepted", restrictionOf(t, u))
	token := in.Body["token"].(string)

	me := s.Do(t, http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Raw))
	require.Equal(t, u, userOf(t, me), "GET /v1/me says what signing in said")
	// Everything else is still refused, with the restriction's code.
	refused := s.Do(t, http.MethodGet, "/v1/organisations/"+org.ID+"/users", token, nil)
	require.Equal(t, http.StatusForbidden, refused.Status)
	require.Equal(t, "code_of_conduct_not_accepted", errCode(refused))

	// Accepted: nothing holds them back.
	c := s.Do(t, http.MethodGet, "/v1/code-of-conduct", token, nil)
	acc := s.JSON(t, http.MethodPost, "/v1/code-of-conduct/acceptance", token, map[string]any{"version": c.Body["version"]})
	require.Equal(t, http.StatusOK, acc.Status, string(acc.Raw))
	me = s.Do(t, http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Raw))
	require.Equal(t, "", restrictionOf(t, userOf(t, me)))
	require.Equal(t, org.ID, userOf(t, me)["org_id"])

	// Renamed by the operator: suspended, and GET /v1/me says so and
	// names the organisation as it is now called.
	r := s.JSON(t, http.MethodPut, "/v1/organisations/"+org.ID, op, orgDetails("Whoami NHS Foundation Trust"))
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	me = s.Do(t, http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Raw))
	require.Equal(t, "agreement_name_mismatch", restrictionOf(t, userOf(t, me)))
	require.Equal(t, "Whoami NHS Foundation Trust", userOf(t, me)["org_name"])
	refused = s.Do(t, http.MethodGet, "/v1/organisations/"+org.ID+"/users", token, nil)
	require.Equal(t, "agreement_name_mismatch", errCode(refused))

	// The operator has no organisation and no restriction.
	opMe := s.Do(t, http.MethodGet, "/v1/me", op, nil)
	require.Equal(t, http.StatusOK, opMe.Status, string(opMe.Raw))
	require.NotContains(t, userOf(t, opMe), "org_id")
	require.NotContains(t, userOf(t, opMe), "org_name")
	require.Equal(t, "", restrictionOf(t, userOf(t, opMe)))
}
