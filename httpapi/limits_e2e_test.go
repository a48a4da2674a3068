package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/teststack"
)

// A string over its field's limit is refused with 422, naming the field
// and stating the limit, however far over it is (one character, the
// document's old bound, most of the body-size limit), in characters that
// take one byte or several. A body over the size limit is 413, as before
// anything reads it.
func TestOverLongTextIsRefusedWithItsLimit(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	now := time.Now()
	org := testfactory.Organisation(t, s.DB, testfactory.OrganisationOpts{Now: now})
	c := testfactory.Candidate(t, s.DB, testfactory.CandidateOpts{Now: now})
	cand := testfactory.Session(t, s.DB, c.User, now)
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{org.ID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	before := tableCounts(t, s)

	type over struct {
		method, path, token string
		body                func(text string) map[string]any
		field               string
		limit               int
	}
	cases := []over{
		{"POST", "/v1/me/threads/" + org.ID + "/messages", cand, func(x string) map[string]any { return map[string]any{"body": x} }, "body", 5000},
		{"POST", "/v1/messages/" + uuid.NewString() + "/reports", cand,
			func(x string) map[string]any { return map[string]any{"reason": "other", "note": x} }, "note", 2000},
		{"POST", "/v1/moderation/reports/" + uuid.NewString() + "/decision", op,
			func(x string) map[string]any { return map[string]any{"action": "hide", "reason": x} }, "reason", 2000},
		{"POST", "/v1/spot-checks/" + uuid.NewString() + "/decision", op,
			func(x string) map[string]any { return map[string]any{"outcome": "rejected", "reason": x} }, "reason", 500},
		{"PUT", "/v1/me/profile", cand, func(x string) map[string]any {
			p := teststack.Profile()
			p["job_preferences"] = x
			return p
		}, "job_preferences", 2000},
		{"PUT", "/v1/me/profile", cand, func(x string) map[string]any {
			p := teststack.Profile()
			p["first_name"] = x
			return p
		}, "first_name", 100},
		{"POST", "/v1/organisations", op, func(x string) map[string]any { return orgDetails(x) }, "name", 200},
	}
	for _, c := range cases {
		for _, n := range []int{c.limit + 1, 20001, 60000} {
			for _, ch := range []string{"a", "é"} {
				if len(ch)*n > 63000 {
					continue // over the body-size limit: below
				}
				r := s.JSON(t, c.method, c.path, c.token, c.body(strings.Repeat(ch, n)))
				about := []any{"%s %s: %d × %q: %s", c.method, c.path, n, ch, r.Raw}
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, about...)
				e := errorOf(t, r)
				require.Equal(t, "invalid", e["code"], about...)
				require.Equal(t, c.field, e["field"], about...)
				require.Contains(t, e["message"], c.field+" must be at most "+strconv.Itoa(c.limit)+" characters", about...)
			}
		}
	}
	// Over the body-size limit: 413, whatever is in it.
	big := s.JSON(t, http.MethodPost, "/v1/me/threads/"+org.ID+"/messages", cand, map[string]any{"body": strings.Repeat("a", 70000)})
	require.Equal(t, http.StatusRequestEntityTooLarge, big.Status, string(big.Raw))
	require.Equal(t, "too_large", errorOf(t, big)["code"])
	require.Equal(t, before, tableCounts(t, s), "nothing was stored")
	// At the limit, a message goes.
	ok := s.JSON(t, http.MethodPost, "/v1/me/threads/"+org.ID+"/messages", cand, map[string]any{"body": strings.Repeat("é", 5000)})
	require.Equal(t, http.StatusCreated, ok.Status, string(ok.Raw))
}
