package simulate_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

var now = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func options(seed uint64, candidates, orgs int) simulate.Options {
	return simulate.Options{Seed: seed, Candidates: candidates, Orgs: orgs, Now: now}
}

func generate(t testing.TB, o simulate.Options) simulate.Cohort {
	t.Helper()
	c, err := simulate.Generate(o)
	require.NoError(t, err)
	return c
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()

	o := options(42, 300, 20)
	require.Equal(t, generate(t, o), generate(t, o))

	// A Now with a zone and a monotonic reading reads as the same instant.
	o.Now = time.Now().In(time.FixedZone("BST", 3600))
	first := generate(t, o)
	o.Now = o.Now.UTC().Round(0)
	require.Equal(t, first, generate(t, o))
}

func TestGenerateDiffersBySeed(t *testing.T) {
	t.Parallel()

	a, b := generate(t, options(1, 50, 5)), generate(t, options(2, 50, 5))
	require.NotEqual(t, a, b)
	require.NotEqual(t, a.Orgs[0].ID, b.Orgs[0].ID)
	require.NotEqual(t, a.Candidates[0].ID, b.Candidates[0].ID)
}

func TestEachAgreesWithGenerate(t *testing.T) {
	t.Parallel()

	o := options(7, 200, 15)
	cohort := generate(t, o)
	require.Equal(t, cohort.Orgs, o.Organisations())

	var each []simulate.Candidate
	require.NoError(t, o.Each(func(c simulate.Candidate) error {
		each = append(each, c)
		return nil
	}))
	require.Equal(t, cohort.Candidates, each)

	// Candidate i depends on (Seed, i) only, not on how many are made.
	o.Candidates = 80
	require.Equal(t, cohort.Candidates[:80], generate(t, o).Candidates)
}

func TestEachStopsAtFirstError(t *testing.T) {
	t.Parallel()

	stop := errors.New("stop")
	calls := 0
	err := options(3, 100, 4).Each(func(simulate.Candidate) error {
		calls++
		if calls == 10 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 10, calls)
}

func TestOptionsRefused(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		o     simulate.Options
		field string
	}{
		"negative candidates":     {simulate.Options{Candidates: -1, Orgs: 1, Now: now}, "candidates"},
		"negative orgs":           {simulate.Options{Orgs: -1, Now: now}, "orgs"},
		"negative users":          {simulate.Options{Orgs: 1, UsersPerOrg: -1, Now: now}, "users_per_org"},
		"candidates without orgs": {simulate.Options{Candidates: 1, Now: now}, "orgs"},
		"zero now":                {simulate.Options{Candidates: 1, Orgs: 1}, "now"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			_, err := simulate.Generate(tc.o)
			require.Error(t, err)
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.field, e.Field)

			require.Equal(t, err, tc.o.Each(func(simulate.Candidate) error { return nil }))
			require.Nil(t, tc.o.Organisations())
		})
	}
}

func TestGenerateEmpty(t *testing.T) {
	t.Parallel()

	c := generate(t, simulate.Options{Now: now})
	require.Empty(t, c.Orgs)
	require.Empty(t, c.Candidates)

	c = generate(t, simulate.Options{Orgs: 3, Now: now})
	require.Len(t, c.Orgs, 3)
	require.Empty(t, c.Candidates)
}

func TestOrganisations(t *testing.T) {
	t.Parallel()

	for _, users := range []int{0, 1, 5} {
		o := options(11, 0, 400)
		o.UsersPerOrg = users
		orgs := o.Organisations()
		require.Len(t, orgs, 400)
		want := users
		if want == 0 {
			want = simulate.DefaultUsersPerOrg
		}
		names := map[string]bool{}
		for j, org := range orgs {
			require.Equal(t, org.Details, org.Details.Normalize())
			require.NoError(t, org.Details.Validate(now), "org %d", j)
			require.NotEqual(t, sim.Region("overseas"), org.Details.Region)
			require.False(t, names[org.Details.Name], "name %q repeated", org.Details.Name)
			names[org.Details.Name] = true
			require.Len(t, org.Users, want)
			for k, u := range org.Users {
				wantRole := sim.RoleOrgUser
				if k == 0 {
					wantRole = sim.RoleOrgAdmin
				}
				require.Equal(t, wantRole, u.Role)
				require.NoError(t, sim.CheckPersonName("name", u.Name))
				requireTestEmail(t, u.Email)
			}
		}
	}
}

