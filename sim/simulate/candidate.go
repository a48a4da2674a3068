package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/muster-cms/muster/sim"
)

const (
	day = 24 * time.Hour
	// placedAfter is how long a candidate must have been on the
	// programme to be placed: a placement takes weeks.
	placedAfter = 30 * day
	// queueFor is how long a sampled registration waits before the
	// operator decides on it.
	queueFor = 14 * day
	// sameRegion is the share of choices made among the organisations
	// of the candidate's own region, when it has any.
	sameRegion = 0.7
)

// generator makes the candidates of one cohort. It reuses one random
// source, reseeded per candidate, so it is not safe for concurrent use.
type generator struct {
	seed     uint64
	n        int
	now      time.Time
	from     time.Time // registrations are after from
	orgs     []Org
	byRegion map[sim.Region][]int // indexes into orgs
	src      rand.PCG
	r        *rand.Rand
}

func newGenerator(o Options, orgs []Org) *generator {
	now := o.now()
	g := &generator{
		seed: o.Seed, n: o.Candidates, now: now, from: now.AddDate(-3, 0, 0),
		orgs: orgs, byRegion: make(map[sim.Region][]int),
	}
	g.r = rand.New(&g.src)
	for j, org := range orgs {
		g.byRegion[org.Details.Region] = append(g.byRegion[org.Details.Region], j)
	}
	return g
}

