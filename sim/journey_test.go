package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

func validProfile(now time.Time) sim.Profile {
	return sim.Profile{
		FirstName:   "Alex",
		LastName:    "Jones",
		DateOfBirth: now.AddDate(-30, 0, 0),
		Connection:  sim.ConnVeteran,
		Skills:      []string{"logistics"},
		Region:      "north_west",
		HeardAbout:  "website",
	}
}

// Over random command sequences: an invalid transition is never accepted and
// leaves the journey unchanged; every accepted one emits exactly one event
// whose From/To match the states before and after.
func TestTransitionProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		j := sim.Journey{}
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			kind := rapid.SampledFrom(sim.CommandKinds).Draw(t, "kind")
			cmd := sim.Command{Kind: kind}
			validReg := true
			if kind == sim.CmdRegister {
				cmd.Profile = validProfile(now)
				if rapid.Bool().Draw(t, "underage") {
					cmd.Profile.DateOfBirth = now.AddDate(-rapid.IntRange(0, 17).Draw(t, "age"), 0, 0)
					validReg = false
				}
			}
			now = now.Add(time.Duration(rapid.IntRange(0, 1000).Draw(t, "dt")) * time.Minute)
			next, events, err := sim.Transition(j, cmd, now)
			allowed := sim.CanApply(j.Status, kind) && validReg
			if !allowed {
				if err == nil {
					t.Fatalf("accepted invalid %s from %q", kind, j.Status)
				}
				if next != j || len(events) != 0 {
					t.Fatalf("rejected %s from %q changed state or emitted events", kind, j.Status)
				}
				continue
			}
			if err != nil {
				t.Fatalf("refused valid %s from %q: %v", kind, j.Status, err)
			}
			if len(events) != 1 {
				t.Fatalf("%s from %q emitted %d events", kind, j.Status, len(events))
			}
			if events[0].From != j.Status || events[0].To != next.Status || !events[0].At.Equal(now) {
				t.Fatalf("event %+v does not describe %q→%q at %v", events[0], j.Status, next.Status, now)
			}
			j = next
		}
	})
}

func TestTransitionTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	j, ev, err := sim.Transition(sim.Journey{}, sim.Command{Kind: sim.CmdInvite}, now)
	require.NoError(t, err)
	require.Equal(t, sim.StatusInvited, j.Status)
	require.Equal(t, sim.EventInvited, ev[0].Type)

	_, _, err = sim.Transition(j, sim.Command{Kind: sim.CmdPlace}, now)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	require.Equal(t, "cannot place a candidate who is invited", sim.ErrorMessage(err))

	reg, ev, err := sim.Transition(j, sim.Command{Kind: sim.CmdRegister, Profile: validProfile(now)}, now)
	require.NoError(t, err)
	require.Equal(t, sim.StatusRegistered, reg.Status)
	require.Equal(t, sim.EventRegistered, ev[0].Type)
	require.Equal(t, now, reg.RegisteredAt)

	exp, ev, err := sim.Transition(j, sim.Command{Kind: sim.CmdExpire}, now)
	require.NoError(t, err)
	require.Equal(t, sim.StatusExpired, exp.Status)
	require.Equal(t, sim.EventExpired, ev[0].Type)

	_, _, err = sim.Transition(exp, sim.Command{Kind: sim.CmdRegister, Profile: validProfile(now)}, now)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
}
