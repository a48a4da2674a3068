package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// tableCounts counts the rows of every table in the catalogue, past
// row-level security.
func tableCounts(t *testing.T, s *teststack.Stack) map[string]int {
	t.Helper()
	return s.DB.Counts(t)
}

func invite(t *testing.T, s *teststack.Stack, opToken, email string, window int) string {
	t.Helper()
	body := map[string]any{"email": email}
	if window > 0 {
		body["window_seconds"] = window
	}
	r := s.JSON(t, http.MethodPost, "/v1/invitations", opToken, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	return r.Body["id"].(string)
}

func TestInviteRegisterMe(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	invID := invite(t, s, op, "Jordan.Reid@Example.org", 0)

	msg := s.SMTP.WaitFor(t, "jordan.reid@example.org", 20*time.Second)
	token := msg.Token(t)
	require.Contains(t, string(msg.Data), "https://muster.example.org/register?token=3D")

	ct := s.Do(t, http.MethodGet, "/v1/consent-text", "", nil)
	require.Equal(t, http.StatusOK, ct.Status)
	require.Equal(t, "2026-11-share-v1", ct.Body["version"])

	r := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(token))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	candidateID := r.Body["candidate_id"].(string)

	// The workflow ends as registered.
	var res workflows.InvitationResult
	run := s.Temporal.GetWorkflow(context.Background(), workflows.InvitationWorkflowID(invID), "")
	require.NoError(t, run.Get(context.Background(), &res))
	require.Equal(t, workflows.OutcomeRegistered, res.Outcome)

	me := s.Login(t, "jordan.reid@example.org", "a very good passphrase")
	got := s.Do(t, http.MethodGet, "/v1/me", me, nil)
	require.Equal(t, http.StatusOK, got.Status, string(got.Raw))
	user := got.Body["user"].(map[string]any)
	require.Equal(t, "candidate", user["role"])
	require.Equal(t, "jordan.reid@example.org", user["email"])
	cand := got.Body["candidate"].(map[string]any)
	require.Equal(t, candidateID, cand["id"])
	require.Equal(t, "registered", cand["status"])
	profile := cand["profile"].(map[string]any)
	require.Equal(t, "Jordan", profile["first_name"])
	require.Equal(t, "1990-05-17", profile["date_of_birth"])
	require.Equal(t, "service_leaver", profile["connection"])
	consent := cand["consent"].(map[string]any)
	require.Equal(t, true, consent["given"])
	require.Equal(t, "2026-11-share-v1", consent["text_version"])

	// Profile update, then logout ends the session.
	p := teststack.Profile()
	p["region"] = "london"
	up := s.JSON(t, http.MethodPut, "/v1/me/profile", me, p)
	require.Equal(t, http.StatusOK, up.Status, string(up.Raw))
	require.Equal(t, "london", up.Body["profile"].(map[string]any)["region"])
	require.Equal(t, http.StatusNoContent, s.Do(t, http.MethodDelete, "/v1/sessions/current", me, nil).Status)
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, "/v1/me", me, nil).Status)

	// The operator can find it in the Temporal UI by state and kind.
	desc, err := s.Temporal.DescribeWorkflowExecution(context.Background(), workflows.InvitationWorkflowID(invID), "")
	require.NoError(t, err)
	fields := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.Contains(t, string(fields["MusterInvitationState"].GetData()), "registered")
	require.Contains(t, string(fields["MusterInvitationKind"].GetData()), "operator")

	// No personal data in the workflow's history: every payload is encrypted.
	hist := s.Temporal.GetWorkflowHistory(context.Background(), workflows.InvitationWorkflowID(invID), "", false, 0)
	for hist.HasNext() {
		ev, err := hist.Next()
		require.NoError(t, err)
		raw := ev.String()
		require.NotContains(t, raw, "jordan")
		require.NotContains(t, raw, token)
	}
}

