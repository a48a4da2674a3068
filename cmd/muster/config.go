package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// config is every setting, read from the environment. The README lists
// them; keep the two in step.
type config struct {
	DatabaseURL          string
	AppDatabaseURL       string
	TemporalAddress      string
	TemporalNamespace    string
	TaskQueue            string
	HTTPAddr             string
	CodecAddr            string
	CodecKeyID           string
	CodecKey             []byte
	CursorKey            []byte
	TemporalUIOrigins    []string
	Programme            string
	PublicURL            string
	InvitationWindow     time.Duration
	AccountWindow        time.Duration
	Sessions             sim.SessionPolicy
	LoginThrottle        sim.LoginThrottle
	TrustedProxies       []netip.Prefix
	RegistrationRate     int // registration requests per network per hour
	RegistrationAttempts int // registration attempts per network per hour
	DevPages             bool
	RequireMFA           []sim.Role
	KeepPlacedVisible    bool
	FollowUp             sim.FollowUpPolicy
	SpotChecks           sim.SpotCheckPolicy
	CodeOfConduct        sim.CodeOfConduct
	SMTPURL              string
	MailFrom             string
	OutboxDir            string
	LogLevel             string
}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/muster?sslmode=disable"

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := env(name, "")
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 720h or 30m", name, v)
	}
	return d, nil
}

func envCount(name string, def int) (int, error) {
	v := env(name, "")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a whole number of at least 1", name, v)
	}
	return n, nil
}

// list splits a comma-separated setting, dropping empty items.
func list(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// trustedProxies parses a comma-separated list of addresses and CIDR
// prefixes, such as "10.0.0.0/8, 192.0.2.10".
func trustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("MUSTER_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR prefix such as 10.0.0.0/8", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// loadConfig reads the environment. needKey says whether the payload codec
// key is required (it is for serve, not for migrate).
func loadConfig(needKey bool) (config, error) {
	c := config{
		DatabaseURL:       env("DATABASE_URL", defaultDatabaseURL),
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         env("MUSTER_TASK_QUEUE", "muster"),
		HTTPAddr:          env("MUSTER_HTTP_ADDR", "127.0.0.1:8080"),
		CodecAddr:         env("MUSTER_CODEC_ADDR", "127.0.0.1:8081"),
		CodecKeyID:        env("MUSTER_CODEC_KEY_ID", "k1"),
		TemporalUIOrigins: list(env("MUSTER_TEMPORAL_UI_ORIGINS", strings.Join(workflows.DefaultUIOrigins, ","))),
		Programme:         env("MUSTER_PROGRAMME_NAME", activities.DefaultProgramme),
		PublicURL:         strings.TrimRight(env("MUSTER_PUBLIC_URL", "http://localhost:8080"), "/"),
		SMTPURL:           env("MUSTER_SMTP_URL", ""),
		MailFrom:          env("MUSTER_MAIL_FROM", "Muster <noreply@localhost>"),
		DevPages:          env("MUSTER_DEV_PAGES", "") == "1",
		RequireMFA:        roleList(env("MUSTER_REQUIRE_MFA", "")),
		KeepPlacedVisible: env("MUSTER_KEEP_PLACED_VISIBLE", "") == "1",
		OutboxDir:         env("MUSTER_OUTBOX_DIR", ".data/outbox"),
		LogLevel:          env("MUSTER_LOG_LEVEL", "info"),
	}
	app, err := appURL(c.DatabaseURL)
	if err != nil {
		return c, err
	}
	c.AppDatabaseURL = env("MUSTER_APP_DATABASE_URL", app)
	if path := env("MUSTER_CODE_OF_CONDUCT_FILE", ""); path != "" {
		body, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("MUSTER_CODE_OF_CONDUCT_FILE: %w", err)
		}
		c.CodeOfConduct = sim.CodeOfConduct{Version: env("MUSTER_CODE_OF_CONDUCT_VERSION", ""), Body: strings.TrimSpace(string(body))}
		if err := c.CodeOfConduct.Validate(); err != nil {
			return c, fmt.Errorf("MUSTER_CODE_OF_CONDUCT_FILE and MUSTER_CODE_OF_CONDUCT_VERSION: %s", sim.ErrorMessage(err))
		}
	}
	if c.AccountWindow, err = envDuration("MUSTER_ACCOUNT_INVITATION_WINDOW", sim.DefaultAccountInvitationWindow); err != nil {
		return c, err
	}
	if c.AccountWindow < time.Second {
		return c, fmt.Errorf("MUSTER_ACCOUNT_INVITATION_WINDOW must be at least 1s")
	}
	if c.InvitationWindow, err = envDuration("MUSTER_INVITATION_WINDOW", sim.DefaultInvitationWindow); err != nil {
		return c, err
	}
	if err := sim.CheckInvitationWindow(c.InvitationWindow); err != nil {
		return c, fmt.Errorf("MUSTER_INVITATION_WINDOW: %s", sim.ErrorMessage(err))
	}
	if c.Sessions.Idle, err = envDuration("MUSTER_SESSION_IDLE", sim.DefaultSessionPolicy.Idle); err != nil {
		return c, err
	}
	if c.Sessions.Absolute, err = envDuration("MUSTER_SESSION_MAX", sim.DefaultSessionPolicy.Absolute); err != nil {
		return c, err
	}
	if c.LoginThrottle.Window, err = envDuration("MUSTER_LOGIN_FAILURE_WINDOW", sim.DefaultLoginThrottle.Window); err != nil {
		return c, err
	}
	if c.LoginThrottle.MaxAccountFailures, err = envCount("MUSTER_LOGIN_MAX_FAILURES", sim.DefaultLoginThrottle.MaxAccountFailures); err != nil {
		return c, err
	}
	if c.LoginThrottle.MaxIPFailures, err = envCount("MUSTER_LOGIN_MAX_FAILURES_PER_IP", sim.DefaultLoginThrottle.MaxIPFailures); err != nil {
		return c, err
	}
	if c.LoginThrottle.AccountWindow, err = envDuration("MUSTER_LOGIN_ACCOUNT_WINDOW", sim.DefaultLoginThrottle.AccountWindow); err != nil {
		return c, err
	}
	if c.LoginThrottle.MaxAccountWideFailures, err = envCount("MUSTER_LOGIN_MAX_ACCOUNT_FAILURES", sim.DefaultLoginThrottle.MaxAccountWideFailures); err != nil {
		return c, err
	}
	if c.LoginThrottle.KnownNetworkFor, err = envDuration("MUSTER_LOGIN_KNOWN_NETWORK_FOR", sim.DefaultLoginThrottle.KnownNetworkFor); err != nil {
		return c, err
	}
	if c.RegistrationRate, err = envCount("MUSTER_REGISTRATION_REQUESTS_PER_HOUR", httpapi.DefaultRegistrationRequestsPerHour); err != nil {
		return c, err
	}
	if c.RegistrationAttempts, err = envCount("MUSTER_REGISTRATION_ATTEMPTS_PER_HOUR", httpapi.DefaultRegistrationAttemptsPerHour); err != nil {
		return c, err
	}
	if c.FollowUp, err = followUpPolicy(); err != nil {
		return c, err
	}
	c.SpotChecks = sim.DefaultSpotCheckPolicy
	if share := env("MUSTER_SPOT_CHECK_SHARE", ""); share != "" {
		f, err := strconv.ParseFloat(share, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return c, fmt.Errorf("MUSTER_SPOT_CHECK_SHARE must be a fraction from 0 to 1, such as 0.1, not %q", share)
		}
		c.SpotChecks.Share = f
		if f == 0 {
			c.SpotChecks.Share = -1 // muster.Config: none at random
		}
	}
	if strings.ContainsAny(c.Programme, "\r\n") {
		return c, fmt.Errorf("MUSTER_PROGRAMME_NAME must be one line")
	}
	if c.TrustedProxies, err = trustedProxies(env("MUSTER_TRUSTED_PROXIES", "")); err != nil {
		return c, err
	}
	if needKey {
		if c.CodecKey, err = codecKey(); err != nil {
			return c, err
		}
		if c.CursorKey, err = cursorKey(c.CodecKey); err != nil {
			return c, err
		}
	}
	return c, nil
}

// cursorKey is MUSTER_CURSOR_KEY (at least 32 bytes, base64) or, unset, a
// key derived from the payload key: secret, and the same in every process
// of a deployment, as paging across processes needs.
func cursorKey(codec []byte) ([]byte, error) {
	if raw := env("MUSTER_CURSOR_KEY", ""); raw != "" {
		k, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("MUSTER_CURSOR_KEY must be at least 32 random bytes, base64 (openssl rand -base64 32)")
		}
		return k, nil
	}
	mac := hmac.New(sha256.New, codec)
	mac.Write([]byte("muster: the key that signs list cursors"))
	return mac.Sum(nil), nil
}

