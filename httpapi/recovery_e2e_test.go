package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/internal/teststack"
)

// Forgot password: the answer is the same for a known and an unknown
// address; only the account's owner gets a link; it works once, within the
// hour, and ends every session of the account.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	old := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)

	known := s.JSON(t, http.MethodPost, "/v1/password-resets", "", map[string]any{"email": "Operator@Example.org"})
	unknown := s.JSON(t, http.MethodPost, "/v1/password-resets", "", map[string]any{"email": "nobody@example.org"})
	require.Equal(t, http.StatusAccepted, known.Status, string(known.Raw))
	require.Equal(t, known.Status, unknown.Status)
	require.Equal(t, known.Raw, unknown.Raw, "the answer does not say whether the address has an account")

	msg := s.SMTP.WaitFor(t, teststack.OperatorEmail, 20*time.Second)
	require.Contains(t, string(msg.Data), "reset-password?token=3D")
	token := msg.Token(t)

	short := s.JSON(t, http.MethodPost, "/v1/password-resets/completion", "", map[string]any{"token": token, "password": "short"})
	require.Equal(t, http.StatusUnprocessableEntity, short.Status, "a bad password changes nothing, and the link still works")
	done := s.JSON(t, http.MethodPost, "/v1/password-resets/completion", "", map[string]any{"token": token, "password": "a brand new passphrase"})
	require.Equal(t, http.StatusNoContent, done.Status, string(done.Raw))
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, "/v1/me", old, nil).Status, "every session ended")
	again := s.JSON(t, http.MethodPost, "/v1/password-resets/completion", "", map[string]any{"token": token, "password": "another passphrase 1"})
	require.Equal(t, http.StatusGone, again.Status, "single use")

	s.Login(t, teststack.OperatorEmail, "a brand new passphrase")
	bad := s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": teststack.OperatorEmail, "password": teststack.OperatorPassword})
	require.Equal(t, http.StatusUnauthorized, bad.Status)

	require.Len(t, recipients(s, "nobody@example.org"), 0, "an unknown address is sent nothing")

	// The audit trail records the reset as the account's own act.
	op := s.Login(t, teststack.OperatorEmail, "a brand new passphrase")
	audit := s.Do(t, http.MethodGet, "/v1/audit-events", op, nil)
	require.Equal(t, http.StatusOK, audit.Status)
	events := audit.Body["events"].([]any)
	last := events[len(events)-1].(map[string]any)
	require.Equal(t, "password.reset", last["action"])
	require.Equal(t, "operator", last["actor_role"])
}

func recipients(s *teststack.Stack, rcpt string) []string {
	var out []string
	for _, m := range s.SMTP.Messages() {
		for _, to := range m.To {
			if to == rcpt {
				out = append(out, to)
			}
		}
	}
	return out
}

// Changing a password needs the current one and ends every other session,
// keeping this one.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	here := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	elsewhere := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)

	wrong := s.JSON(t, http.MethodPut, "/v1/me/password", here, map[string]any{"current_password": "not it at all", "new_password": "a brand new passphrase"})
	require.Equal(t, http.StatusUnprocessableEntity, wrong.Status, string(wrong.Raw))
	require.Equal(t, "current_password", wrong.Body["error"].(map[string]any)["field"])
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/me", elsewhere, nil).Status, "a refused change changes nothing")

	ok := s.JSON(t, http.MethodPut, "/v1/me/password", here, map[string]any{"current_password": teststack.OperatorPassword, "new_password": "a brand new passphrase"})
	require.Equal(t, http.StatusNoContent, ok.Status, string(ok.Raw))
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/me", here, nil).Status, "this session stays")
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, "/v1/me", elsewhere, nil).Status, "the others end")
	s.Login(t, teststack.OperatorEmail, "a brand new passphrase")
}

// A registration request from a registered address gets the same answer
// as any other, and its owner a "you already have an account" email whose
// link resets the password.
func TestAlreadyRegisteredEmail(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	r := s.JSON(t, http.MethodPost, "/v1/registration-requests", "", map[string]any{"email": teststack.OperatorEmail})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	msg := s.SMTP.WaitFor(t, teststack.OperatorEmail, 20*time.Second)
	require.Contains(t, string(msg.Data), "Subject: You already have a Step into Health account")
	done := s.JSON(t, http.MethodPost, "/v1/password-resets/completion", "", map[string]any{"token": msg.Token(t), "password": "a brand new passphrase"})
	require.Equal(t, http.StatusNoContent, done.Status, string(done.Raw))
	s.Login(t, teststack.OperatorEmail, "a brand new passphrase")
}

// Reset requests are limited per network like registration requests:
// past the limit, 429 with Retry-After, whatever the address.
func TestPasswordResetRequestsThrottled(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.RegistrationRequestsPerHour = 2 })
	for _, email := range []string{"a@example.org", "b@example.org"} {
		require.Equal(t, http.StatusAccepted, s.JSON(t, http.MethodPost, "/v1/password-resets", "", map[string]any{"email": email}).Status)
	}
	r := s.JSON(t, http.MethodPost, "/v1/password-resets", "", map[string]any{"email": teststack.OperatorEmail})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Raw))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
}
