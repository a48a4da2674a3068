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
	p := sim.LoginThrottle{Window: 15 * time.Minute, MaxAccountFailures: 3, MaxIPFailures: 5}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ago := func(mins ...int) []time.Time {
		var ts []time.Time
		for _, m := range mins {
			ts = append(ts, now.Add(-time.Duration(m)*time.Minute))
		}
		return ts
	}

	require.NoError(t, p.Check(now, nil, nil))
	require.NoError(t, p.Check(now, ago(1, 2), ago(1, 2, 3, 4)), "under both limits")
	require.NoError(t, p.Check(now, ago(1, 2, 15), nil), "the third failure has left the window")

	err := p.Check(now, ago(1, 2, 10), nil)
	var se *sim.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, sim.ETHROTTLED, se.Code)
	assert.Equal(t, 5*time.Minute, se.RetryAfter, "the lock lifts when the third newest failure is 15 minutes old")
	assert.Equal(t, "too many failed sign-in attempts: try again in 5 minutes", se.Message)

	err = p.Check(now, ago(1, 2), ago(0, 1, 2, 3, 14))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, time.Minute, se.RetryAfter, "the address limit applies on its own")

	err = p.Check(now, ago(1, 2, 3), ago(0, 1, 2, 3, 4))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 12*time.Minute, se.RetryAfter, "the later of the two locks wins")

	se = sim.Throttled("too many tries", 61500*time.Millisecond)
	assert.Equal(t, 62*time.Second, se.RetryAfter, "rounded up: never come back early")
	assert.Equal(t, "too many tries: try again in 2 minutes", se.Message)
	assert.Equal(t, time.Second, sim.Throttled("x", time.Millisecond).RetryAfter)

	assert.Error(t, sim.LoginThrottle{}.Validate())
	assert.NoError(t, sim.DefaultLoginThrottle.Validate())
}

// Property: an attempt is refused exactly when a limit's worth of failures
// lie inside the window, and the wait never exceeds the window.
func TestLoginThrottleProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := sim.LoginThrottle{
			Window:             time.Duration(rapid.IntRange(1, 120).Draw(t, "window_min")) * time.Minute,
			MaxAccountFailures: rapid.IntRange(1, 8).Draw(t, "max_account"),
			MaxIPFailures:      rapid.IntRange(1, 8).Draw(t, "max_ip"),
		}
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		draw := func(label string) []time.Time {
			secs := rapid.SliceOfN(rapid.IntRange(0, 3*3600), 0, 10).Draw(t, label)
			sort.Ints(secs) // newest first: smallest age first
			ts := make([]time.Time, len(secs))
			for i, s := range secs {
				ts[i] = now.Add(-time.Duration(s) * time.Second)
			}
			return ts
		}
		acct, ip := draw("account"), draw("ip")
		inWindow := func(ts []time.Time) int {
			n := 0
			for _, x := range ts {
				if now.Sub(x) < p.Window {
					n++
				}
			}
			return n
		}
		want := inWindow(acct) >= p.MaxAccountFailures || inWindow(ip) >= p.MaxIPFailures
		err := p.Check(now, acct, ip)
		if !want {
			if err != nil {
				t.Fatalf("refused with %d/%d account and %d/%d address failures in the window: %v",
					inWindow(acct), p.MaxAccountFailures, inWindow(ip), p.MaxIPFailures, err)
			}
			return
		}
		var se *sim.Error
		if !errors.As(err, &se) || se.Code != sim.ETHROTTLED {
			t.Fatalf("want ETHROTTLED, got %v", err)
		}
		if se.RetryAfter <= 0 || se.RetryAfter > p.Window {
			t.Fatalf("RetryAfter %v outside (0, %v]", se.RetryAfter, p.Window)
		}
	})
}
