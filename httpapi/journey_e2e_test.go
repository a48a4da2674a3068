package httpapi_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// journeyCandidate registers a candidate through an operator's invitation
// with profile changes over teststack.Profile, and returns their token
// and candidate ID.
func journeyCandidate(t *testing.T, s *teststack.Stack, op, email string, change map[string]any) (token, id string) {
	t.Helper()
	r := s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": email})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	reg := teststack.Registration(s.SMTP.WaitFor(t, email, 20*time.Second).Token(t))
	profile := reg["profile"].(map[string]any)
	for k, v := range change {
		profile[k] = v
	}
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", reg)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	return s.Login(t, email, "a very good passphrase"), r.Body["candidate_id"].(string)
}

// colleagueOf invites email to the organisation as an org_user, sets the
// account up, accepts the code of conduct and returns the token.
func colleagueOf(t *testing.T, s *teststack.Stack, admin, orgID, email string) string {
	t.Helper()
	r := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/invitations", admin, map[string]any{"name": "Chris Lee", "email": email, "role": "org_user"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	token := s.SMTP.WaitFor(t, email, 20*time.Second).Token(t)
	r = s.JSON(t, http.MethodPost, "/v1/account-invitations/acceptance", "", map[string]any{"token": token, "password": "colleague password 1"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	user := s.Login(t, email, "colleague password 1")
	c := s.Do(t, http.MethodGet, "/v1/code-of-conduct", user, nil)
	r = s.JSON(t, http.MethodPost, "/v1/code-of-conduct/acceptance", user, map[string]any{"version": c.Body["version"]})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	return user
}

// interestMails are the interest notifications rcpt has received.
func interestMails(s *teststack.Stack, rcpt string) [][]byte {
	var out [][]byte
	for _, m := range s.SMTP.Messages() {
		for _, to := range m.To {
			if to == rcpt && bytes.Contains(m.Data, []byte("A candidate has chosen")) {
				out = append(out, m.Data)
			}
		}
	}
	return out
}

func waitInterestMails(t *testing.T, s *teststack.Stack, rcpt string, n int) [][]byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got := interestMails(s, rcpt); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s received %d interest notifications, want %d", rcpt, len(interestMails(s, rcpt)), n)
	return nil
}

func candidateIDs(t *testing.T, r teststack.Response) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var out []string
	for _, c := range r.Body["candidates"].([]any) {
		out = append(out, c.(map[string]any)["candidate_id"].(string))
	}
	return out
}

// The journey through the API: a candidate chooses a pledged
// organisation; its admin, its user and its verified group mailbox are
// each told once, by an email that names nobody; the organisation finds
// the candidate with filters, opens the profile (audited) and records
// support along the journey, refused with the allowed list where the
// state does not allow it, until the placement closes the record.
func TestCandidateJourneyWithAnOrganisation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Journey NHS Trust", "admin@journey.example")
	user := colleagueOf(t, s, admin, orgID, "user@journey.example")
	set := s.JSON(t, http.MethodPut, "/v1/organisations/"+orgID+"/mailbox", admin, map[string]any{"email": "jobs@journey.example"})
	require.Equal(t, http.StatusOK, set.Status, string(set.Raw))
	v := s.JSON(t, http.MethodPost, "/v1/mailbox-verifications", "", map[string]any{"token": s.SMTP.WaitFor(t, "jobs@journey.example", 20*time.Second).Token(t)})
	require.Equal(t, http.StatusNoContent, v.Status, string(v.Raw))

	cand, candID := journeyCandidate(t, s, op, "sam@example.org", map[string]any{
		"first_name": "Sam", "region": "london", "connection": "veteran", "skills": []string{"Logistics", "First aid"},
	})
	// Not a pledged organisation: refused, naming the field.
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{"7f1e0c2a-9b3d-4e5f-8a6b-1c2d3e4f5a6b"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "org_ids", r.Body["error"].(map[string]any)["field"])
	r = s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID, orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Len(t, r.Body["interests"], 1)
	require.Equal(t, "interested", r.Body["interests"].([]any)[0].(map[string]any)["state"])
	// Choosing again changes nothing and tells nobody again.
	r = s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))

	for _, rcpt := range []string{"admin@journey.example", "user@journey.example", "jobs@journey.example"} {
		mail := waitInterestMails(t, s, rcpt, 1)[0]
		flat := strings.ReplaceAll(strings.ReplaceAll(string(mail), "=\r\n", ""), "=3D", "=")
		require.Contains(t, flat, "/organisations/"+orgID+"/candidates/"+candID)
		for _, personal := range []string{"Sam", "Reid", "sam@example.org", "veteran", "Logistics"} {
			require.NotContains(t, flat, personal, "the notification carries no personal data")
		}
	}
	// Choosing twice caused one notification, and it has run to its end:
	// nothing more is coming.
	require.Len(t, s.Finished(t, sim.WorkflowInterestNotification), 1)
	for _, rcpt := range []string{"admin@journey.example", "user@journey.example", "jobs@journey.example"} {
		require.Equal(t, 1, len(interestMails(s, rcpt)), "%s is told once", rcpt)
	}

	// The list, with filters.
	list := func(q url.Values) []string {
		return candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates?"+q.Encode(), user, nil))
	}
	require.Equal(t, []string{candID}, list(url.Values{}))
	require.Equal(t, []string{candID}, list(url.Values{"region": {"london"}, "connection": {"veteran"}, "skill": {"logis"}, "state": {"interested", "contacted"}}))
	require.Empty(t, list(url.Values{"region": {"wales"}}))
	require.Empty(t, list(url.Values{"skill": {"%"}}), "a wildcard in a filter is taken literally")
	require.Empty(t, list(url.Values{"since": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}))
	bad := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates?region=atlantis", user, nil)
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status, string(bad.Raw))
	require.Equal(t, "region", bad.Body["error"].(map[string]any)["field"])

	// The profile: a view is an audit event.
	p := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, user, nil)
	require.Equal(t, http.StatusOK, p.Status, string(p.Raw))
	require.Equal(t, "sam@example.org", p.Body["email"])
	require.NotContains(t, string(p.Raw), "1990-05-17", "the date of birth is not shared")
	audit := s.Do(t, http.MethodGet, "/v1/audit-events?org_id="+orgID, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	require.Contains(t, string(audit.Raw), `"candidate.viewed"`)

	record := func(body map[string]any) teststack.Response {
		return s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/candidates/"+candID+"/interventions", user, body)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	r = record(map[string]any{"kind": "contacted", "on": today})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "contacted", r.Body["state"])
	r = record(map[string]any{"kind": "placed", "on": today})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "allowed from contacted: contacted, information_day, work_placement, interview, offer, not_progressed")
	r = record(map[string]any{"kind": "offer", "on": today})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "interview or a work placement")
	r = record(map[string]any{"kind": "work_placement", "on": today, "ends_on": time.Now().AddDate(0, 0, -1).UTC().Format(time.DateOnly)})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "ends_on", r.Body["error"].(map[string]any)["field"])
	r = record(map[string]any{"kind": "information_day", "on": today, "attended": true})
	require.Equal(t, "engaged", r.Body["state"], string(r.Raw))
	r = record(map[string]any{"kind": "interview", "on": today})
	require.Equal(t, "interviewing", r.Body["state"], string(r.Raw))
	r = record(map[string]any{"kind": "offer", "on": today})
	require.Equal(t, "offered", r.Body["state"], string(r.Raw))
	require.Equal(t, []any{"placed", "not_progressed"}, r.Body["allowed"])

	p = s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, admin, nil)
	require.Equal(t, http.StatusOK, p.Status, string(p.Raw))
	require.Len(t, p.Body["interventions"], 4)
	require.Equal(t, true, p.Body["interviewed"])

	r = record(map[string]any{"kind": "placed", "on": today})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "placed", r.Body["state"])
	// Placed: the operator's only from now on.
	require.Empty(t, list(url.Values{}))
	p = s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, user, nil)
	require.Equal(t, http.StatusNotFound, p.Status, string(p.Raw))
	require.Equal(t, http.StatusNotFound, record(map[string]any{"kind": "contacted", "on": today}).Status)
	me := s.Do(t, http.MethodGet, "/v1/me", cand, nil)
	require.Equal(t, "placed", me.Body["candidate"].(map[string]any)["status"])
	r = s.Do(t, http.MethodDelete, "/v1/me/interests/"+orgID, cand, nil)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
}

