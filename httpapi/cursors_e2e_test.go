package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// cursorWorld has at least two rows in every list that pages, so that a
// page of one has a next_cursor.
type cursorWorld struct {
	s                  *teststack.Stack
	op, admin, cand    string
	orgA, orgB, candID string
}

func newCursorWorld(t *testing.T) *cursorWorld {
	t.Helper()
	s := teststack.New(t, temporalAddr)
	w := &cursorWorld{s: s, op: s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)}
	s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword) // a second sign-in for the login trail
	now := time.Now()
	w.orgA = testfactory.Organisation(t, s.DB, testfactory.OrganisationOpts{Now: now}).ID
	w.orgB = testfactory.Organisation(t, s.DB, testfactory.OrganisationOpts{Now: now}).ID
	admin, _ := testfactory.OrgUser(t, s.DB, testfactory.OrgUserOpts{OrgID: w.orgA, Role: sim.RoleOrgAdmin, Now: now})
	w.admin = testfactory.Session(t, s.DB, admin, now)

	// Two candidates choose A and write to it (the first twice); A's
	// admin reports the first one's messages.
	var messages []string
	for i := 0; i < 2; i++ {
		c := testfactory.Candidate(t, s.DB, testfactory.CandidateOpts{Now: now})
		token := testfactory.Session(t, s.DB, c.User, now)
		r := s.JSON(t, http.MethodPost, "/v1/me/interests", token, map[string]any{"org_ids": []string{w.orgA}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		for j := 0; j < 2-i; j++ {
			r = s.JSON(t, http.MethodPost, "/v1/me/threads/"+w.orgA+"/messages", token, map[string]any{"body": "Hello"})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
			if i == 0 {
				messages = append(messages, r.Body["id"].(string))
			}
		}
		if i == 0 {
			w.cand, w.candID = token, c.Candidate.ID
		}
	}
	for _, m := range messages {
		r := s.JSON(t, http.MethodPost, "/v1/messages/"+m+"/reports", w.admin, map[string]any{"reason": "spam"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	}
	// Two registrations wait for a check.
	for i := 0; i < 2; i++ {
		c := testfactory.Candidate(t, s.DB, testfactory.CandidateOpts{Now: now})
		_, err := s.DB.Admin.Exec(context.Background(),
			`INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES ($1, $2, '{random_sample}', $3)`,
			uuid.New(), c.Candidate.ID, now.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
	}
	return w
}

// get answers GET path (with its query) for token.
func (w *cursorWorld) get(t *testing.T, token, path string) teststack.Response {
	t.Helper()
	return w.s.Do(t, http.MethodGet, path, token, nil)
}

// withCursor adds cursor=c to path's query.
func withCursor(path, c string) string {
	u, _ := url.Parse(path)
	q := u.Query()
	q.Set("cursor", c)
	u.RawQuery = q.Encode()
	return u.String()
}

// requireForeignCursor checks that path refuses the cursor with 422 cursor.
func requireForeignCursor(t *testing.T, w *cursorWorld, token, path, cursor, why string) {
	t.Helper()
	r := w.get(t, token, withCursor(path, cursor))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", why, r.Raw)
	require.Equal(t, "cursor", errorOf(t, r)["field"], why)
	requireHumane(t, errorOf(t, r)["message"].(string), why)
}

// Every list pages with its next_cursor (page two is not page one), and a
// cursor is good only for the list, scope and filters that issued it: one
// from another organisation's list, another list, other filters or sort,
// or with one byte changed is refused with 422 naming cursor.
func TestCursorsAreBoundToTheirList(t *testing.T) {
	t.Parallel()
	w := newCursorWorld(t)
	lists := []struct {
		name, token, path, items string
	}{
		{"organisations", w.op, "/v1/organisations?limit=1", "organisations"},
		{"candidates", w.admin, "/v1/organisations/" + w.orgA + "/candidates?limit=1", "candidates"},
		{"threads", w.admin, "/v1/organisations/" + w.orgA + "/threads?limit=1", "threads"},
		{"a thread's messages", w.admin, "/v1/organisations/" + w.orgA + "/candidates/" + w.candID + "/messages?limit=1", "messages"},
		{"my messages", w.cand, "/v1/me/threads/" + w.orgA + "/messages?limit=1", "messages"},
		{"moderation queue", w.op, "/v1/moderation/reports?limit=1", "reports"},
		{"spot checks", w.op, "/v1/spot-checks?limit=1", "spot_checks"},
		{"audit trail", w.op, "/v1/audit-events?limit=1", "events"},
		{"login trail", w.op, "/v1/login-events?limit=1", "events"},
	}
	next := map[string]string{}
	for _, l := range lists {
		first := w.get(t, l.token, l.path)
		require.Equal(t, http.StatusOK, first.Status, "%s: %s", l.name, first.Raw)
		c, ok := first.Body["next_cursor"].(string)
		require.True(t, ok, "%s: a full page has a next_cursor: %s", l.name, first.Raw)
		next[l.name] = c
		second := w.get(t, l.token, withCursor(l.path, c))
		require.Equal(t, http.StatusOK, second.Status, "%s: %s", l.name, second.Raw)
		items := second.Body[l.items].([]any)
		require.NotEmpty(t, items, "%s: page two has a row", l.name)
		require.NotEqual(t, first.Body[l.items].([]any)[0], items[0], "%s: page two continues after page one", l.name)

		// One byte changed anywhere is refused.
		raw, err := base64.RawURLEncoding.DecodeString(c)
		require.NoError(t, err)
		for _, i := range []int{0, len(raw) / 2, len(raw) - 1} {
			altered := append([]byte(nil), raw...)
			altered[i] ^= 0x01
			requireForeignCursor(t, w, l.token, l.path, base64.RawURLEncoding.EncodeToString(altered), l.name+": one byte changed")
		}
	}

	candidatesA := "/v1/organisations/" + w.orgA + "/candidates?limit=1"
	cases := []struct{ why, token, path, cursor string }{
		{"A's candidates on B's list", w.op, "/v1/organisations/" + w.orgB + "/candidates?limit=1", next["candidates"]},
		{"A's threads on B's list", w.op, "/v1/organisations/" + w.orgB + "/threads?limit=1", next["threads"]},
		{"the thread list on the moderation queue", w.op, "/v1/moderation/reports", next["threads"]},
		{"the moderation queue on the spot checks", w.op, "/v1/spot-checks", next["moderation queue"]},
		{"the login trail on the audit trail", w.op, "/v1/audit-events", next["login trail"]},
		{"the candidate list under other filters", w.admin, candidatesA + "&state=interested", next["candidates"]},
		{"the candidate list in the other order", w.admin, candidatesA + "&sort=oldest", next["candidates"]},
		{"the organisation list under a filter", w.op, "/v1/organisations?onboarding=completed", next["organisations"]},
		{"the audit trail for one organisation", w.op, "/v1/audit-events?org_id=" + w.orgA, next["audit trail"]},
		{"the org's side of a thread as the candidate's own", w.cand, "/v1/me/threads/" + w.orgA + "/messages", next["a thread's messages"]},
		{"another thread's messages", w.admin, "/v1/organisations/" + w.orgA + "/candidates/" + uuid.NewString() + "/messages", next["a thread's messages"]},
		{"not a cursor at all", w.op, "/v1/organisations", "not-a-cursor"},
	}
	for _, c := range cases {
		requireForeignCursor(t, w, c.token, c.path, c.cursor, c.why)
	}
	// The same list with another page size is the same list.
	r := w.get(t, w.admin, withCursor("/v1/organisations/"+w.orgA+"/candidates?limit=5", next["candidates"]))
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
}
