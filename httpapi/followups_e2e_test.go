package httpapi_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

var followUpLink = regexp.MustCompile(`/me/follow-ups/([0-9a-f-]{36})`)

// A placement followed up on the real dev server, with check-ins seconds
// apart instead of weeks: the job started thirteen months ago, so each
// check-in is due at once. The candidate answers the first through the
// API (which wakes the follow-up), leaves the second unanswered (one
// reminder, then no answer) and answers the third after its reminder.
func TestPlacementFollowUpThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) {
		c.FollowUp = sim.FollowUpPolicy{Months: []int{3, 6, 12}, RemindAfter: 6 * time.Second, AnswerWindow: 4 * time.Second}
	})
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Follow-up NHS Trust", "admin@followup.example")
	cand, candID := journeyCandidate(t, s, op, "kim@example.org", nil)
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	started := time.Now().AddDate(0, -13, 0).UTC().Format(time.DateOnly)
	for _, kind := range []string{"interview", "offer", "placed"} {
		r := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/candidates/"+candID+"/interventions", admin, map[string]any{"kind": kind, "on": started})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	}
	checkIn := func(n int) string {
		mail := waitMailsWith(t, s, "kim@example.org", "Are you still with Follow-up NHS Trust?", n)[n-1]
		m := followUpLink.FindStringSubmatch(mail)
		require.NotNil(t, m, mail)
		return m[1]
	}
	answer := func(id string, still bool) teststack.Response {
		return s.JSON(t, http.MethodPost, "/v1/me/follow-ups/"+id+"/answer", cand, map[string]any{"still_in_post": still})
	}

	first := checkIn(1)
	require.Contains(t, waitMailsWith(t, s, "kim@example.org", "Are you still with", 1)[0], "3 months since you started")
	r = answer(first, true)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "in_post", r.Body["answer"])
	require.EqualValues(t, 3, r.Body["months"])
	require.Equal(t, http.StatusConflict, answer(first, false).Status, "answered once")
	r = s.JSON(t, http.MethodPost, "/v1/me/follow-ups/"+first+"/answer", cand, map[string]any{"still_in_post": "yes"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, http.StatusForbidden, s.JSON(t, http.MethodPost, "/v1/me/follow-ups/"+first+"/answer", admin, map[string]any{"still_in_post": true}).Status)

	// The second: reminded once, then no answer; answering then is too late.
	second := checkIn(2)
	require.NotEqual(t, first, second)
	waitMailsWith(t, s, "kim@example.org", "Reminder: are you still with", 1)
	third := checkIn(3)
	r = answer(second, true)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "no_answer")

	// The third, answered after its reminder: the follow-up is done.
	waitMailsWith(t, s, "kim@example.org", "Reminder: are you still with", 2)
	require.Equal(t, http.StatusOK, answer(third, true).Status)
	list := s.Do(t, http.MethodGet, "/v1/me/follow-ups", cand, nil)
	require.Equal(t, http.StatusOK, list.Status, string(list.Raw))
	got := map[float64]any{}
	for _, f := range list.Body["follow_ups"].([]any) {
		f := f.(map[string]any)
		got[f["months"].(float64)] = f["answer"]
	}
	require.Equal(t, map[float64]any{3: "in_post", 6: "no_answer", 12: "in_post"}, got)
	require.Len(t, mailsWith(s, "kim@example.org", "Are you still with Follow-up NHS Trust?"), 3, "each check-in asked once")
	require.Len(t, mailsWith(s, "kim@example.org", "Reminder: are you still with"), 2, "reminded once each, the first not at all")
}