// Every way a candidate leaves an organisation's view, through the API:
// taking the choice back, withdrawing consent (and giving it again),
// leaving the programme.
func TestCandidateLeavesTheOrganisationsView(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgA, adminA := onboard(t, s, op, "Leaving A NHS Trust", "admin@leaving-a.example")
	orgB, adminB := onboard(t, s, op, "Leaving B NHS Trust", "admin@leaving-b.example")
	cand, candID := journeyCandidate(t, s, op, "pat@example.org", nil)
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgA, orgB}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))

	sees := func(orgID, admin string) bool {
		ids := candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil))
		profile := s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, admin, nil)
		require.Equal(t, len(ids) == 1, profile.Status == http.StatusOK, "the list and the profile agree: %s", profile.Raw)
		if profile.Status != http.StatusOK {
			require.Equal(t, http.StatusNotFound, profile.Status, string(profile.Raw))
		}
		return len(ids) == 1
	}
	require.True(t, sees(orgA, adminA))
	require.True(t, sees(orgB, adminB))

	// B is taken back: B stops seeing the candidate; A still does.
	r = s.Do(t, http.MethodDelete, "/v1/me/interests/"+orgB, cand, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Raw))
	require.False(t, sees(orgB, adminB))
	require.True(t, sees(orgA, adminA))
	mine := s.Do(t, http.MethodGet, "/v1/me/interests", cand, nil)
	require.Len(t, mine.Body["interests"], 2)
	require.Equal(t, http.StatusConflict, s.Do(t, http.MethodDelete, "/v1/me/interests/"+orgB, cand, nil).Status, "already taken back")

	// Consent withdrawn: nobody sees the candidate; given again, A does.
	r = s.JSON(t, http.MethodPut, "/v1/me/consent", cand, map[string]any{"text_version": "2026-11-share-v1", "given": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.False(t, sees(orgA, adminA))
	r = s.JSON(t, http.MethodPut, "/v1/me/consent", cand, map[string]any{"text_version": "no-such-version", "given": true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.False(t, sees(orgA, adminA), "a refused consent changes nothing")
	r = s.JSON(t, http.MethodPut, "/v1/me/consent", cand, map[string]any{"text_version": "2026-11-share-v1", "given": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.True(t, sees(orgA, adminA))

	// Leaving the programme: the operator's only, and nothing more to choose.
	r = s.Do(t, http.MethodPost, "/v1/me/withdrawal", cand, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Raw))
	require.False(t, sees(orgA, adminA))
	require.Equal(t, http.StatusConflict, s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgB}}).Status)
	require.Equal(t, http.StatusConflict, s.Do(t, http.MethodPost, "/v1/me/withdrawal", cand, nil).Status)
}
