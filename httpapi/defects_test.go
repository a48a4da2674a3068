package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/teststack"
)

// errorOf is the error object of an answer.
func errorOf(t *testing.T, r teststack.Response) map[string]any {
	t.Helper()
	e, ok := r.Body["error"].(map[string]any)
	require.True(t, ok, "no error object in %s", r.Raw)
	return e
}

// Bytes that Postgres cannot store, or that Go would silently rewrite,
// never get past the door: a clear 400 naming the field, and nothing
// changes. Trailing data and repeated keys are refused too.
func TestHostileBodies(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	before := tableCounts(t, s)
	cases := []struct {
		name, method, path, body, field, message string
	}{
		{"invalid UTF-8 in a string", "POST", "/v1/invitations", "{\"email\":\"jo\xff@example.org\"}", "email", "not valid UTF-8"},
		{"invalid UTF-8 in a nested string", "POST", "/v1/registrations",
			"{\"token\":\"x\",\"password\":\"y\",\"profile\":{\"first_name\":\"Jo\xc3\",\"last_name\":\"R\"},\"consent\":{}}", "profile.first_name", "not valid UTF-8"},
		{"NUL in a string", "POST", "/v1/invitations", `{"email":"jo\u0000@example.org"}`, "email", "NUL"},
		{"NUL in a sign-in", "POST", "/v1/sessions", `{"email":"x@example.org","password":"a\u0000b"}`, "password", "NUL"},
		{"NUL in an array", "PUT", "/v1/me/profile", `{"skills":["ok","b\u0000d"]}`, "skills[1]", "NUL"},
		{"trailing data", "POST", "/v1/invitations", `{"email":"jo@example.org"}xyz`, "", "after the JSON value"},
		{"two JSON values", "POST", "/v1/sessions", `{"email":"a@example.org","password":"p"}{}`, "", "after the JSON value"},
		{"a key twice", "POST", "/v1/invitations", `{"email":"a@example.org","email":"b@example.org"}`, "email", "given twice"},
		{"not JSON", "POST", "/v1/invitations", `{"email":`, "", "not valid JSON"},
	}
	for _, c := range cases {
		r := s.Do(t, c.method, c.path, op, []byte(c.body))
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", c.name, r.Raw)
		e := errorOf(t, r)
		require.Equal(t, "malformed", e["code"], c.name)
		require.Contains(t, e["message"], c.message, c.name)
		if c.field != "" {
			require.Equal(t, c.field, e["field"], c.name)
		}
	}
	// Deep nesting is refused early, without a path as long as the body.
	deep := s.Do(t, http.MethodPost, "/v1/invitations", op, []byte(strings.Repeat("[", 5000)))
	require.Equal(t, http.StatusBadRequest, deep.Status)
	require.Contains(t, errorOf(t, deep)["message"], "nested more than 32 levels")
	require.Less(t, len(deep.Raw), 200)
	// A body that is not sent as JSON says what to send.
	ct := s.DoWithHeaders(t, http.MethodPost, "/v1/sessions", "", []byte(`{"email":"a@example.org","password":"x"}`), http.Header{"Content-Type": {"text/plain"}})
	require.Equal(t, http.StatusBadRequest, ct.Status)
	require.Contains(t, errorOf(t, ct)["message"], "Content-Type: application/json")
	// Path and query parameters likewise.
	for _, path := range []string{"/v1/me?x=%00", "/v1/me?x=%ff", "/v1/me?x=%zz"} {
		r := s.Do(t, http.MethodGet, path, op, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", path, r.Raw)
	}
	require.Equal(t, before, tableCounts(t, s), "nothing changed")
}

// A sign-in with a user agent Postgres could not store is answered like
// any other, and recorded and counted (cleaned), not a 500.
func TestHostileUserAgentIsRecorded(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	body := `{"email":"` + teststack.OperatorEmail + `","password":"not the password!"}`
	// Go's client refuses to send such headers, so this one is written by hand.
	for _, ua := range []string{"bad \xff\xfe bytes", "rtl\u202eoverride", "zero\u200bwidth"} {
		status := rawPost(t, s.URL, "/v1/sessions", ua, body)
		require.Equal(t, "HTTP/1.1 401 Unauthorized", status, "%q", ua)
	}
	var recorded int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(),
		"SELECT count(*) FROM login_events WHERE outcome = 'failure' AND user_agent IN ('bad \uFFFD bytes', 'rtloverride', 'zerowidth')").Scan(&recorded))
	require.Equal(t, 3, recorded)
	// Control characters (NUL among them) in a header are refused by the
	// HTTP server itself, before Muster.
	require.Equal(t, "HTTP/1.1 400 Bad Request", rawPost(t, s.URL, "/v1/sessions", "nul\x00inside", body))
}

