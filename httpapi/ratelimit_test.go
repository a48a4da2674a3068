package httpapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestPerAddress(t *testing.T) {
	t.Parallel()
	p := newPerNetwork(3, "too many requests")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		require.NoError(t, p.allow("192.0.2.1", now), "the burst is the hourly allowance")
	}
	err := p.allow("192.0.2.1", now)
	var se *sim.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, sim.ETHROTTLED, se.Code)
	require.Equal(t, 20*time.Minute, se.RetryAfter, "one token every 20 minutes")
	require.Equal(t, "too many requests: try again in 20 minutes", se.Message)

	require.Error(t, p.allow("192.0.2.2", now), "another address in the /24 shares its bucket")
	require.NoError(t, p.allow("198.51.100.2", now), "other networks have their own bucket")
	require.Error(t, p.allow("192.0.2.1", now.Add(19*time.Minute)), "refusals do not use up tokens, nor earn them")
	require.NoError(t, p.allow("192.0.2.1", now.Add(20*time.Minute)))

	// Buckets idle for longer than a full refill are forgotten.
	require.Len(t, p.buckets, 2)
	require.NoError(t, p.allow("203.0.113.3", now.Add(3*time.Hour)))
	require.Len(t, p.buckets, 1)
}

// An IPv6 subscriber's whole /64 shares one bucket, as an IPv4 /24 does;
// IPv4-mapped addresses count as IPv4.
func TestPerAddressNetworks(t *testing.T) {
	t.Parallel()
	p := newPerNetwork(3, "too many requests")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, a := range []string{"2001:db8:1:2::a", "2001:db8:1:2::b", "2001:db8:1:2:ffff::1"} {
		require.NoError(t, p.allow(a, now))
	}
	require.Error(t, p.allow("2001:db8:1:2::c", now), "the /64 has used its allowance")
	require.NoError(t, p.allow("2001:db8:1:3::1", now), "the next /64 is someone else")

	require.NoError(t, p.allow("::ffff:192.0.2.1", now))
	require.NoError(t, p.allow("192.0.2.1", now))
	require.NoError(t, p.allow("192.0.2.1", now))
	require.Error(t, p.allow("::ffff:192.0.2.1", now))
}
