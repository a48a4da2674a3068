package sim

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// NormalizeEmail trims and lower-cases an email address and checks that it is
// a bare address (no display name). It returns an EINVALID *Error naming the
// "email" field when it is not.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", FieldError("email", "email is required")
	}
	if p := problemInLine(s); p != "" {
		return "", FieldError("email", "email %s", p)
	}
	if len(s) > MaxEmailLen {
		return "", FieldError("email", "email must be at most %d characters", MaxEmailLen)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", FieldError("email", "email must be a valid address such as name@example.org")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") {
		return "", FieldError("email", "email must be a valid address such as name@example.org")
	}
	return s, nil
}

// ValidatePassword returns an EINVALID *Error naming the "password" field
// when pw is too short or too long.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return FieldError("password", "password must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return FieldError("password", "password must be at most %d characters", MaxPasswordLen)
	}
	return nil
}

// SessionTouchEvery is how stale a session's last-seen time may get before
// a request records it again: reads do not each cost a write, and idle
// expiry is accurate to within this.
const SessionTouchEvery = time.Minute
