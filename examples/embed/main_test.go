package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testsmtp"
	"github.com/muster-cms/muster/internal/testtemporal"
	"github.com/muster-cms/muster/workflows"
)

var temporalAddr string

func TestMain(m *testing.M) { testtemporal.Main(m, &temporalAddr, "the embedding example's tests") }

func post(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(b)))
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
	return resp.StatusCode, out
}

// The embedder's own route and Muster's mounted API answer side by side,
// and a whole invitation runs on the in-process worker.
func TestEmbeddedMuster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	codec, err := workflows.NewCodec("k1", key)
	require.NoError(t, err)
	smtpSrv := testsmtp.Start(t)
	notifier, err := mail.NewSMTP("smtp://"+smtpSrv.Addr, "noreply@example.org")
	require.NoError(t, err)

	app, err := NewApp(Options{
		Pool: d.App, TemporalAddress: temporalAddr, Codec: codec, Notifier: notifier,
		Programme: "Step into Health", PublicURL: "https://portal.example.org", TaskQueue: "embed-test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	defer app.Close()
	_, err = app.Muster.Store.EnsureOperator(ctx, "op@example.org", "operator password 1", time.Now())
	require.NoError(t, err)
	srv := httptest.NewServer(app.Handler)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), "careers portal")

	resp, err = http.Get(srv.URL + "/muster/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	status, out := post(t, srv.URL+"/muster/v1/sessions", "", map[string]any{"email": "op@example.org", "password": "operator password 1"})
	require.Equal(t, http.StatusCreated, status, out)
	op := out["token"].(string)

	status, out = post(t, srv.URL+"/muster/v1/invitations", op, map[string]any{"email": "embedded@example.org"})
	require.Equal(t, http.StatusCreated, status, out)
	msg := smtpSrv.WaitFor(t, "embedded@example.org", 20*time.Second)
	require.Contains(t, string(msg.Data), "https://portal.example.org/register")

	status, out = post(t, srv.URL+"/muster/v1/registrations", "", map[string]any{
		"token": msg.Token(t), "password": "embedded passphrase",
		"profile": map[string]any{
			"first_name": "Casey", "last_name": "Morgan", "date_of_birth": "1985-01-31",
			"connection": "spouse_or_partner", "region": "scotland", "heard_about": "armed_forces_charity",
		},
		"consent": map[string]any{"text_version": "2026-11-share-v1", "given": true},
	})
	require.Equal(t, http.StatusCreated, status, out)

	// Validation works under the mount point too.
	status, out = post(t, srv.URL+"/muster/v1/sessions", "", map[string]any{"email": "x@example.org", "password": "p", "extra": 1})
	require.Equal(t, http.StatusBadRequest, status, out)
}