// rawPost sends a POST over a plain connection with the given User-Agent,
// byte for byte, and returns the status line.
func rawPost(t *testing.T, baseURL, path, userAgent, body string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: muster\r\nUser-Agent: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		path, userAgent, len(body), body)
	require.NoError(t, err)
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	return strings.TrimSpace(status)
}

// Every 400 names the field and says what is wrong with it.
func TestValidationErrorsNameTheField(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	profile := func(dob string) map[string]any {
		p := teststack.Profile()
		p["date_of_birth"] = dob
		return p
	}
	reg := func(edit func(map[string]any)) map[string]any {
		r := teststack.Registration(strings.Repeat("A", 43))
		edit(r)
		return r
	}
	cases := []struct {
		name, method, path string
		body               any
		field, message     string
	}{
		{"impossible date", "POST", "/v1/registrations", reg(func(r map[string]any) { r["profile"] = profile("2026-02-30") }), "profile.date_of_birth", "YYYY-MM-DD"},
		{"not a date", "POST", "/v1/registrations", reg(func(r map[string]any) { r["profile"] = profile("17/05/1990") }), "profile.date_of_birth", "YYYY-MM-DD"},
		{"fractional window", "POST", "/v1/invitations", map[string]any{"email": "a@example.org", "window_seconds": 1.5}, "window_seconds", "window_seconds must be a whole number between 1 and 31536000"},
		{"text window", "POST", "/v1/invitations", map[string]any{"email": "a@example.org", "window_seconds": "a week"}, "window_seconds", "whole number"},
		{"window too long", "POST", "/v1/invitations", map[string]any{"email": "a@example.org", "window_seconds": 31536001}, "window_seconds", "31536000"},
		{"window too short", "POST", "/v1/invitations", map[string]any{"email": "a@example.org", "window_seconds": 0}, "window_seconds", "1"},
		{"missing field", "POST", "/v1/sessions", map[string]any{"email": "a@example.org"}, "password", "required"},
		{"wrong type", "POST", "/v1/sessions", map[string]any{"email": 7, "password": "x"}, "email", "string"},
		{"unknown enum", "POST", "/v1/registrations", reg(func(r map[string]any) { r["profile"].(map[string]any)["region"] = "mars" }), "profile.region", ""},
		{"huge number", "POST", "/v1/invitations", json.RawMessage(`{"email":"a@example.org","window_seconds":1e400}`), "window_seconds", "not a number that can be read"},
		{"null body", "POST", "/v1/invitations", json.RawMessage(`null`), "", "must not be null"},
		{"not an ID in a list", "POST", "/v1/me/interests", json.RawMessage(`{"org_ids":["5b1f0c3e-8a2d-4e7f-9b6c-1d4a7e2f9c80","nope"]}`),
			"org_ids[1]", "org_ids[1] must be an ID like"},
		{"not a list", "POST", "/v1/me/interests", map[string]any{"org_ids": "5b1f0c3e-8a2d-4e7f-9b6c-1d4a7e2f9c80"}, "org_ids", "org_ids must be a list"},
	}
	for _, c := range cases {
		r := s.JSON(t, c.method, c.path, op, c.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", c.name, r.Raw)
		e := errorOf(t, r)
		if c.field == "" {
			require.NotContains(t, e, "field", "%s: %s", c.name, r.Raw)
		} else {
			require.Equal(t, c.field, e["field"], "%s: %s", c.name, r.Raw)
		}
		require.Contains(t, e["message"], c.message, c.name)
		requireHumane(t, e["message"].(string), c.name)
	}
}

// goTypeName finds a Go type's name in a message (*uuid.UUID, time.Time).
var goTypeName = regexp.MustCompile(`\b[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*\b|\b(u?int(8|16|32|64)?|float(32|64))\b|interface \{\}|\[\]string|map\[`)

// requireHumane fails when msg shows a person the machinery instead of
// what to do: a regular expression, a Go type's name, a library's phrasing.
func requireHumane(t *testing.T, msg string, about ...any) {
	t.Helper()
	for _, bad := range []string{"^", "$", "[0-9]", "\\", "(?", "{4}", "doesn't match", "pattern", "unmarshal", "openapi", "request body: "} {
		require.NotContains(t, msg, bad, about...)
	}
	require.False(t, goTypeName.MatchString(msg), "%q names a Go type: %v", msg, about)
}

// A 405 says which methods the path does take.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	for path, allow := range map[string]string{
		"/v1/invitations": "POST", "/v1/me": "GET", "/v1/sessions/current": "DELETE", "/v1/me/profile": "PUT",
	} {
		r := s.Do(t, http.MethodPatch, path, "", nil)
		require.Equal(t, http.StatusMethodNotAllowed, r.Status, path)
		require.Equal(t, allow, r.Header.Get("Allow"), path)
		require.Equal(t, "method_not_allowed", errorOf(t, r)["code"])
	}
}

