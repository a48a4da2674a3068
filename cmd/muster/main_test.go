package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/internal/testtemporal"
	"github.com/muster-cms/muster/sim"
)

var temporalAddr string

func TestMain(m *testing.M) { testtemporal.Main(m, &temporalAddr, "muster serve's tests") }

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// muster serve, as wired by cmd/muster: the API answers ready, an
// invitation lands in the outbox, and the codec server decodes for the UI.
func TestServe(t *testing.T) {
	d := testdb.New(t)
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", d.AdminURL)
	t.Setenv("TEMPORAL_ADDRESS", temporalAddr)
	t.Setenv("MUSTER_TASK_QUEUE", "serve-test")
	t.Setenv("MUSTER_HTTP_ADDR", freeAddr(t))
	t.Setenv("MUSTER_CODEC_ADDR", freeAddr(t))
	t.Setenv("MUSTER_CODEC_KEY", base64.StdEncoding.EncodeToString(key))
	outbox := t.TempDir()
	t.Setenv("MUSTER_OUTBOX_DIR", outbox)
	t.Setenv("MUSTER_OPERATOR_PASSWORD", "serve test password")
	t.Setenv("MUSTER_PROGRAMME_NAME", "Step into Health")
	t.Setenv("MUSTER_DEV_PAGES", "1")
	cfg, err := loadConfig(true)
	require.NoError(t, err)
	require.Equal(t, d.AppURL, cfg.AppDatabaseURL)
	require.NoError(t, runOperator(context.Background(), []string{"op@example.org"}))

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func() { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready")
	}
	api := "http://" + cfg.HTTPAddr
	resp, err := http.Get(api + "/readyz")
	require.NoError(t, err)
	var readiness struct {
		Status string
		Checks map[string]string
	}
	require.NoError(t, decodeJSON(resp.Body, &readiness))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", readiness.Status)
	require.Equal(t, map[string]string{"postgres": "ok", "temporal": "ok"}, readiness.Checks)

	resp, err = http.Post(api+"/v1/sessions", "application/json", strings.NewReader(`{"email":"op@example.org","password":"serve test password"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var tok struct{ Token string }
	require.NoError(t, decodeJSON(resp.Body, &tok))
	req, _ := http.NewRequest(http.MethodPost, api+"/v1/invitations", strings.NewReader(`{"email":"outbox@example.org"}`))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Eventually(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
		return len(files) == 1
	}, 20*time.Second, 50*time.Millisecond, "the invitation never reached the outbox")
	texts, _ := filepath.Glob(filepath.Join(outbox, "*.txt"))
	require.Len(t, texts, 1, "a plain copy beside the .eml")
	text, err := os.ReadFile(texts[0])
	require.NoError(t, err)
	require.Contains(t, string(text), "Subject: You're invited to register with Step into Health")
	require.Contains(t, string(text), cfg.PublicURL+"/register?token=")

	// With MUSTER_DEV_PAGES, the link's page is served by the API.
	resp, err = http.Get(api + "/register?token=x")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The codec server answers the UI's CORS preflight and decodes.
	resp, err = http.Post("http://"+cfg.CodecAddr+"/decode", "application/json", bytes.NewReader([]byte(`{"payloads":[]}`)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	require.NoError(t, <-done)
}

func decodeJSON(r io.ReadCloser, v any) error {
	defer r.Close()
	return json.NewDecoder(r).Decode(v)
}

func TestConfigErrors(t *testing.T) {
	t.Setenv("MUSTER_CODEC_KEY", "")
	t.Setenv("MUSTER_CODEC_KEY_FILE", "")
	_, err := loadConfig(true)
	require.ErrorContains(t, err, "MUSTER_CODEC_KEY")
	t.Setenv("MUSTER_CODEC_KEY", base64.StdEncoding.EncodeToString([]byte("short")))
	_, err = loadConfig(true)
	require.ErrorContains(t, err, "32 bytes")
	t.Setenv("MUSTER_INVITATION_WINDOW", "forever")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, "MUSTER_INVITATION_WINDOW")
	t.Setenv("MUSTER_INVITATION_WINDOW", "9000h")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, "between")
	t.Setenv("MUSTER_INVITATION_WINDOW", "")

	conduct := filepath.Join(t.TempDir(), "conduct.txt")
	require.NoError(t, os.WriteFile(conduct, []byte("Be kind.\n"), 0o600))
	t.Setenv("MUSTER_CODE_OF_CONDUCT_FILE", conduct)
	_, err = loadConfig(false)
	require.ErrorContains(t, err, "MUSTER_CODE_OF_CONDUCT_VERSION")
	t.Setenv("MUSTER_CODE_OF_CONDUCT_VERSION", "2027-v2")
	c, err := loadConfig(false)
	require.NoError(t, err)
	require.Equal(t, sim.CodeOfConduct{Version: "2027-v2", Body: "Be kind."}, c.CodeOfConduct)
	t.Setenv("MUSTER_CODE_OF_CONDUCT_FILE", "")
	t.Setenv("MUSTER_ACCOUNT_INVITATION_WINDOW", "10ms")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, "MUSTER_ACCOUNT_INVITATION_WINDOW")
	t.Setenv("MUSTER_ACCOUNT_INVITATION_WINDOW", "")
	for _, bad := range []string{"three", "6,3", "0", "3,3", "61"} {
		t.Setenv("MUSTER_FOLLOW_UP_MONTHS", bad)
		_, err = loadConfig(false)
		require.ErrorContains(t, err, "MUSTER_FOLLOW_UP", bad)
	}
	t.Setenv("MUSTER_FOLLOW_UP_MONTHS", "1, 2,24")
	t.Setenv("MUSTER_FOLLOW_UP_REMIND_AFTER", "72h")
	c, err = loadConfig(false)
	require.NoError(t, err)
	require.Equal(t, sim.FollowUpPolicy{Months: []int{1, 2, 24}, RemindAfter: 72 * time.Hour, AnswerWindow: sim.DefaultFollowUpPolicy.AnswerWindow}, c.FollowUp)
	t.Setenv("MUSTER_FOLLOW_UP_MONTHS", "")
	t.Setenv("MUSTER_FOLLOW_UP_REMIND_AFTER", "")
	for _, bad := range []string{"ten", "1.5", "-0.1", "NaN"} {
		t.Setenv("MUSTER_SPOT_CHECK_SHARE", bad)
		_, err = loadConfig(false)
		require.ErrorContains(t, err, "MUSTER_SPOT_CHECK_SHARE", bad)
	}
	t.Setenv("MUSTER_SPOT_CHECK_SHARE", "0.25")
	c, err = loadConfig(false)
	require.NoError(t, err)
	require.Equal(t, sim.SpotCheckPolicy{Share: 0.25}, c.SpotChecks)
	t.Setenv("MUSTER_SPOT_CHECK_SHARE", "")

	t.Setenv("MUSTER_LOGIN_MAX_FAILURES", "0")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, `MUSTER_LOGIN_MAX_FAILURES="0": want a whole number of at least 1`)
	t.Setenv("MUSTER_LOGIN_MAX_FAILURES", "")
	t.Setenv("MUSTER_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, `"proxy.internal" is neither an IP address nor a CIDR prefix`)

	t.Setenv("MUSTER_TRUSTED_PROXIES", "10.1.2.3/8, 192.0.2.10, ::1")
	t.Setenv("MUSTER_LOGIN_MAX_FAILURES_PER_IP", "200")
	c, err = loadConfig(false)
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.10/32"), netip.MustParsePrefix("::1/128")}, c.TrustedProxies)
	want := sim.DefaultLoginThrottle
	want.MaxIPFailures = 200
	require.Equal(t, want, c.LoginThrottle)
	require.Equal(t, []string{"http://localhost:8233", "http://127.0.0.1:8233"}, c.TemporalUIOrigins, "the dev UI on either host")
	require.Equal(t, "Muster", c.Programme)
	require.False(t, c.DevPages)

	t.Setenv("MUSTER_TEMPORAL_UI_ORIGINS", "https://temporal.example.org, ")
	t.Setenv("MUSTER_PROGRAMME_NAME", "Step into Health\nBcc: x")
	_, err = loadConfig(false)
	require.ErrorContains(t, err, "MUSTER_PROGRAMME_NAME must be one line")
	t.Setenv("MUSTER_PROGRAMME_NAME", "Step into Health")
	c, err = loadConfig(false)
	require.NoError(t, err)
	require.Equal(t, []string{"https://temporal.example.org"}, c.TemporalUIOrigins)
	require.Equal(t, "Step into Health", c.Programme)
}

// temporal-setup gives a namespace Muster's search attributes, and is
// safe to run again.
func TestTemporalSetup(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", temporalAddr)
	t.Setenv("TEMPORAL_NAMESPACE", "default")
	require.NoError(t, runTemporalSetup(context.Background()))
	require.NoError(t, runTemporalSetup(context.Background()))
}

// migrate creates the database when it does not exist yet.
func TestMigrateCreatesDatabase(t *testing.T) {
	name := fmt.Sprintf("muster_migrate_%d", time.Now().UnixNano())
	parsed, err := url.Parse(testdb.AdminURL())
	require.NoError(t, err)
	parsed.Path = "/" + name
	u := parsed.String()
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.AdminURL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	t.Setenv("DATABASE_URL", u)
	require.NoError(t, runMigrate(context.Background()))
	require.NoError(t, runMigrate(context.Background()), "migrate twice")
}

// `muster audit verify` says the chain holds, then names the row a
// superuser changed, and fails.
func TestAuditVerify(t *testing.T) {
	d := testdb.New(t)
	ctx := context.Background()
	t.Setenv("MUSTER_APP_DATABASE_URL", d.AppURL)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	op := testfactory.Actor(testfactory.User(t, d, testfactory.UserOpts{}))
	for i := range 5 {
		require.NoError(t, store.InTx(ctx, op, func(tx *db.Tx) error {
			return tx.AgreementVersionAdd(ctx, fmt.Sprintf("v%d", i), time.Now())
		}))
	}
	var out strings.Builder
	require.NoError(t, runAudit(ctx, []string{"verify"}, &out))
	require.Equal(t, "audit trail intact: 5 rows\n", out.String())

	_, err := d.Admin.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE audit_events SET action = 'agreement_version.retired' WHERE seq = 3; COMMIT`)
	require.NoError(t, err)
	out.Reset()
	err = runAudit(ctx, []string{"verify"}, &out)
	require.ErrorContains(t, err, "broken at row 3")
	require.Contains(t, out.String(), "BROKEN at row 3 of 3 checked")
	require.Error(t, runAudit(ctx, []string{"check"}, &out), "usage")
}

// `muster erasures reapply` reads its period as a time or a duration and
// refuses anything else, then reports what it found: in a database with
// no erasures of its own, nobody erased again.
func TestErasuresReapply(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, args := range [][]string{nil, {"redo"}, {"reapply"}, {"reapply", "--since", "yesterday"}, {"reapply", "--since", "-5h"},
		{"reapply", "--since", "2027-01-01T00:00:00Z"}, {"reapply", "--since", "1h", "extra"}} {
		err := runErasures(context.Background(), args, io.Discard, now)
		require.Error(t, err, "%q", args)
	}
	since, err := parseSince("720h", now)
	require.NoError(t, err)
	require.Equal(t, now.Add(-720*time.Hour), since)

	d := testdb.New(t)
	t.Setenv("MUSTER_APP_DATABASE_URL", d.AppURL)
	t.Setenv("TEMPORAL_ADDRESS", temporalAddr)
	t.Setenv("TEMPORAL_NAMESPACE", "default")
	var out strings.Builder
	require.NoError(t, runErasures(context.Background(), []string{"reapply", "--since", "2026-11-30T02:00:00Z"}, &out, time.Now()))
	require.Regexp(t, `^\d+ erasures since 2026-11-30T02:00:00Z; 0 candidates were back and are erased again\n$`, out.String())

	t.Setenv("MUSTER_APP_DATABASE_URL", d.AdminURL)
	require.ErrorContains(t, runErasures(context.Background(), []string{"reapply", "--since", "1h"}, io.Discard, time.Now()), "is a superuser",
		"it acts as the engine, under row-level security")
}