// appURL is DATABASE_URL with the user replaced by the application role.
func appURL(admin string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL is not a URL")
	}
	u.User = url.User(db.AppRole)
	return u.String(), nil
}

// codecKey reads the 32-byte payload key, base64, from MUSTER_CODEC_KEY or
// the file named by MUSTER_CODEC_KEY_FILE.
func codecKey() ([]byte, error) {
	raw := env("MUSTER_CODEC_KEY", "")
	if raw == "" {
		path := env("MUSTER_CODEC_KEY_FILE", "")
		if path == "" {
			return nil, fmt.Errorf("set MUSTER_CODEC_KEY (32 random bytes, base64) or MUSTER_CODEC_KEY_FILE: every Temporal payload is encrypted with it; `make dev` makes one under .data")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("MUSTER_CODEC_KEY_FILE: %w", err)
		}
		raw = strings.TrimSpace(string(b))
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("the payload codec key must be 32 bytes, base64-encoded (openssl rand -base64 32)")
	}
	return key, nil
}

// roleList reads a comma-separated list of roles, such as
// "operator,org_admin"; muster.New refuses one that is not a role.
func roleList(s string) []sim.Role {
	var out []sim.Role
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, sim.Role(r))
		}
	}
	return out
}

// followUpPolicy reads the placement follow-up's schedule:
// MUSTER_FOLLOW_UP_MONTHS (such as "3,6,12"), MUSTER_FOLLOW_UP_REMIND_AFTER
// and MUSTER_FOLLOW_UP_ANSWER_WINDOW, each defaulting to
// sim.DefaultFollowUpPolicy.
func followUpPolicy() (sim.FollowUpPolicy, error) {
	p := sim.DefaultFollowUpPolicy
	if months := env("MUSTER_FOLLOW_UP_MONTHS", ""); months != "" {
		p.Months = nil
		for _, m := range list(months) {
			n, err := strconv.Atoi(m)
			if err != nil {
				return p, fmt.Errorf("MUSTER_FOLLOW_UP_MONTHS: %q is not a number of months", m)
			}
			p.Months = append(p.Months, n)
		}
	}
	var err error
	if p.RemindAfter, err = envDuration("MUSTER_FOLLOW_UP_REMIND_AFTER", p.RemindAfter); err != nil {
		return p, err
	}
	if p.AnswerWindow, err = envDuration("MUSTER_FOLLOW_UP_ANSWER_WINDOW", p.AnswerWindow); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("MUSTER_FOLLOW_UP_*: %s", sim.ErrorMessage(err))
	}
	return p, nil
}
