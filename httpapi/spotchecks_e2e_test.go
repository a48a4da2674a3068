package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// Spot checks through the API: registrations a rule flags wait in the
// operator's queue; a verified one stays with the organisation, a
// rejected one disappears from it at once and the candidate is told,
// without the reason.
func TestSpotCheckThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Check NHS Trust", "admin@check.example")
	kept, keptID := journeyCandidate(t, s, op, "kept@example.org", map[string]any{"connection": "other_family_member"})
	gone, goneID := journeyCandidate(t, s, op, "gone@example.org", map[string]any{"connection": "other_family_member"})
	for _, token := range []string{kept, gone} {
		r := s.JSON(t, http.MethodPost, "/v1/me/interests", token, map[string]any{"org_ids": []string{orgID}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	}
	require.ElementsMatch(t, []string{keptID, goneID}, candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil)),
		"waiting for a check does not hide a candidate")

	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/spot-checks", admin, nil).Status)
	q := s.Do(t, http.MethodGet, "/v1/spot-checks", op, nil)
	require.Equal(t, http.StatusOK, q.Status, string(q.Raw))
	checks := map[string]string{}
	for _, c := range q.Body["spot_checks"].([]any) {
		c := c.(map[string]any)
		checks[c["candidate_id"].(string)] = c["id"].(string)
		require.Contains(t, c["flags"], "connection_other_family_member")
	}
	require.Len(t, checks, 2)

	decide := func(candidate string, body map[string]any) teststack.Response {
		return s.JSON(t, http.MethodPost, "/v1/spot-checks/"+checks[candidate]+"/decision", op, body)
	}
	r := decide(goneID, map[string]any{"outcome": "rejected"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "reason", errField(r))
	r = decide(goneID, map[string]any{"outcome": "maybe"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	r = decide(goneID, map[string]any{"outcome": "rejected", "reason": "No service record \u0000 found"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "reason", errField(r))
	require.Equal(t, http.StatusNoContent, decide(keptID, map[string]any{"outcome": "verified"}).Status)
	require.Equal(t, http.StatusNoContent, decide(goneID, map[string]any{"outcome": "rejected", "reason": "No service record found"}).Status)
	require.Equal(t, http.StatusConflict, decide(goneID, map[string]any{"outcome": "verified"}).Status)

	require.Equal(t, []string{keptID}, candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil)))
	require.Equal(t, http.StatusNotFound, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+goneID, admin, nil).Status)
	mail := waitMailsWith(t, s, "gone@example.org", "We could not confirm your registration", 1)[0]
	require.NotContains(t, mail, "service record", "the reason is not in the email")
	// One notice, the rejection's, and it has run to its end: the
	// verified candidate is told nothing.
	require.Equal(t, []string{sim.SpotCheckNoticeWorkflowID(checks[goneID])}, s.Finished(t, sim.WorkflowSpotCheckNotice))
	require.Empty(t, mailsWith(s, "kept@example.org", "We could not confirm"))
	audit := s.Do(t, http.MethodGet, "/v1/audit-events", op, nil)
	require.Contains(t, string(audit.Raw), `"spot_check.decided"`)
}
