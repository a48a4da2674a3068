// Package fuzz_test fuzzes Muster's HTTP API with arbitrary bytes: every
// JSON operation, signed in as each kind of actor or not at all, with
// arbitrary bodies and user agents, on the real Postgres. No answer may be
// a 5xx. It lives apart from httpapi's other tests so that fuzzing workers
// do not each start a Temporal dev server: no handler calls Temporal.
package fuzz_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

type route struct{ method, path string }

var routes = []route{
	{http.MethodPost, "/v1/sessions"},
	{http.MethodDelete, "/v1/sessions/current"},
	{http.MethodPost, "/v1/invitations"},
	{http.MethodPost, "/v1/registration-requests"},
	{http.MethodGet, "/v1/consent-text"},
	{http.MethodPost, "/v1/registrations"},
	{http.MethodGet, "/v1/me"},
	{http.MethodPut, "/v1/me/profile"},
	{http.MethodGet, "/readyz"},
	{http.MethodPatch, "/v1/me"},
}

const profile = `{"first_name":"Jo","last_name":"Reid","date_of_birth":"1990-05-17","connection":"veteran","skills":["x"],"job_preferences":"y","region":"wales","heard_about":"event"}`

func FuzzAPI(f *testing.F) {
	d := testdb.New(f)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	h, err := httpapi.NewHandler(httpapi.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	now := testfactory.Now
	op := testfactory.User(f, d, testfactory.UserOpts{Email: "op@example.org"})
	cand := testfactory.Candidate(f, d, testfactory.CandidateOpts{Email: "cand@example.org"})
	tokens := []string{
		"",
		testfactory.Session(f, d, op, now),
		testfactory.Session(f, d, cand.User, now),
		"not-a-token",
	}
	_, link := testfactory.Invitation(f, d, testfactory.InvitationOpts{Email: "invitee@example.org"})

	seeds := []string{
		`{"email":"op@example.org","password":"factory password 1"}`,
		`{"email":"a@example.org"}`,
		`{"email":"a@example.org","window_seconds":3600}`,
		`{"token":"` + link + `","password":"a long enough password","profile":` + profile + `,"consent":{"text_version":"2026-11-share-v1","given":true}}`,
		profile,
		`{"email":"a\u0000@example.org"}`,
		"{\"email\":\"\xff\"}",
		`{"email":"a@example.org"}{}`,
		`{"a":1,"a":2}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"profile":{"skills":[1,2,{"x":null}]}}`,
		`{"first_name":"\u202e","last_name":"\ufeff","date_of_birth":"0000-00-00"}`,
		``,
	}
	for i, s := range seeds {
		for r := range routes {
			f.Add(uint8(r), uint8(i%len(tokens)), []byte(s), "fuzz/1.0")
		}
	}
	f.Fuzz(func(t *testing.T, which, auth uint8, body []byte, userAgent string) {
		rt := routes[int(which)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.RemoteAddr = "192.0.2.1:4000"
		req.Header["User-Agent"] = []string{userAgent}
		if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok := tokens[int(auth)%len(tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s with %q (user agent %q): %d %s", rt.method, rt.path, body, userAgent, w.Code, w.Body.String())
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && w.Code != http.StatusNoContent {
			t.Fatalf("%s %s: answer is not JSON: %q", rt.method, rt.path, w.Header().Get("Content-Type"))
		}
	})
}
