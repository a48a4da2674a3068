package sim

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The HTTP API maps each to one status; anything that is not a
// *Error is an internal error and is never shown to a client.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // credentials valid, action not allowed
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller
	ECONFLICT     = "conflict"     // the action clashes with current state
	EGONE         = "gone"         // the thing existed but has expired or been used
	ETHROTTLED    = "throttled"    // too many attempts: wait RetryAfter and try again
	EMFAREQUIRED  = "mfa_required" // the password was right; now the second factor
	EINTERNAL     = "internal"     // everything else
)

// ErrorCodes lists every code an *Error can carry: the codes above and
// each Restriction's (a restricted person is refused with it). The HTTP
// API maps each to a status, and its document lists each.
var ErrorCodes = append([]string{EINVALID, EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, ECONFLICT, EGONE, ETHROTTLED, EMFAREQUIRED, EINTERNAL},
	restrictionCodes()...)

func restrictionCodes() []string {
	out := make([]string, len(Restrictions))
	for i, r := range Restrictions {
		out[i] = string(r)
	}
	return out
}

// Error is a domain error with a machine-readable Code and a Message fit to
// show to the person who caused it. Field names the input at fault, if any.
type Error struct {
	Code    string
	Message string
	Field   string
	// RetryAfter is, for ETHROTTLED, how long to wait before trying again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID *Error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
// It returns "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or a generic message for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrNotFound is returned when a thing does not exist or is not visible.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "not found"}

// WithFieldPrefix returns err with its field named inside prefix (field
// "last_name" becomes "profile.last_name"), so that an error about a part
// of a request names the field as the request has it. Other errors are
// returned as they are.
func WithFieldPrefix(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	c := *e
	c.Field = prefix + "." + e.Field
	return &c
}