func TestInvitationExpiresAndDeletesDetails(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	before := tableCounts(t, s)
	invID := invite(t, s, op, "late@example.org", 3)
	token := s.SMTP.WaitFor(t, "late@example.org", 20*time.Second).Token(t)

	var res workflows.InvitationResult
	run := s.Temporal.GetWorkflow(context.Background(), workflows.InvitationWorkflowID(invID), "")
	require.NoError(t, run.Get(context.Background(), &res))
	require.Equal(t, workflows.OutcomeExpired, res.Outcome)

	// Nothing about the invitee is left in any table (read from the
	// catalogue): one anonymous count, and the delivered intent that started
	// the workflow (IDs only).
	after := tableCounts(t, s)
	for table, n := range before {
		switch table {
		case "expired_invitation_counts", "workflow_outbox":
			require.Equal(t, n+1, after[table], "table %s", table)
		default:
			require.Equal(t, n, after[table], "table %s", table)
		}
	}
	require.Empty(t, s.DB.RowsMentioning(t, "late@example.org"), "the address is in no row of any table")

	// The link no longer works.
	r := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(token))
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
}

func TestRegistrationRefusals(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	invite(t, s, op, "pat@example.org", 0)
	token := s.SMTP.WaitFor(t, "pat@example.org", 20*time.Second).Token(t)
	base := tableCounts(t, s)

	type check struct {
		name    string
		status  int
		code    string
		message string
		send    func() teststack.Response
	}
	young := teststack.Registration(token)
	young["profile"].(map[string]any)["date_of_birth"] = time.Now().AddDate(-17, 0, 0).Format("2006-01-02")
	unknownField := teststack.Registration(token)
	unknownField["favourite_colour"] = "blue"
	nestedUnknown := teststack.Registration(token)
	nestedUnknown["profile"].(map[string]any)["rank"] = "sergeant"
	badEnum := teststack.Registration(token)
	badEnum["profile"].(map[string]any)["connection"] = "civilian"
	unknownToken := teststack.Registration(strings.Repeat("A", 43))
	checks := []check{
		{"under 18", http.StatusUnprocessableEntity, "invalid", "you must be 18 or over to register with the programme",
			func() teststack.Response { return s.JSON(t, http.MethodPost, "/v1/registrations", "", young) }},
		{"malformed JSON", http.StatusBadRequest, "malformed", "not valid JSON",
			func() teststack.Response {
				return s.Do(t, http.MethodPost, "/v1/registrations", "", []byte(`{"token": "abc",`))
			}},
		{"unknown field", http.StatusBadRequest, "malformed", `unknown field "favourite_colour"`,
			func() teststack.Response { return s.JSON(t, http.MethodPost, "/v1/registrations", "", unknownField) }},
		{"unknown nested field", http.StatusBadRequest, "malformed", `unknown field "profile.rank"`,
			func() teststack.Response { return s.JSON(t, http.MethodPost, "/v1/registrations", "", nestedUnknown) }},
		{"bad connection", http.StatusBadRequest, "malformed", "profile.connection",
			func() teststack.Response { return s.JSON(t, http.MethodPost, "/v1/registrations", "", badEnum) }},
		{"oversized body", http.StatusRequestEntityTooLarge, "too_large", "at most",
			func() teststack.Response {
				big := teststack.Registration(token)
				big["profile"].(map[string]any)["job_preferences"] = strings.Repeat("x", 100_000)
				return s.JSON(t, http.MethodPost, "/v1/registrations", "", big)
			}},
		{"unknown token", http.StatusNotFound, "not_found", "registration link is not valid",
			func() teststack.Response { return s.JSON(t, http.MethodPost, "/v1/registrations", "", unknownToken) }},
		{"no auth for invite", http.StatusUnauthorized, "unauthorized", "sign in first",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/invitations", "", map[string]any{"email": "x@example.org"})
			}},
		{"invalid email", http.StatusUnprocessableEntity, "invalid", "valid address",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": "not an email"})
			}},
		{"window too long", http.StatusBadRequest, "malformed", "window_seconds",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": "w@example.org", "window_seconds": 1 << 40})
			}},
		{"invited twice", http.StatusConflict, "conflict", "pending invitation",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": "PAT@example.org"})
			}},
		{"wrong password", http.StatusUnauthorized, "unauthorized", "email or password is incorrect",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": teststack.OperatorEmail, "password": "nope nope nope"})
			}},
		{"unknown user", http.StatusUnauthorized, "unauthorized", "email or password is incorrect",
			func() teststack.Response {
				return s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": "nobody@example.org", "password": "nope nope nope"})
			}},
		{"unknown endpoint", http.StatusNotFound, "not_found", "no such endpoint",
			func() teststack.Response { return s.Do(t, http.MethodGet, "/v1/nothing", "", nil) }},
	}
	for _, c := range checks {
		r := c.send()
		require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Raw)
		e, ok := r.Body["error"].(map[string]any)
		require.True(t, ok, "%s: no error object in %s", c.name, r.Raw)
		require.Equal(t, c.code, e["code"], c.name)
		require.Contains(t, e["message"], c.message, c.name)
	}
	after := tableCounts(t, s)
	// Only the two failed logins were recorded; nothing else changed.
	require.Equal(t, base["login_events"]+2, after["login_events"])
	after["login_events"] = base["login_events"]
	require.Equal(t, base, after)

	// The real registration works once; the second use of the link is refused.
	r := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(token))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	before := tableCounts(t, s)
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(token))
	require.Equal(t, http.StatusGone, r.Status, string(r.Raw))
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "already been used")
	require.Equal(t, before, tableCounts(t, s))
}

