// Package teststack wires the whole engine for end-to-end tests: a fresh
// Postgres database, a worker and client on a real Temporal dev server with
// the payload codec, a real SMTP server, and the HTTP API on a local port.
package teststack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/workflows"
)

// Stack is one test's running engine.
type Stack struct {
	DB       *testdb.DB
	Muster   *muster.Muster
	Store    *db.Store
	SMTP     *testsmtp.Server
	Temporal client.Client
	Codec    *workflows.Codec
	Queue    string // the task queue of this stack's worker
	URL      string
}

// Operator credentials seeded in every stack.
const (
	OperatorEmail    = "operator@example.org"
	OperatorPassword = "operator password 1"
)

// Option changes the stack's configuration before it starts.
type Option func(*muster.Config)

// New starts a stack against the dev server at temporalHostPort.
func New(t testing.TB, temporalHostPort string, opts ...Option) *Stack {
	t.Helper()
	return NewLogged(t, temporalHostPort, io.Discard, opts...)
}

// NewLogged is New with every log line of the stack (Muster's, and the
// Temporal client's and worker's, at debug level) written to logs: for
// tests that check what the process logs.
func NewLogged(t testing.TB, temporalHostPort string, logs io.Writer, opts ...Option) *Stack {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if logs != io.Discard {
		logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := &Stack{DB: testdb.New(t), SMTP: testsmtp.Start(t)}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	codec, err := workflows.NewCodec("test", key)
	if err != nil {
		t.Fatal(err)
	}
	s.Codec = codec
	// Lazy, so a test may start the stack before its Temporal is up.
	c, err := client.NewLazyClient(codec.ClientOptions(client.Options{HostPort: temporalHostPort, Logger: tlog.NewStructuredLogger(logger)}))
	if err != nil {
		t.Fatalf("Temporal client for %s: %v", temporalHostPort, err)
	}
	t.Cleanup(c.Close)
	s.Temporal = c
	s.Queue = "test-" + uuid.NewString()
	smtpN, err := mail.NewSMTP("smtp://"+s.SMTP.Addr, "Step into Health <noreply@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	cfg := muster.Config{
		Pool: s.DB.App, Temporal: c, TaskQueue: s.Queue, Notifier: smtpN,
		Programme: "Step into Health", PublicURL: "https://muster.example.org",
		Logger: logger,
		// No gap between resent links, so tests need not wait ten
		// minutes; the gap itself is tested in db and activities.
		ResendGap:     time.Nanosecond,
		RelayInterval: 50 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := muster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Muster, s.Store = m, m.Store
	if _, err := s.Store.EnsureOperator(context.Background(), OperatorEmail, OperatorPassword, time.Now()); err != nil {
		t.Fatalf("seed operator: %v", err)
	}
	m.Start()
	t.Cleanup(m.Stop)
	srv := httptest.NewServer(m.Handler)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Response is a decoded API answer.
type Response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// Do sends a request with a raw body and an optional bearer token.
func (s *Stack) Do(t testing.TB, method, path, token string, body []byte) Response {
	t.Helper()
	return s.DoWithHeaders(t, method, path, token, body, nil)
}

// DoWithHeaders is Do with extra request headers.
func (s *Stack) DoWithHeaders(t testing.TB, method, path, token string, body []byte, header http.Header) Response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("User-Agent", "muster-e2e")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.Body)
	}
	return out
}

// JSON sends v encoded as JSON.
func (s *Stack) JSON(t testing.TB, method, path, token string, v any) Response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return s.Do(t, method, path, token, b)
}

// Login signs in and returns the token.
func (s *Stack) Login(t testing.TB, email, password string) string {
	t.Helper()
	r := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": email, "password": password})
	if r.Status != http.StatusCreated {
		t.Fatalf("login as %s: %d %s", email, r.Status, r.Raw)
	}
	return r.Body["token"].(string)
}

// Profile is a valid registration profile for someone born in 1990.
func Profile() map[string]any {
	return map[string]any{
		"first_name": "Jordan", "last_name": "Reid", "phone": "+44 7700 900123",
		"date_of_birth": "1990-05-17", "connection": "service_leaver",
		"skills": []string{"logistics", "team leadership"}, "job_preferences": "Estates and facilities, full time",
		"region": "north_west", "heard_about": "career_transition_partnership",
	}
}

// Registration is a valid registration body for token.
func Registration(token string) map[string]any {
	return map[string]any{
		"token": token, "password": "a very good passphrase",
		"profile": Profile(), "consent": map[string]any{"text_version": "2026-11-share-v1", "given": true},
	}
}

// Finished waits until the outbox has delivered every intent this
// stack's changes wrote, and every workflow of type workflowType that it
// started has run to its end, and returns their IDs. Once it returns,
// nothing those workflows would do is still to come: a test asserts that
// no more arrived after it, instead of sleeping and hoping.
func (s *Stack) Finished(t testing.TB, workflowType string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		b, err := s.Store.OutboxBacklog(ctx)
		if err != nil {
			t.Fatalf("outbox backlog: %v", err)
		}
		if b.Pending == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the outbox still holds %d intents", b.Pending)
		case <-time.After(20 * time.Millisecond):
		}
	}
	rows, err := s.DB.Admin.Query(ctx, "SELECT workflow_id FROM workflow_outbox WHERE workflow = $1 ORDER BY id", workflowType)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := s.Temporal.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			t.Fatalf("workflow %s: %v", id, err)
		}
	}
	return ids
}