// Names and addresses with invisible or direction-changing characters, or
// line breaks, and implausible dates of birth, are refused with a 422 that
// names the field.
func TestInvisibleCharactersAndImplausibleDates(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	for _, email := range []string{"jo\u200b@example.org", "\ufeffjo@example.org", "jo\u202e@example.org", "jo\n@example.org"} {
		r := s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": email})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%q: %s", email, r.Raw)
		require.Equal(t, "email", errorOf(t, r)["field"])
	}
	invite(t, s, op, "pat@example.org", 0)
	token := s.SMTP.WaitFor(t, "pat@example.org", 20*time.Second).Token(t)
	before := tableCounts(t, s)
	for _, c := range []struct{ field, value string }{
		{"first_name", "Pat\u202e"}, {"last_name", "Re\u200bid"}, {"first_name", "\ufeffPat"}, {"last_name", "Reid\nSmith"},
		{"date_of_birth", "1899-12-31"}, {"date_of_birth", "1920-01-01"},
	} {
		body := teststack.Registration(token)
		body["profile"].(map[string]any)[c.field] = c.value
		r := s.JSON(t, http.MethodPost, "/v1/registrations", "", body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s=%q: %s", c.field, c.value, r.Raw)
		require.Equal(t, "profile."+c.field, errorOf(t, r)["field"], "named as the request has it")
	}
	require.Equal(t, before["users"], tableCounts(t, s)["users"], "nobody registered")
}

// An address nobody has behaves exactly like an account under guessing:
// 401 ten times, then 429, with the same words.
func TestUnknownAddressesAreThrottledLikeAccounts(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	answers := map[string][]string{}
	for _, email := range []string{teststack.OperatorEmail, "nobody@example.org"} {
		for i := 0; i < 11; i++ {
			r := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": email, "password": "a wrong guess " + strings.Repeat("x", i)})
			answers[email] = append(answers[email], string(r.Raw))
		}
	}
	require.Equal(t, answers[teststack.OperatorEmail], answers["nobody@example.org"])
	require.Contains(t, answers["nobody@example.org"][10], "throttled")
}

// Asking for a registration link does the same work for a new address, one
// with a pending invitation and one already registered: the same status,
// body and headers, and the same rows written (one request, one intent),
// with everything else left to the engine afterwards.
func TestRegistrationRequestsLookTheSame(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	s.Muster.Stop() // keep the engine out of it: only the request's own work is seen
	testfactory.Invitation(t, s.DB, testfactory.InvitationOpts{Email: "pending@example.org"})
	testfactory.Candidate(t, s.DB, testfactory.CandidateOpts{Email: "member@example.org"})
	type seen struct {
		status int
		body   string
		header http.Header
		diff   map[string]int
	}
	var first *seen
	for _, email := range []string{"new@example.org", "pending@example.org", "member@example.org", "MEMBER@example.org "} {
		before := tableCounts(t, s)
		r := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": email})
		after := tableCounts(t, s)
		diff := map[string]int{}
		for table, n := range after {
			if d := n - before[table]; d != 0 {
				diff[table] = d
			}
		}
		h := r.Header.Clone()
		h.Del("Date")
		h.Del("X-Request-Id")
		got := &seen{status: r.Status, body: string(r.Raw), header: h, diff: diff}
		if first == nil {
			first = got
			require.Equal(t, http.StatusAccepted, got.status)
			require.Equal(t, map[string]int{"registration_requests": 1, "workflow_outbox": 1}, got.diff)
			continue
		}
		require.Equal(t, first, got, email)
	}
}

// Registration attempts are limited per network, before any work.
func TestRegistrationAttemptsAreLimitedPerNetwork(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.RegistrationAttemptsPerHour = 2 })
	for i := 0; i < 2; i++ {
		r := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(strings.Repeat("B", 43)))
		require.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
	}
	r := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(strings.Repeat("B", 43)))
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Raw))
	require.Equal(t, "too many registration attempts from your network: try again in 30 minutes", errorOf(t, r)["message"])
	require.Equal(t, "1800", r.Header.Get("Retry-After"))
}

// In development, the emailed link leads to a page that completes the
// registration through the API; elsewhere that address is the embedder's.
func TestDevRegistrationPage(t *testing.T) {
	t.Parallel()
	dev := teststack.New(t, temporalAddr, func(c *muster.Config) { c.DevPages = true })
	page := dev.Do(t, http.MethodGet, "/register?token=abc", "", nil)
	require.Equal(t, http.StatusOK, page.Status)
	require.Equal(t, "text/html; charset=utf-8", page.Header.Get("Content-Type"))
	require.Contains(t, page.Header.Get("Content-Security-Policy"), "default-src 'self'")
	require.Contains(t, string(page.Raw), `<script src="register.js">`)
	js := dev.Do(t, http.MethodGet, "/register.js", "", nil)
	require.Equal(t, http.StatusOK, js.Status)
	require.Contains(t, string(js.Raw), `fetch("v1/registrations"`)

	prod := teststack.New(t, temporalAddr)
	require.Equal(t, http.StatusNotFound, prod.Do(t, http.MethodGet, "/register", "", nil).Status)
}