func TestSelfRegistration(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	r := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": "self@example.org"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	msg := s.SMTP.WaitFor(t, "self@example.org", 20*time.Second)
	require.Contains(t, string(msg.Data), "Finish registering")
	reg := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(msg.Token(t)))
	require.Equal(t, http.StatusCreated, reg.Status, string(reg.Raw))

	// Asking again for a registered address gives the same answer, and the
	// engine sends nothing and invites nobody.
	again := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": "SELF@example.org"})
	require.Equal(t, http.StatusAccepted, again.Status)
	require.Equal(t, r.Body, again.Body)
	require.Eventually(t, func() bool {
		var handled int
		require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM registration_requests WHERE outcome = 'registered'").Scan(&handled))
		return handled == 1
	}, 20*time.Second, 20*time.Millisecond)
	var open int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM invitations WHERE used_at IS NULL").Scan(&open))
	require.Zero(t, open)
	require.Len(t, s.SMTP.Messages(), 1, "no second email")
}

func TestHealthAndDocument(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/healthz", "", nil).Status)
	ready := s.Do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, ready.Status, string(ready.Raw))
	require.Equal(t, "ok", ready.Body["status"])
	require.Equal(t, map[string]any{"postgres": "ok", "temporal": "ok"}, ready.Body["checks"])
	require.Contains(t, ready.Body, "outbox")
	doc := s.Do(t, http.MethodGet, "/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, doc.Status)
	require.Contains(t, string(doc.Raw), "openapi: 3.0.3")

	resp, err := http.Get(s.URL + "/v1/consent-text")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
}

// Guessing a password is slowed: after 10 failures in 15 minutes the
// account answers 429 with Retry-After, even to the right password, and
// every attempt is on record.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	for i := 0; i < 10; i++ {
		r := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": teststack.OperatorEmail, "password": "a wrong guess " + strings.Repeat("x", i)})
		require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Raw))
	}
	before := tableCounts(t, s)
	r := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": teststack.OperatorEmail, "password": teststack.OperatorPassword})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Raw))
	require.Equal(t, map[string]any{"code": "throttled", "message": "too many failed sign-in attempts: try again in 15 minutes"}, r.Body["error"])
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After is a number of seconds")
	require.True(t, retry > 0 && retry <= 900, "Retry-After %d", retry)

	after := tableCounts(t, s)
	require.Equal(t, before["sessions"], after["sessions"], "no session")
	require.Equal(t, before["login_events"]+1, after["login_events"], "the refused attempt is recorded")
	require.Equal(t, "throttled", lastLoginEvent(t, s, "outcome"))
}

// lastLoginEvent reads one column of the newest sign-in record.
func lastLoginEvent(t *testing.T, s *teststack.Stack, column string) string {
	t.Helper()
	var v string
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(),
		"SELECT "+column+" FROM login_events ORDER BY occurred_at DESC LIMIT 1").Scan(&v))
	return v
}

