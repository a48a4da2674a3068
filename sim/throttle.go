package sim

import (
	"fmt"
	"net/netip"
	"time"
)

// LoginThrottle slows password guessing without handing outsiders a lock.
//
// Failures are counted per account and client network (ClientNetwork):
// MaxAccountFailures within Window (since the account's last successful
// sign-in from that network) refuse that network for that account until
// the oldest of them is Window old. Guessing from one network therefore
// locks that network out of that account, and no one else: the owner
// signing in from elsewhere is let in. An account-wide limit, slower,
// caps guessing spread over many networks: MaxAccountWideFailures within
// AccountWindow (since the account's last successful sign-in) refuse
// every network the account has not signed in from within
// KnownNetworkFor, and only those, so the owner from a network they use
// is never refused for what others did. A client address that has had
// MaxIPFailures within Window is refused whatever it tries. Refused
// attempts are not checked and do not count, so hammering cannot keep a
// lock on for longer than its window.
type LoginThrottle struct {
	Window                 time.Duration
	MaxAccountFailures     int // per account and client network, within Window
	MaxIPFailures          int // per client address, within Window
	AccountWindow          time.Duration
	MaxAccountWideFailures int // per account from networks it does not know, within AccountWindow
	KnownNetworkFor        time.Duration
}

// DefaultLoginThrottle allows 10 failures an account from one network and
// 50 an address (a whole NHS site may sign in from one) in 15 minutes
// (OWASP's "account lockout" guidance, with a lock that lifts by itself
// and binds only the network that guessed), and 100 an account in a day
// from networks it has not signed in from in 90 days.
var DefaultLoginThrottle = LoginThrottle{
	Window: 15 * time.Minute, MaxAccountFailures: 10, MaxIPFailures: 50,
	AccountWindow: 24 * time.Hour, MaxAccountWideFailures: 100, KnownNetworkFor: 90 * 24 * time.Hour,
}

// WithDefaults fills the account-wide fields left zero from
// DefaultLoginThrottle.
func (p LoginThrottle) WithDefaults() LoginThrottle {
	if p.AccountWindow == 0 {
		p.AccountWindow = DefaultLoginThrottle.AccountWindow
	}
	if p.MaxAccountWideFailures == 0 {
		p.MaxAccountWideFailures = DefaultLoginThrottle.MaxAccountWideFailures
	}
	if p.KnownNetworkFor == 0 {
		p.KnownNetworkFor = DefaultLoginThrottle.KnownNetworkFor
	}
	return p
}

// Validate reports a policy that could never let anyone in or never lock.
func (p LoginThrottle) Validate() error {
	if p.Window <= 0 || p.MaxAccountFailures < 1 || p.MaxIPFailures < 1 {
		return fmt.Errorf("login throttle: window must be positive and each limit at least 1 (got %v, %d, %d)",
			p.Window, p.MaxAccountFailures, p.MaxIPFailures)
	}
	if p.AccountWindow < p.Window || p.MaxAccountWideFailures < p.MaxAccountFailures || p.KnownNetworkFor <= 0 {
		return fmt.Errorf("login throttle: the account-wide window (%v) must be at least the window (%v), its limit (%d) at least the per-network limit (%d), and a network known for a positive time (%v)",
			p.AccountWindow, p.Window, p.MaxAccountWideFailures, p.MaxAccountFailures, p.KnownNetworkFor)
	}
	return nil
}

// LoginCounts are the recent failures an attempt is judged by, each
// newest first (as many as the limit, no more are needed).
type LoginCounts struct {
	Network      []time.Time // for the account from the client's network, since its last success from there
	Account      []time.Time // for the account from anywhere, since its last success
	IP           []time.Time // from the client's address
	KnownNetwork bool        // the account signed in from the client's network within KnownNetworkFor
}

// Check decides whether an attempt at now may go ahead. It returns an
// ETHROTTLED *Error whose RetryAfter says when the lock lifts.
func (p LoginThrottle) Check(now time.Time, c LoginCounts) error {
	until := lockedUntil(now, p.Window, c.Network, p.MaxAccountFailures)
	if u := lockedUntil(now, p.Window, c.IP, p.MaxIPFailures); u.After(until) {
		until = u
	}
	if !c.KnownNetwork {
		if u := lockedUntil(now, p.AccountWindow, c.Account, p.MaxAccountWideFailures); u.After(until) {
			until = u
		}
	}
	if until.IsZero() {
		return nil
	}
	return Throttled("too many failed sign-in attempts", until.Sub(now))
}

// ClientNetwork is the network a client address is counted by: the /24 of
// an IPv4 address, the /64 of an IPv6 one (a household or a site, not one
// device), or the text itself when it is not an address.
func ClientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ip
	}
	return p.String()
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
