package sim

import (
	"fmt"
	"time"
)

// LoginThrottle slows password guessing. An account that has had
// MaxAccountFailures failed sign-ins within Window (since its last
// successful one) is refused until the oldest of them is Window old; so is
// an address that has had MaxIPFailures. Refused attempts are not checked
// and do not count, so an attacker cannot keep an account locked for longer
// than Window by hammering it.
type LoginThrottle struct {
	Window             time.Duration
	MaxAccountFailures int
	MaxIPFailures      int
}

// DefaultLoginThrottle allows 10 failures an account and 50 an address
// (a whole NHS site may sign in from one) in 15 minutes: OWASP's
// "account lockout" guidance, with a lock that lifts by itself.
var DefaultLoginThrottle = LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 10, MaxIPFailures: 50}

// Validate reports a policy that could never let anyone in or never lock.
func (p LoginThrottle) Validate() error {
	if p.Window <= 0 || p.MaxAccountFailures < 1 || p.MaxIPFailures < 1 {
		return fmt.Errorf("login throttle: window must be positive and each limit at least 1 (got %v, %d, %d)",
			p.Window, p.MaxAccountFailures, p.MaxIPFailures)
	}
	return nil
}

// Check decides whether an attempt at now may go ahead, given the times of
// recent failures for the account and for the address, newest first (as
// many as the limits, no more are needed). It returns an ETHROTTLED *Error
// whose RetryAfter says when the lock lifts.
func (p LoginThrottle) Check(now time.Time, accountFailures, ipFailures []time.Time) error {
	until := lockedUntil(now, p.Window, accountFailures, p.MaxAccountFailures)
	if u := lockedUntil(now, p.Window, ipFailures, p.MaxIPFailures); u.After(until) {
		until = u
	}
	if until.IsZero() {
		return nil
	}
	return Throttled("too many failed sign-in attempts", until.Sub(now))
}

// Throttled is the ETHROTTLED *Error for a limit that lifts after wait:
// "<what>: try again in N minutes", with RetryAfter in whole seconds (at
// least one).
func Throttled(what string, wait time.Duration) *Error {
	if r := wait % time.Second; r > 0 {
		wait += time.Second - r // never tell anyone to come back early
	}
	if wait < time.Second {
		wait = time.Second
	}
	return &Error{
		Code:       ETHROTTLED,
		Message:    fmt.Sprintf("%s: try again in %s", what, humanMinutes(wait)),
		RetryAfter: wait,
	}
}

// lockedUntil is when the limit-th newest failure leaves the window, or
// zero when fewer than limit failures are inside it.
func lockedUntil(now time.Time, window time.Duration, newestFirst []time.Time, limit int) time.Time {
	if len(newestFirst) < limit {
		return time.Time{}
	}
	end := newestFirst[limit-1].Add(window)
	if !end.After(now) {
		return time.Time{}
	}
	return end
}

func humanMinutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
