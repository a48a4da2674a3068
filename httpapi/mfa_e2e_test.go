package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

func loginWith(t *testing.T, s *teststack.Stack, otp string) teststack.Response {
	t.Helper()
	body := map[string]any{"email": teststack.OperatorEmail, "password": teststack.OperatorPassword}
	if otp != "" {
		body["otp"] = otp
	}
	return s.JSON(t, http.MethodPost, "/v1/sessions", "", body)
}

// Two-factor sign-in: enrol with a first code, then a correct password
// alone is not enough; a code works once; a recovery code stands in for
// the device, once.
func TestTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	e := s.Do(t, http.MethodPost, "/v1/me/mfa", op, nil)
	require.Equal(t, http.StatusCreated, e.Status, string(e.Raw))
	secret := e.Body["secret"].(string)
	require.Contains(t, e.Body["otpauth_url"], "otpauth://totp/Step%20into%20Health:operator@example.org")

	wrong := s.JSON(t, http.MethodPost, "/v1/me/mfa/confirmation", op, map[string]any{"code": "000000"})
	require.Equal(t, http.StatusUnprocessableEntity, wrong.Status)
	// The code of the previous 30-second step: used to confirm, it cannot
	// sign in afterwards, and the current one can.
	prev, err := db.TOTPCode(secret, time.Now().Add(-30*time.Second))
	require.NoError(t, err)
	c := s.JSON(t, http.MethodPost, "/v1/me/mfa/confirmation", op, map[string]any{"code": prev})
	require.Equal(t, http.StatusOK, c.Status, string(c.Raw))
	codes := c.Body["recovery_codes"].([]any)
	require.Len(t, codes, 10)

	noCode := loginWith(t, s, "")
	require.Equal(t, http.StatusUnauthorized, noCode.Status)
	require.Equal(t, "mfa_required", errCode(noCode))
	require.Equal(t, http.StatusUnauthorized, loginWith(t, s, prev).Status, "a code works once")
	now, err := db.TOTPCode(secret, time.Now())
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, loginWith(t, s, now).Status)
	require.Equal(t, http.StatusUnauthorized, loginWith(t, s, now).Status, "and only once")

	rc := codes[0].(string)
	require.Equal(t, http.StatusCreated, loginWith(t, s, rc).Status, "a recovery code stands in for the device")
	require.Equal(t, http.StatusUnauthorized, loginWith(t, s, rc).Status, "once")

	// Turning it off needs a code; the audit trail has both acts.
	off := s.JSON(t, http.MethodPost, "/v1/me/mfa/removal", op, map[string]any{"code": codes[1]})
	require.Equal(t, http.StatusNoContent, off.Status, string(off.Raw))
	require.Equal(t, http.StatusCreated, loginWith(t, s, "").Status)
	audit := s.Do(t, http.MethodGet, "/v1/audit-events", op, nil)
	var actions []string
	for _, ev := range audit.Body["events"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"mfa.enrolled", "mfa.removed"}, actions)
}

// A deployment that requires two factors for operators: a signed-in
// operator without them may only enrol (and sign out) until they do.
func TestTwoFactorRequired(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.RequireMFA = []sim.Role{sim.RoleOperator, sim.RoleOrgAdmin} })
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	me := s.Do(t, http.MethodGet, "/v1/me", op, nil)
	require.Equal(t, http.StatusOK, me.Status, "reading oneself always works")
	require.Equal(t, "mfa_enrolment_required", restrictionOf(t, userOf(t, me)))
	refused := s.Do(t, http.MethodGet, "/v1/organisations", op, nil)
	require.Equal(t, http.StatusForbidden, refused.Status)
	require.Equal(t, "mfa_enrolment_required", errCode(refused))
	e := s.Do(t, http.MethodPost, "/v1/me/mfa", op, nil)
	require.Equal(t, http.StatusCreated, e.Status, string(e.Raw))
	code, err := db.TOTPCode(e.Body["secret"].(string), time.Now())
	require.NoError(t, err)
	c := s.JSON(t, http.MethodPost, "/v1/me/mfa/confirmation", op, map[string]any{"code": code})
	require.Equal(t, http.StatusOK, c.Status, string(c.Raw))
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations", op, nil).Status, "enrolled: no longer held")
	require.Equal(t, "", restrictionOf(t, userOf(t, s.Do(t, http.MethodGet, "/v1/me", op, nil))))
	off := s.JSON(t, http.MethodPost, "/v1/me/mfa/removal", op, map[string]any{"code": c.Body["recovery_codes"].([]any)[0]})
	require.Equal(t, http.StatusConflict, off.Status, "required for the role: it stays on")
}