// Behind a trusted reverse proxy the sign-in record holds the client's
// address from X-Forwarded-For; a client cannot forge it by sending its own.
func TestLoginRecordsClientAddressBehindProxy(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	body := []byte(`{"email":"` + teststack.OperatorEmail + `","password":"` + teststack.OperatorPassword + `"}`)
	r := s.DoWithHeaders(t, http.MethodPost, "/v1/sessions", "", body, http.Header{"X-Forwarded-For": {"192.0.2.66, 203.0.113.7"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "203.0.113.7", lastLoginEvent(t, s, "ip"))
}

// Ten wrong guesses at the operator's password from one network, through
// the API, lock that network out of the account and no other: the right
// password from the guessing network answers 429 with Retry-After, and
// from the programme team's own network it signs in. Nobody can lock the
// programme team out by guessing.
func TestGuessingCannotLockTheOperatorOut(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	signIn := func(password, from string) teststack.Response {
		body := []byte(`{"email":"` + teststack.OperatorEmail + `","password":"` + password + `"}`)
		return s.DoWithHeaders(t, http.MethodPost, "/v1/sessions", "", body, http.Header{"X-Forwarded-For": {from}})
	}
	for i := range sim.DefaultLoginThrottle.MaxAccountFailures {
		r := signIn("a wrong guess!!", fmt.Sprintf("198.51.100.%d", i+1))
		require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Raw))
	}
	r := signIn(teststack.OperatorPassword, "198.51.100.200")
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the guessing network is locked out: %s", r.Raw)
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	r = signIn(teststack.OperatorPassword, "203.0.113.7")
	require.Equal(t, http.StatusCreated, r.Status, "the operator from another network signs in: %s", r.Raw)
}

// One address cannot ask for registration links without end: past the
// hourly allowance the answer is 429 and nothing is created or sent.
func TestRegistrationRequestsAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.RegistrationRequestsPerHour = 2 })
	for _, email := range []string{"one@example.org", "two@example.org"} {
		r := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": email})
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	}
	before := tableCounts(t, s)
	r := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": "three@example.org"})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Raw))
	require.Equal(t, "1800", r.Header.Get("Retry-After"))
	require.Equal(t, map[string]any{"code": "throttled", "message": "too many registration requests from your network: try again in 30 minutes"}, r.Body["error"])
	// The refused request recorded nothing (the engine is meanwhile busy
	// with the first two, so only the request's own rows are compared).
	require.Equal(t, before["registration_requests"], tableCounts(t, s)["registration_requests"])
	s.SMTP.WaitFor(t, "one@example.org", 20*time.Second)
	s.SMTP.WaitFor(t, "two@example.org", 20*time.Second)
	require.Len(t, s.SMTP.Messages(), 2, "no link for the refused request")
}

// Someone who lost their link asks again: a fresh link goes out, the old
// one keeps working (nobody can kill the link in someone else's inbox by
// asking for theirs), and the answer is the same as for a first request.
func TestRegistrationLinkSentAgain(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	first := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": "lost@example.org"})
	require.Equal(t, http.StatusAccepted, first.Status, string(first.Raw))
	oldToken := s.SMTP.WaitFor(t, "lost@example.org", 20*time.Second).Token(t)

	again := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": "Lost@example.org"})
	require.Equal(t, http.StatusAccepted, again.Status, string(again.Raw))
	require.Equal(t, first.Body, again.Body)
	var newToken string
	require.Eventually(t, func() bool {
		msgs := s.SMTP.Messages()
		if len(msgs) < 2 {
			return false
		}
		newToken = msgs[1].Token(t)
		return true
	}, 20*time.Second, 20*time.Millisecond, "a second email")
	require.NotEqual(t, oldToken, newToken)

	old := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(oldToken))
	require.Equal(t, http.StatusCreated, old.Status, string(old.Raw))
	reg := s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(newToken))
	require.Equal(t, http.StatusGone, reg.Status, "one registration per invitation: %s", reg.Raw)
	var invitations int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM invitations").Scan(&invitations))
	require.Equal(t, 1, invitations, "one invitation, two links")
}
