package sim_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

func TestLoginThrottle(t *testing.T) {
	p := sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 5,
		AccountWindow: 24 * time.Hour, MaxAccountWideFailures: 6, KnownNetworkFor: 90 * 24 * time.Hour}
	require.NoError(t, p.Validate())
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ago := func(mins ...int) []time.Time {
		var ts []time.Time
		for _, m := range mins {
			ts = append(ts, now.Add(-time.Duration(m)*time.Minute))
		}
		return ts
	}

	require.NoError(t, p.Check(now, sim.LoginCounts{}))
	require.NoError(t, p.Check(now, sim.LoginCounts{Network: ago(1, 2), IP: ago(1, 2, 3, 4)}), "under both limits")
	require.NoError(t, p.Check(now, sim.LoginCounts{Network: ago(1, 2, 15)}), "the third failure has left the window")

	err := p.Check(now, sim.LoginCounts{Network: ago(1, 2, 10)})
	var se *sim.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, sim.ETHROTTLED, se.Code)
	assert.Equal(t, 5*time.Minute, se.RetryAfter, "the lock lifts when the third newest failure is 15 minutes old")
	assert.Equal(t, "too many failed sign-in attempts: try again in 5 minutes", se.Message)

	err = p.Check(now, sim.LoginCounts{Network: ago(1, 2), IP: ago(0, 1, 2, 3, 14)})
	require.ErrorAs(t, err, &se)
	assert.Equal(t, time.Minute, se.RetryAfter, "the address limit applies on its own")

	err = p.Check(now, sim.LoginCounts{Network: ago(1, 2, 3), IP: ago(0, 1, 2, 3, 4)})
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 12*time.Minute, se.RetryAfter, "the later of the two locks wins")

	// Guesses spread over networks: the account-wide limit refuses a
	// network the account does not know, never one it signs in from.
	spread := sim.LoginCounts{Network: ago(1), Account: ago(1, 2, 3, 4, 5, 60)}
	err = p.Check(now, spread)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 23*time.Hour, se.RetryAfter, "until the sixth newest failure is a day old")
	spread.KnownNetwork = true
	require.NoError(t, p.Check(now, spread), "the owner's own network is let in")
	require.NoError(t, p.Check(now, sim.LoginCounts{Network: ago(1, 2), Account: ago(1, 2, 3, 4, 5)}), "under the account-wide limit")
	known := sim.LoginCounts{Network: ago(1, 2, 3), KnownNetwork: true}
	require.Error(t, p.Check(now, known), "a known network that guesses is limited like any other")

	bad := p
	bad.MaxAccountWideFailures = 2
	assert.Error(t, bad.Validate(), "an account-wide limit below the per-network one")
	assert.NoError(t, sim.LoginThrottle{Window: time.Minute, MaxAccountFailures: 1, MaxIPFailures: 1}.WithDefaults().Validate())

	se = sim.Throttled("too many tries", 61500*time.Millisecond)
	assert.Equal(t, 62*time.Second, se.RetryAfter, "rounded up: never come back early")
	assert.Equal(t, "too many tries: try again in 2 minutes", se.Message)
	assert.Equal(t, time.Second, sim.Throttled("x", time.Millisecond).RetryAfter)

	assert.Error(t, sim.LoginThrottle{}.Validate())
	assert.NoError(t, sim.DefaultLoginThrottle.Validate())
}

// Property: an attempt is refused exactly when a limit's worth of failures
// lie inside its window (the account-wide one only for a network the
// account does not know), and the wait never exceeds the longest window.
func TestLoginThrottleProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := sim.LoginThrottle{
			Window:             time.Duration(rapid.IntRange(1, 120).Draw(t, "window_min")) * time.Minute,
			MaxAccountFailures: rapid.IntRange(1, 8).Draw(t, "max_account"),
			MaxIPFailures:      rapid.IntRange(1, 8).Draw(t, "max_ip"),
			KnownNetworkFor:    time.Hour,
		}
		p.AccountWindow = p.Window + time.Duration(rapid.IntRange(0, 240).Draw(t, "account_window_extra_min"))*time.Minute
		p.MaxAccountWideFailures = p.MaxAccountFailures + rapid.IntRange(0, 8).Draw(t, "max_account_wide_extra")
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		draw := func(label string) []time.Time {
			secs := rapid.SliceOfN(rapid.IntRange(0, 6*3600), 0, 20).Draw(t, label)
			sort.Ints(secs) // newest first: smallest age first
			ts := make([]time.Time, len(secs))
			for i, s := range secs {
				ts[i] = now.Add(-time.Duration(s) * time.Second)
			}
			return ts
		}
		c := sim.LoginCounts{Network: draw("network"), Account: draw("account"), IP: draw("ip"), KnownNetwork: rapid.Bool().Draw(t, "known")}
		inWindow := func(ts []time.Time, w time.Duration) int {
			n := 0
			for _, x := range ts {
				if now.Sub(x) < w {
					n++
				}
			}
			return n
		}
		want := inWindow(c.Network, p.Window) >= p.MaxAccountFailures || inWindow(c.IP, p.Window) >= p.MaxIPFailures ||
			(!c.KnownNetwork && inWindow(c.Account, p.AccountWindow) >= p.MaxAccountWideFailures)
		err := p.Check(now, c)
		if !want {
			if err != nil {
				t.Fatalf("refused with %d/%d network, %d/%d account-wide (known %v) and %d/%d address failures in the windows: %v",
					inWindow(c.Network, p.Window), p.MaxAccountFailures, inWindow(c.Account, p.AccountWindow), p.MaxAccountWideFailures,
					c.KnownNetwork, inWindow(c.IP, p.Window), p.MaxIPFailures, err)
			}
			return
		}
		var se *sim.Error
		if !errors.As(err, &se) || se.Code != sim.ETHROTTLED {
			t.Fatalf("want ETHROTTLED, got %v", err)
		}
		if se.RetryAfter <= 0 || se.RetryAfter > p.AccountWindow {
			t.Fatalf("RetryAfter %v outside (0, %v]", se.RetryAfter, p.AccountWindow)
		}
	})
}

// A client's network is its IPv4 /24 or IPv6 /64; anything else is itself.
func TestClientNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":         "203.0.113.0/24",
		"::ffff:203.0.113.77":  "203.0.113.0/24",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"not an address":       "not an address",
		"":                     "",
	} {
		assert.Equal(t, want, sim.ClientNetwork(in), in)
	}
}