// Every query parameter of every GET in the OpenAPI document, sent
// hostile values by the operator and by an organisation's admin, is
// answered with a 4xx that names the parameter (its field is the
// parameter's name) and says in words what is wrong, or served: never a
// 500, whatever reaches Postgres.
func TestHostileQueryParameters(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Hostile Query NHS Trust", "admin@hostile.example")
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	hostile := []string{"%00", "%ff", "%c0%af", "%e2%80%ae", "%zz", url.QueryEscape("' OR 1=1 --"), url.QueryEscape(`\%_*`),
		strings.Repeat("a", 5000), "-1", "0", "1.5", "true", "hired", "yesterday", "2026-12-01", "not-a-uuid",
		"99999999999999999999", "2026-13-45T99:99:99Z", "eyJrIjoibSIsInMiOi0xfQ"}
	calls := 0
	for path, item := range spec.Paths.Map() {
		get := item.Get
		if get == nil {
			continue
		}
		concrete := strings.NewReplacer("{orgId}", orgID, "{candidateId}", uuid.NewString(), "{userId}", uuid.NewString(),
			"{version}", "2026-dsa-v1", "{importId}", uuid.NewString()).Replace(path)
		var params []string
		valid := map[string]string{} // each required parameter's example, so that only the hostile one is wrong
		for _, p := range append(item.Parameters, get.Parameters...) {
			if p.Value != nil && p.Value.In == "query" {
				params = append(params, p.Value.Name)
				if p.Value.Required {
					require.NotNil(t, p.Value.Example, "GET %s: the required %s has no example", path, p.Value.Name)
					valid[p.Value.Name] = fmt.Sprint(p.Value.Example)
				}
			}
		}
		for _, name := range params {
			others := ""
			for k, v := range valid {
				if k != name {
					others += "&" + k + "=" + url.QueryEscape(v)
				}
			}
			for _, v := range hostile {
				for _, token := range []string{op, admin} {
					r := s.Do(t, http.MethodGet, concrete+"?"+name+"="+v+others, token, nil)
					calls++
					require.Less(t, r.Status, 500, "GET %s?%s=%.40s: %s", concrete, name, v, r.Raw)
					if r.Status >= 400 {
						require.NotEmpty(t, errorOf(t, r)["message"], "GET %s?%s=%.40s", concrete, name, v)
					}
					if r.Status == http.StatusBadRequest || r.Status == http.StatusUnprocessableEntity {
						e := errorOf(t, r)
						require.Equal(t, name, e["field"], "GET %s?%s=%.40s: %s", concrete, name, v, r.Raw)
						requireHumane(t, e["message"].(string), "GET %s?%s=%.40s: %s", concrete, name, v, r.Raw)
					}
				}
			}
		}
	}
	require.Positive(t, calls)
	t.Logf("%d hostile query calls", calls)

	// What the answers say, in the words a person can act on.
	list := "/v1/organisations/" + orgID + "/candidates"
	for _, c := range []struct{ path, field, message string }{
		{list + "?limit=0", "limit", "limit must be a whole number between 1 and 500"},
		{list + "?limit=ten", "limit", "limit must be a whole number between 1 and 500"},
		{list + "?state=interested&state=hired", "state", "state must be one of interested, contacted, engaged"},
		{list + "?since=yesterday", "since", "since must be a date and time like 2026-12-01T09:00:00Z"},
		{list + "?sort=sideways", "sort", "sort must be one of newest, oldest"},
		{list + "?skill=" + strings.Repeat("x", 101), "skill", "skill must be at most 100 characters"},
		{"/v1/audit-events?org_id=xyz", "org_id", "org_id must be an ID like"},
		{"/v1/organisations?onboarding=zzz", "onboarding", "onboarding must be one of not_started, inviting, completed, escalated"},
		{"/v1/organisations/not-an-id/candidates", "orgId", "orgId must be an ID like"},
		{"/v1/me?x=%zz", "x", "x is not"},
	} {
		r := s.Do(t, http.MethodGet, c.path, op, nil)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, "%s: %s", c.path, r.Raw)
		e := errorOf(t, r)
		require.Equal(t, c.field, e["field"], "%s: %s", c.path, r.Raw)
		require.Contains(t, e["message"], c.message, "%s: %s", c.path, r.Raw)
		requireHumane(t, e["message"].(string), c.path)
	}
}
