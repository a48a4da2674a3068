package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/internal/testtemporal"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

var temporalAddr string

func TestMain(m *testing.M) { testtemporal.Main(m, &temporalAddr, "the hooks example's tests") }

// endpoint is an embedder's webhook receiver: it checks each request's
// signature, refuses the first two deliveries of each registration (to
// show the retries), and keeps what it accepted by idempotency key.
type endpoint struct {
	secret []byte
	mu     sync.Mutex
	tries  map[string]int
	got    map[string]WebhookBody
	bad    []string
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := Verify(e.secret, r.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		e.bad = append(e.bad, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var b WebhookBody
	if err := json.Unmarshal(body, &b); err != nil || b.Key != r.Header.Get("Idempotency-Key") {
		e.bad = append(e.bad, "body or key: "+string(body))
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	e.tries[b.Key]++
	if b.Type == string(sim.EventRegistered) && e.tries[b.Key] <= 2 {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	e.got[b.Key] = b
	w.WriteHeader(http.StatusNoContent)
}

func (e *endpoint) accepted(typ sim.EventType) (WebhookBody, int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, b := range e.got {
		if b.Type == string(typ) {
			return b, e.tries[k], true
		}
	}
	return WebhookBody{}, 0, false
}

// mailService is the mail API: it keeps each message by idempotency key.
type mailService struct {
	mu   sync.Mutex
	sent map[string]MailAPIMessage
	auth []string
}

func (s *mailService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m MailAPIMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.sent[m.IdempotencyKey] = m
	w.WriteHeader(http.StatusAccepted)
}

func (s *mailService) to(addr string) (MailAPIMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sent {
		if m.To == addr {
			return m, true
		}
	}
	return MailAPIMessage{}, false
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// Both plugins on the real Postgres and Temporal dev server: the
// invitation goes out through the mail API, and each journey event of
// the invitation and registration reaches the webhook signed, with its
// key and IDs only; the registration, refused twice, is delivered again
// until accepted.
func TestHookAndNotifierPlugins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("k1", key)
	require.NoError(t, err)
	hooks := &endpoint{secret: []byte("shared secret"), tries: map[string]int{}, got: map[string]WebhookBody{}}
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	mails := &mailService{sent: map[string]MailAPIMessage{}}
	mailSrv := httptest.NewServer(mails)
	defer mailSrv.Close()

	m, c, err := Start(Options{
		Pool: d.App, TemporalAddress: temporalAddr, Codec: codec, TaskQueue: "hooks-example-test",
		Webhook: &Webhook{URL: hookSrv.URL, Secret: hooks.secret},
		Mail:    &MailAPI{URL: mailSrv.URL, Token: "mail token"},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	defer c.Close()
	defer m.Stop()
	_, err = m.Store.EnsureOperator(ctx, "op@example.org", "operator password 1", time.Now())
	require.NoError(t, err)
	api := httptest.NewServer(m.Handler)
	defer api.Close()
	call := func(path, token string, body any) map[string]any {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, api.URL+path, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Less(t, resp.StatusCode, 300, "%s: %v", path, out)
		return out
	}
	op := call("/v1/sessions", "", map[string]any{"email": "op@example.org", "password": "operator password 1"})["token"].(string)
	call("/v1/invitations", op, map[string]any{"email": "riley@example.org"})

	var invitation MailAPIMessage
	require.Eventually(t, func() bool {
		var ok bool
		invitation, ok = mails.to("riley@example.org")
		return ok
	}, 30*time.Second, 50*time.Millisecond, "the invitation goes through the mail API")
	require.Equal(t, []string{"Bearer mail token"}, mails.auth)
	require.NotEmpty(t, invitation.IdempotencyKey)
	token := linkToken.FindStringSubmatch(invitation.Text)
	require.NotNil(t, token, invitation.Text)
	registered := call("/v1/registrations", "", teststack.Registration(token[1]))
	candidateID := registered["candidate_id"].(string)

	var got WebhookBody
	var tries int
	require.Eventually(t, func() bool {
		var ok bool
		got, tries, ok = hooks.accepted(sim.EventRegistered)
		return ok
	}, 60*time.Second, 100*time.Millisecond, "the registration reaches the webhook")
	require.Equal(t, 3, tries, "refused twice, delivered again until accepted")
	require.Equal(t, candidateID, got.CandidateID)
	require.Equal(t, sim.HookKey(got.EventID, "webhook"), got.Key)
	require.Equal(t, "registered", got.To)
	invited, _, ok := hooks.accepted(sim.EventInvited)
	require.True(t, ok, "the invitation's event too")
	require.NotEqual(t, invited.Key, got.Key)
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	require.Empty(t, hooks.bad, "every request was signed and keyed")
	for _, b := range hooks.got {
		raw, _ := json.Marshal(b)
		for _, personal := range []string{"riley@example.org", "Jordan", "Reid", "service_leaver"} {
			require.NotContains(t, string(raw), personal, "IDs only")
		}
	}
}

// The signature refuses a changed body, another secret and an old request.
func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	secret, body, now := []byte("s"), []byte(`{"type":"candidate.registered"}`), time.Now()
	h := Sign(secret, now, body)
	require.NoError(t, Verify(secret, h, body, now, time.Minute))
	require.Error(t, Verify(secret, h, []byte(`{"type":"candidate.placed"}`), now, time.Minute))
	require.Error(t, Verify([]byte("other"), h, body, now, time.Minute))
	require.Error(t, Verify(secret, h, body, now.Add(time.Hour), time.Minute))
	require.Error(t, Verify(secret, "v1=00", body, now, time.Minute))
}