func (g *generator) each(fn func(Candidate) error) error {
	for i := range g.n {
		c, err := g.candidate(i)
		if err != nil {
			return fmt.Errorf("simulate: candidate %d: %w", i, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// candidate generates candidate i from its own stream.
func (g *generator) candidate(i int) (Candidate, error) {
	seedStream(&g.src, g.seed, domainCandidate, i)
	r := g.r
	c := Candidate{ID: newID(r), UserID: newID(r), Email: fmt.Sprintf("candidate-%d@example.test", i)}
	c.RegisteredAt = g.now.Add(-time.Duration(1+r.Int64N(int64(g.now.Sub(g.from)/time.Second))) * time.Second)
	c.Profile = newProfile(r, c.RegisteredAt)
	c.Sharing = chance(r, sharingShare)
	c.Verification = sim.VerificationUnchecked
	if len(sim.DefaultSpotCheckPolicy.Sample(c.ID, c.Profile)) > 0 {
		c.Verification = sim.VerificationSampled
		if g.now.Sub(c.RegisteredAt) >= queueFor {
			c.Verification = verificationOutcomes.pick(r)
		}
	}

	journey, err := register(c)
	if err != nil {
		return Candidate{}, err
	}
	onProgramme := g.now.Sub(c.RegisteredAt)
	outcome := r.Float64()
	placing := outcome < placedShare && onProgramme >= placedAfter
	withdrawing := outcome >= placedShare && outcome < placedShare+withdrawnShare && onProgramme >= day

	// Everything happens before the candidate leaves: an organisation
	// no longer sees a placed or withdrawn candidate.
	horizon := g.now
	if withdrawing {
		horizon = c.RegisteredAt.Add(time.Hour + time.Duration(r.Int64N(int64((onProgramme-time.Hour)/time.Second)))*time.Second)
	}
	chosen := g.chooseOrgs(r, c.Profile.Region, min(interestCounts.pick(r), len(g.orgs)))
	placedThrough := -1
	if placing {
		placedThrough = r.IntN(len(chosen))
	}
	opened := make([]time.Time, len(chosen))
	for q := range opened {
		opened[q] = openedAt(r, c.RegisteredAt, horizon, q == 0 || q == placedThrough)
	}
	c.Interests = make([]Interest, len(chosen))
	if placing {
		in, err := g.interest(r, &c, chosen[placedThrough], opened[placedThrough], horizon, sim.InterestPlaced)
		if err != nil {
			return Candidate{}, err
		}
		c.Interests[placedThrough] = in
		if in.State == sim.InterestPlaced {
			horizon = in.Interventions[len(in.Interventions)-1].At
			if journey, err = apply(journey, sim.CmdPlace, horizon); err != nil {
				return Candidate{}, err
			}
		}
	}
	for q, org := range chosen {
		if q == placedThrough {
			continue
		}
		if opened[q].After(horizon) {
			opened[q] = openedAt(r, c.RegisteredAt, horizon, true)
		}
		in, err := g.interest(r, &c, org, opened[q], horizon, funnel.pick(r))
		if err != nil {
			return Candidate{}, err
		}
		c.Interests[q] = in
	}
	if withdrawing {
		if journey, err = apply(journey, sim.CmdWithdraw, horizon); err != nil {
			return Candidate{}, err
		}
	}
	slices.SortStableFunc(c.Interests, func(a, b Interest) int { return a.OpenedAt.Compare(b.OpenedAt) })
	c.Status = journey.Status
	c.ClosedAt = journey.ClosedAt
	return c, nil
}

// register takes c from nothing to registered through the journey state
// machine, which checks the profile as of the registration.
func register(c Candidate) (sim.Journey, error) {
	j, err := apply(sim.Journey{}, sim.CmdInvite, c.RegisteredAt)
	if err != nil {
		return j, err
	}
	j, _, err = sim.Transition(j, sim.Command{Kind: sim.CmdRegister, Profile: c.Profile}, c.RegisteredAt)
	if err != nil {
		return j, fmt.Errorf("register: %w", err)
	}
	return j, nil
}

func apply(j sim.Journey, kind sim.CommandKind, at time.Time) (sim.Journey, error) {
	j, _, err := sim.Transition(j, sim.Command{Kind: kind}, at)
	if err != nil {
		return j, fmt.Errorf("%s: %w", kind, err)
	}
	return j, nil
}

// openedAt is when a candidate registered at reg chose an organisation:
// in the minutes after registering (always for the first choice), or
// some weeks later; never after horizon.
func openedAt(r *rand.Rand, reg, horizon time.Time, sameSession bool) time.Time {
	var after time.Duration
	if sameSession || chance(r, 0.7) {
		after = time.Duration(1+r.IntN(30)) * time.Minute
	} else {
		after = time.Duration(r.ExpFloat64() * float64(20*day))
	}
	at := reg.Add(after.Truncate(time.Second))
	if at.After(horizon) {
		at = reg.Add(time.Duration(r.Int64N(int64(horizon.Sub(reg)/time.Second)+1)) * time.Second)
	}
	return at
}

// chooseOrgs picks k distinct organisations, mostly from the candidate's
// region.
func (g *generator) chooseOrgs(r *rand.Rand, region sim.Region, k int) []*Org {
	local := g.byRegion[region]
	idx := make([]int, 0, k)
	for len(idx) < k {
		var j int
		if len(local) > 0 && chance(r, sameRegion) {
			j = one(r, local)
		} else {
			j = r.IntN(len(g.orgs))
		}
		for tries := 0; slices.Contains(idx, j); tries++ {
			j = r.IntN(len(g.orgs))
			if tries >= 16 { // few organisations: take the first not yet chosen
				for j = 0; slices.Contains(idx, j); j++ {
				}
			}
		}
		idx = append(idx, j)
	}
	chosen := make([]*Org, k)
	for q, j := range idx {
		chosen[q] = &g.orgs[j]
	}
	return chosen
}

// newProfile makes up a profile for someone registering at reg.
func newProfile(r *rand.Rand, reg time.Time) sim.Profile {
	p := sim.Profile{
		FirstName:      one(r, firstNames),
		LastName:       one(r, lastNames),
		Connection:     connections.pick(r),
		Region:         candidateRegions.pick(r),
		HeardAbout:     sources.pick(r),
		JobPreferences: jobPreferences(r),
	}
	if chance(r, 0.6) {
		p.Phone = fmt.Sprintf("07700 900%03d", r.IntN(1000)) // Ofcom's range for drama
	}
	band := ageBands.pick(r)
	p.DateOfBirth = dateOfBirth(r, reg, band.from+r.IntN(band.to-band.from+1))
	p.Skills = make([]string, 0, 6)
	for n := 2 + r.IntN(5); len(p.Skills) < n; {
		if s := one(r, skills); !slices.Contains(p.Skills, s) {
			p.Skills = append(p.Skills, s)
		}
	}
	return p
}

// dateOfBirth is a date that makes someone exactly age on reg's date.
func dateOfBirth(r *rand.Rand, reg time.Time, age int) time.Time {
	y, m, d := reg.UTC().Date()
	dob := time.Date(y-age, m, d-r.IntN(365), 0, 0, 0, 0, time.UTC)
	for sim.AgeOn(dob, reg) < age { // 29 February
		dob = dob.AddDate(0, 0, -1)
	}
	for sim.AgeOn(dob, reg) > age {
		dob = dob.AddDate(0, 0, 1)
	}
	return dob
}

func jobPreferences(r *rand.Rand) string {
	if chance(r, 0.05) {
		return "" // optional, and some leave it blank
	}
	var b strings.Builder
	b.WriteString(one(r, prefOpeners))
	b.WriteByte(' ')
	b.WriteString(one(r, prefRoles))
	b.WriteString(one(r, prefHours))
	b.WriteByte('.')
	b.WriteString(one(r, prefExtra))
	return b.String()
}
