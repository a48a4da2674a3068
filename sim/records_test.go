package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestSessionPolicyNeedsTouch(t *testing.T) {
	t.Parallel()
	seen := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := sim.Session{ID: "s1", UserID: "u1", Role: sim.RoleCandidate, CreatedAt: seen, LastSeenAt: seen, ExpiresAt: seen.Add(12 * time.Hour)}
	require.Equal(t, time.Minute, sim.SessionTouchEvery)
	cases := []struct {
		name  string
		since time.Duration
		want  bool
	}{
		{"just seen", 0, false},
		{"clock behind", -time.Second, false},
		{"59 seconds", 59 * time.Second, false},
		{"just under a minute", time.Minute - time.Nanosecond, false},
		{"60 seconds", 60 * time.Second, true},
		{"10 minutes", 10 * time.Minute, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, sim.DefaultSessionPolicy.NeedsTouch(s, seen.Add(tc.since)))
		})
	}
}