// TestCohortIsConsistent checks every candidate of a cohort against the
// domain's rules, replaying each journey through the state machines.
func TestCohortIsConsistent(t *testing.T) {
	t.Parallel()

	for _, o := range []simulate.Options{
		options(5, 2000, 60),
		{Seed: 6, Candidates: 300, Orgs: 1, UsersPerOrg: 1, Now: now},
		{Seed: 8, Candidates: 300, Orgs: 2, Now: time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
	} {
		checkCohort(t, o, generate(t, o))
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func checkCohort(t *testing.T, o simulate.Options, cohort simulate.Cohort) {
	t.Helper()
	now := o.Now.UTC()

	ids := map[string]bool{}
	id := func(s string) {
		t.Helper()
		require.Regexp(t, uuidV4, s)
		require.False(t, ids[s], "ID %s repeated", s)
		ids[s] = true
	}
	orgs := map[string]simulate.Org{}
	for _, org := range cohort.Orgs {
		id(org.ID)
		orgs[org.ID] = org
		for _, u := range org.Users {
			id(u.ID)
		}
	}
	isUserOf := func(org simulate.Org, userID string) bool {
		return slices.ContainsFunc(org.Users, func(u simulate.OrgUser) bool { return u.ID == userID })
	}

	require.Len(t, cohort.Candidates, o.Candidates)
	for i, c := range cohort.Candidates {
		msg := fmt.Sprintf("candidate %d", i)
		id(c.ID)
		id(c.UserID)
		require.Equal(t, fmt.Sprintf("candidate-%d@example.test", i), c.Email, msg)
		requireTestEmail(t, c.Email)

		// Profile: valid now and at registration, 18 to 65 when registering.
		require.Equal(t, c.Profile, c.Profile.Normalize(), msg)
		require.NoError(t, c.Profile.Validate(now), msg)
		require.NoError(t, c.Profile.Validate(c.RegisteredAt), msg)
		require.GreaterOrEqual(t, sim.AgeOn(c.Profile.DateOfBirth, c.RegisteredAt), 18, msg)
		require.LessOrEqual(t, sim.AgeOn(c.Profile.DateOfBirth, c.RegisteredAt), 65, msg)
		require.GreaterOrEqual(t, len(c.Profile.Skills), 2, msg)
		require.LessOrEqual(t, len(c.Profile.Skills), 6, msg)
		require.Len(t, slices.Compact(slices.Sorted(slices.Values(c.Profile.Skills))), len(c.Profile.Skills), msg)
		require.False(t, c.RegisteredAt.Before(now.AddDate(-3, 0, 0)), msg)
		require.True(t, c.RegisteredAt.Before(now), msg)
		require.Zero(t, c.RegisteredAt.Nanosecond(), "%s: whole seconds", msg)
		require.True(t, slices.IsSortedFunc(c.Interests, func(a, b simulate.Interest) int { return a.OpenedAt.Compare(b.OpenedAt) }), msg)

		if len(sim.DefaultSpotCheckPolicy.Sample(c.ID, c.Profile)) == 0 {
			require.Equal(t, sim.VerificationUnchecked, c.Verification, msg)
		} else {
			require.Contains(t, []sim.Verification{sim.VerificationSampled, sim.VerificationVerified, sim.VerificationRejected}, c.Verification, msg)
		}

		// The candidate's journey replays.
		j, _, err := sim.Transition(sim.Journey{}, sim.Command{Kind: sim.CmdInvite}, c.RegisteredAt)
		require.NoError(t, err, msg)
		j, _, err = sim.Transition(j, sim.Command{Kind: sim.CmdRegister, Profile: c.Profile}, c.RegisteredAt)
		require.NoError(t, err, msg)
		horizon := now
		switch c.Status {
		case sim.StatusRegistered:
			require.True(t, c.ClosedAt.IsZero(), msg)
		case sim.StatusPlaced, sim.StatusWithdrawn:
			cmd := sim.CmdPlace
			if c.Status == sim.StatusWithdrawn {
				cmd = sim.CmdWithdraw
			}
			j, _, err = sim.Transition(j, sim.Command{Kind: cmd}, c.ClosedAt)
			require.NoError(t, err, msg)
			require.True(t, c.ClosedAt.After(c.RegisteredAt), msg)
			require.False(t, c.ClosedAt.After(now), msg)
			horizon = c.ClosedAt
		default:
			require.Failf(t, "unexpected status", "%s: %s", msg, c.Status)
		}
		require.Equal(t, c.Status, j.Status, msg)

		require.NotEmpty(t, c.Interests, msg)
		require.LessOrEqual(t, len(c.Interests), 3, msg)
		chosen := map[string]bool{}
		placed := 0
		for _, in := range c.Interests {
			id(in.ID)
			org, ok := orgs[in.OrgID]
			require.True(t, ok, msg)
			require.False(t, chosen[in.OrgID], "%s chose an organisation twice", msg)
			chosen[in.OrgID] = true

			require.False(t, in.OpenedAt.Before(c.RegisteredAt), msg)
			require.False(t, in.OpenedAt.After(horizon), msg)
			require.Equal(t, in.State, replay(t, in), msg)
			prev := in.OpenedAt
			for _, iv := range in.Interventions {
				id(iv.ID)
				require.True(t, iv.At.After(prev), "%s: interventions after the interest opened, in order", msg)
				require.False(t, iv.At.After(horizon), msg)
				require.True(t, isUserOf(org, iv.By), msg)
				y, m, d := iv.At.Date()
				require.Equal(t, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), iv.On, msg)
				prev = iv.At
			}
			if in.State == sim.InterestRemoved {
				require.True(t, in.RemovedAt.After(prev), msg)
				require.False(t, in.RemovedAt.After(horizon), msg)
			} else {
				require.True(t, in.RemovedAt.IsZero(), msg)
			}
			if in.State == sim.InterestPlaced {
				placed++
				require.Equal(t, c.ClosedAt, in.Interventions[len(in.Interventions)-1].At, msg)
			}

			prev = in.OpenedAt
			for q, m := range in.Messages {
				id(m.ID)
				require.True(t, m.At.After(prev), "%s: messages after the interest opened, in order", msg)
				require.False(t, m.At.After(horizon), msg)
				require.NotEmpty(t, m.Body, msg)
				if m.FromCandidate {
					require.Equal(t, c.UserID, m.AuthorID, msg)
				} else {
					require.True(t, isUserOf(org, m.AuthorID), msg)
				}
				if q > 0 {
					require.NotEqual(t, in.Messages[q-1].FromCandidate, m.FromCandidate, "%s: sides take turns", msg)
				}
				prev = m.At
			}
			require.LessOrEqual(t, len(in.Messages), 4, msg)
		}
		if c.Status == sim.StatusPlaced {
			require.Equal(t, 1, placed, msg)
		} else {
			require.Zero(t, placed, msg)
		}
	}
}

// replay rebuilds an interest's state from its history through the
// interest state machine.
func replay(t *testing.T, in simulate.Interest) sim.InterestState {
	t.Helper()
	s, _, err := sim.ExpressInterest(sim.Interest{}, in.OpenedAt)
	require.NoError(t, err)
	for _, iv := range in.Interventions {
		s, _, err = sim.RecordIntervention(s, iv.Intervention, iv.At)
		require.NoError(t, err)
	}
	if !in.RemovedAt.IsZero() {
		s, _, err = sim.RemoveInterest(s, in.RemovedAt)
		require.NoError(t, err)
	}
	require.Equal(t, in.OpenedAt, s.OpenedAt)
	return s.State
}

func requireTestEmail(t *testing.T, email string) {
	t.Helper()
	normal, err := sim.NormalizeEmail(email)
	require.NoError(t, err)
	require.Equal(t, email, normal)
	require.Regexp(t, `@example\.test$`, email)
}

// TestDistribution checks the cohort's shares roughly: the weights are
// guesses, the test only keeps them from drifting somewhere absurd.
func TestDistribution(t *testing.T) {
	t.Parallel()

	const n = 5000
	cohort := generate(t, options(2026, n, 100))

	statuses := map[sim.Status]int{}
	regions := map[sim.Region]int{}
	connections := map[sim.Connection]int{}
	sources := map[sim.Source]int{}
	verifications := map[sim.Verification]int{}
	states := map[sim.InterestState]int{}
	kinds := map[sim.InterventionKind]int{}
	sharing, interests, messages, phones := 0, 0, 0, 0
	for _, c := range cohort.Candidates {
		statuses[c.Status]++
		regions[c.Profile.Region]++
		connections[c.Profile.Connection]++
		sources[c.Profile.HeardAbout]++
		verifications[c.Verification]++
		if c.Sharing {
			sharing++
		}
		if c.Profile.Phone != "" {
			phones++
		}
		for _, in := range c.Interests {
			interests++
			states[in.State]++
			messages += len(in.Messages)
			for _, iv := range in.Interventions {
				kinds[iv.Kind]++
			}
		}
	}
	share := func(k, of int) float64 { return float64(k) / float64(of) }
	within := func(what string, got, lo, hi float64) {
		t.Helper()
		require.True(t, got >= lo && got <= hi, "%s: %.3f not within %.3f–%.3f", what, got, lo, hi)
	}

	within("placed", share(statuses[sim.StatusPlaced], n), 0.03, 0.08)
	within("withdrawn", share(statuses[sim.StatusWithdrawn], n), 0.03, 0.08)
	within("registered", share(statuses[sim.StatusRegistered], n), 0.85, 0.94)
	within("sharing", share(sharing, n), 0.92, 0.98)
	within("phone", share(phones, n), 0.5, 0.7)
	within("other family member", share(connections[sim.ConnOtherFamilyMember], n), 0.015, 0.05)
	require.Greater(t, connections[sim.ConnVeteran]+connections[sim.ConnServiceLeaver], n/2)
	require.Greater(t, regions["south_west"], regions["london"])
	for _, r := range sim.Regions {
		require.NotZero(t, regions[r], "region %s", r)
	}
	for _, c := range sim.Connections {
		require.NotZero(t, connections[c], "connection %s", c)
	}
	for _, s := range sim.Sources {
		require.NotZero(t, sources[s], "source %s", s)
	}
	require.Greater(t, sources["career_transition_partnership"], sources["website"])

	checked := n - verifications[sim.VerificationUnchecked]
	within("spot checked", share(checked, n), 0.09, 0.17)
	require.Greater(t, verifications[sim.VerificationVerified], verifications[sim.VerificationSampled])
	require.NotZero(t, verifications[sim.VerificationRejected])

	within("interests per candidate", share(interests, n), 1.5, 1.9)
	within("interested or contacted", share(states[sim.InterestInterested]+states[sim.InterestContacted], interests), 0.5, 0.75)
	within("not progressed", share(states[sim.InterestNotProgressed], interests), 0.06, 0.14)
	within("removed", share(states[sim.InterestRemoved], interests), 0.025, 0.08)
	for _, s := range sim.InterestStates {
		if s == sim.InterestLapsed {
			continue // the retention sweep's to make, which a generated cohort has not met
		}
		require.NotZero(t, states[s], "interest state %s", s)
	}
	for _, k := range sim.InterventionKinds {
		require.NotZero(t, kinds[k], "intervention kind %s", k)
	}
	within("messages per interest", share(messages, interests), 1.0, 2.2)
}

func BenchmarkEach(b *testing.B) {
	o := options(1, 10000, 200)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := o.Each(func(simulate.Candidate) error {
			n++
			return nil
		})
		require.NoError(b, err)
		require.Equal(b, 10000, n)
	}
}
