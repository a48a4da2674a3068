package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// mailsWith are the emails rcpt has received that contain marker.
func mailsWith(s *teststack.Stack, rcpt, marker string) []string {
	var out []string
	for _, m := range s.SMTP.Messages() {
		for _, to := range m.To {
			if to == rcpt && bytes.Contains(m.Data, []byte(marker)) {
				out = append(out, strings.ReplaceAll(strings.ReplaceAll(string(m.Data), "=\r\n", ""), "=3D", "="))
			}
		}
	}
	return out
}

func waitMailsWith(t *testing.T, s *teststack.Stack, rcpt, marker string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got := mailsWith(s, rcpt, marker); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s received %d emails containing %q, want %d", rcpt, len(mailsWith(s, rcpt, marker)), marker, n)
	return nil
}

func errField(r teststack.Response) any { return r.Body["error"].(map[string]any)["field"] }

// A thread through the API: the organisation writes, the candidate is
// told (without the text), reads it and replies; every user of the
// organisation and its mailbox are told once; unread counts follow who
// read what. A reported message is hidden by the operator and disappears
// for both sides; bad input changes nothing.
func TestMessageThreadThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Thread NHS Trust", "admin@thread.example")
	user := colleagueOf(t, s, admin, orgID, "user@thread.example")
	set := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/mailbox", admin, map[string]any{"email": "jobs@thread.example"})
	require.Equal(t, http.StatusOK, set.Status, string(set.Raw))
	v := s.JSON(t, http.MethodPost, "/v1/mailbox-verifications", "", map[string]any{"token": s.SMTP.WaitFor(t, "jobs@thread.example", 20*time.Second).Token(t)})
	require.Equal(t, http.StatusNoContent, v.Status, string(v.Raw))
	cand, candID := journeyCandidate(t, s, op, "alex@example.org", map[string]any{"first_name": "Alex"})
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	orgThread := "/v1/organisations/" + orgID + "/candidates/" + candID + "/messages"
	myThread := "/v1/me/threads/" + orgID + "/messages"

	// Bad input is refused with what is wrong, and changes nothing.
	for _, body := range []map[string]any{
		{"body": ""}, {"body": "   "}, {"body": "nul \u0000 byte"}, {"body": "turn \u202e around"},
		{"body": strings.Repeat("a", 5001)}, {"body": "x", "extra": true}, {},
	} {
		r := s.JSON(t, http.MethodPost, orgThread, user, body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, "%v: %s", body, r.Raw)
	}
	r = s.JSON(t, http.MethodPost, orgThread, user, map[string]any{"body": "nul \u0000 byte"})
	require.Equal(t, "body", errField(r))
	r = s.Do(t, http.MethodGet, orgThread, user, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Empty(t, r.Body["messages"])

	const secret = "Our information day is on Friday at the Riverside site"
	r = s.JSON(t, http.MethodPost, orgThread, user, map[string]any{"body": secret})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	orgMessageID := r.Body["id"].(string)
	require.Equal(t, false, r.Body["from_candidate"])

	// The candidate is told, without the text, with a link to the thread.
	mail := waitMailsWith(t, s, "alex@example.org", "has sent you a message", 1)[0]
	require.Contains(t, mail, "Thread NHS Trust")
	require.Contains(t, mail, "/me/threads/"+orgID)
	require.NotContains(t, mail, "Riverside", "the email does not carry the message")

	threads := s.Do(t, http.MethodGet, "/v1/me/threads", cand, nil)
	require.Equal(t, http.StatusOK, threads.Status, string(threads.Raw))
	require.Len(t, threads.Body["threads"], 1)
	th := threads.Body["threads"].([]any)[0].(map[string]any)
	require.Equal(t, "Thread NHS Trust", th["org_name"])
	require.EqualValues(t, 1, th["unread"])
	r = s.Do(t, http.MethodGet, myThread, cand, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, secret, r.Body["messages"].([]any)[0].(map[string]any)["body"])
	r = s.Do(t, http.MethodPut, myThread+"/read", cand, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Raw))
	threads = s.Do(t, http.MethodGet, "/v1/me/threads", cand, nil)
	require.EqualValues(t, 0, threads.Body["threads"].([]any)[0].(map[string]any)["unread"])

	// The reply tells every user of the organisation and its mailbox, once.
	r = s.JSON(t, http.MethodPost, myThread, cand, map[string]any{"body": "Thank you, I will come on Friday"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	for _, rcpt := range []string{"admin@thread.example", "user@thread.example", "jobs@thread.example"} {
		mail := waitMailsWith(t, s, rcpt, "A candidate has written to", 1)[0]
		require.Contains(t, mail, "/organisations/"+orgID+"/candidates/"+candID+"/messages")
		for _, personal := range []string{"Alex", "alex@example.org", "Friday"} {
			require.NotContains(t, mail, personal)
		}
	}
	// Both messages' notifications have run to their end: nothing more is
	// coming.
	require.Len(t, s.Finished(t, sim.WorkflowMessageNotification), 2)
	for _, rcpt := range []string{"admin@thread.example", "user@thread.example", "jobs@thread.example"} {
		require.Len(t, mailsWith(s, rcpt, "A candidate has written to"), 1, "%s is told once", rcpt)
	}
	unread := func(token string) any {
		r := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/threads", token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		require.Len(t, r.Body["threads"], 1)
		return r.Body["threads"].([]any)[0].(map[string]any)["unread"]
	}
	require.EqualValues(t, 1, unread(admin))
	require.EqualValues(t, 1, unread(user))
	require.Equal(t, http.StatusNoContent, s.Do(t, http.MethodPut, orgThread+"/read", admin, nil).Status)
	require.EqualValues(t, 0, unread(admin))
	require.EqualValues(t, 1, unread(user))

	// Pages: one at a time, newest first, then a cursor from another list
	// is refused.
	r = s.Do(t, http.MethodGet, orgThread+"?limit=1", user, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "Thank you, I will come on Friday", r.Body["messages"].([]any)[0].(map[string]any)["body"])
	next := r.Body["next_cursor"].(string)
	r = s.Do(t, http.MethodGet, orgThread+"?limit=1&cursor="+next, user, nil)
	require.Equal(t, secret, r.Body["messages"].([]any)[0].(map[string]any)["body"])
	for _, cursor := range []string{"nonsense", "eyJrIjoidCIsImkiOiJ4In0"} {
		r = s.Do(t, http.MethodGet, orgThread+"?cursor="+cursor, user, nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
		require.Equal(t, "cursor", errField(r))
	}

	// The candidate reports the organisation's message; the operator hides it.
	report := "/v1/messages/" + orgMessageID + "/reports"
	r = s.JSON(t, http.MethodPost, report, cand, map[string]any{"reason": "rude"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, report, user, map[string]any{"reason": "spam"})
	require.Equal(t, http.StatusConflict, r.Status, "not one's own message: %s", r.Raw)
	r = s.JSON(t, http.MethodPost, report, cand, map[string]any{"reason": "disrespectful"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	reportID := r.Body["id"].(string)
	r = s.JSON(t, http.MethodPost, report, cand, map[string]any{"reason": "disrespectful"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, reportID, r.Body["id"])

	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/moderation/reports", admin, nil).Status)
	q := s.Do(t, http.MethodGet, "/v1/moderation/reports", op, nil)
	require.Equal(t, http.StatusOK, q.Status, string(q.Raw))
	require.Len(t, q.Body["reports"], 1)
	require.Equal(t, secret, q.Body["reports"].([]any)[0].(map[string]any)["body"])
	decision := "/v1/moderation/reports/" + reportID + "/decision"
	r = s.JSON(t, http.MethodPost, decision, op, map[string]any{"action": "hide"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "reason", errField(r))
	r = s.JSON(t, http.MethodPost, decision, op, map[string]any{"action": "hide", "reason": "Breaches point 1 of the code of conduct"})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, decision, op, map[string]any{"action": "dismiss"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	for _, c := range []struct{ path, token string }{{myThread, cand}, {orgThread, user}, {orgThread, admin}} {
		r := s.Do(t, http.MethodGet, c.path, c.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		require.NotContains(t, string(r.Raw), "Riverside", "a hidden message is shown to nobody")
		require.Len(t, r.Body["messages"], 1)
	}
	audit := s.Do(t, http.MethodGet, "/v1/audit-events?org_id="+orgID, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	require.Contains(t, string(audit.Raw), `"message.reported"`)
	require.Contains(t, string(audit.Raw), `"message.hidden"`)

	// Taking the choice back closes the thread to the organisation, and to
	// the candidate's writing; they still read it.
	require.Equal(t, http.StatusNoContent, s.Do(t, http.MethodDelete, "/v1/me/interests/"+orgID, cand, nil).Status)
	require.Equal(t, http.StatusNotFound, s.Do(t, http.MethodGet, orgThread, user, nil).Status)
	require.Equal(t, http.StatusNotFound, s.JSON(t, http.MethodPost, orgThread, user, map[string]any{"body": "hello?"}).Status)
	require.Equal(t, http.StatusConflict, s.JSON(t, http.MethodPost, myThread, cand, map[string]any{"body": "one more"}).Status)
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, myThread, cand, nil).Status)
}
