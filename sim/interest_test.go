package sim_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

// The spec of interests (DESIGN.md, "Journey model (sim)"), written out
// here rather than read from the package, so the tests below check the
// package against it and not against itself.

// specStages is the order an organisation moves an interest through.
var specStages = []sim.InterestState{
	"interested", "contacted", "engaged", "work_placement", "interviewing", "offered", "placed",
}

// specRank is an interest state's place in specStages, -1 for the states
// outside it (none, not_progressed, removed).
func specRank(s sim.InterestState) int { return slices.Index(specStages, s) }

// specFinal: nothing more can be recorded once an interest is placed or
// not_progressed.
func specFinal(s sim.InterestState) bool { return s == "placed" || s == "not_progressed" }

var specKinds = []sim.InterventionKind{
	"contacted", "information_day", "work_placement", "interview", "offer", "placed", "not_progressed",
}

// specAllowed is what may be recorded on an interest in state s, in
// journey order: anything short of a placement while the interest is
// before an offer, then a placement or not_progressed, then nothing.
func specAllowed(s sim.InterestState) []sim.InterventionKind {
	switch s {
	case "interested", "contacted", "engaged", "work_placement", "interviewing":
		return []sim.InterventionKind{"contacted", "information_day", "work_placement", "interview", "offer", "not_progressed"}
	case "offered":
		return []sim.InterventionKind{"placed", "not_progressed"}
	}
	return nil
}

// specTarget is the state an intervention brings an interest to, at least.
func specTarget(iv sim.Intervention) sim.InterestState {
	switch iv.Kind {
	case "information_day":
		if iv.Attended {
			return "engaged"
		}
		return "contacted"
	case "work_placement":
		return "work_placement"
	case "interview":
		return "interviewing"
	case "offer":
		return "offered"
	case "placed":
		return "placed"
	case "not_progressed":
		return "not_progressed"
	}
	return "contacted"
}

// specNext is where an accepted intervention leaves an interest in state
// s: not_progressed, or the further of s and the intervention's target.
func specNext(s sim.InterestState, iv sim.Intervention) sim.InterestState {
	target := specTarget(iv)
	if target == "not_progressed" || specRank(target) > specRank(s) {
		return target
	}
	return s
}

// specMove reports whether an interest may go from one state to another
// in one step: forward in the stage order; to not_progressed or removed
// from an open, non-final state (removed also from not_progressed); back
// to interested only when first chosen or chosen again after removal.
func specMove(from, to sim.InterestState) bool {
	switch {
	case from == to:
		return true
	case to == "removed":
		return (specRank(from) >= 0 && from != "placed") || from == "not_progressed"
	case to == "not_progressed":
		return specRank(from) >= 0 && from != "placed"
	case to == "interested":
		return from == "" || from == "removed"
	}
	return specRank(from) >= 0 && specRank(to) > specRank(from)
}

// interventionFaults lists the fields the spec finds wrong in iv as of
// now. The dates the generator draws are far from the limits (five years
// back, a year ahead, two years ahead for a placement's end), so calendar
// years serve here whatever the package's exact limit.
func interventionFaults(iv sim.Intervention, now time.Time) []string {
	var faults []string
	if !slices.Contains(specKinds, iv.Kind) {
		faults = append(faults, "kind")
	}
	if iv.On.IsZero() || iv.On.Before(now.AddDate(-5, 0, 0)) || iv.On.After(now.AddDate(1, 0, 0)) {
		faults = append(faults, "on")
	}
	if !iv.EndsOn.IsZero() && (iv.Kind != "work_placement" || iv.EndsOn.Before(iv.On) || iv.EndsOn.After(now.AddDate(2, 0, 0))) {
		faults = append(faults, "ends_on")
	}
	if iv.Attended && iv.Kind != "information_day" {
		faults = append(faults, "attended")
	}
	if iv.Direct && iv.Kind != "offer" {
		faults = append(faults, "direct")
	}
	if iv.Kind == "not_progressed" {
		if !slices.Contains(sim.NotProgressedReasons, iv.Reason) {
			faults = append(faults, "reason")
		}
	} else if iv.Reason != "" {
		faults = append(faults, "reason")
	}
	return faults
}

// rapid favours small integers, and the largest, when it draws from a
// range: in IntRange(0, 99), 0 and 1 come up about one time in ten each, 2
// and 3 one in twenty, 99 one in thirty and each of the rest about one in
// two hundred. The generators below are laid out for that: what should be
// common sits at the start of a list, and what should be rare is a single
// value in the middle or at the top of a range.

// drawnKinds weights the kinds an organisation records towards the ones
// that move an interest on, so that placements happen often enough.
var drawnKinds = []sim.InterventionKind{
	"interview", "offer", "placed", "work_placement", "contacted", "information_day",
	"interview", "offer", "placed", "work_placement", "contacted", "information_day",
	"not_progressed",
}

// drawIntervention draws an intervention that is mostly valid, and
// otherwise wrong in one or more ways: an unknown kind, a missing or
// out-of-range date, an end date on something that is not a work
// placement or before its start or too far ahead, attended or direct or a
// reason where they do not belong, a missing or unknown reason.
func drawIntervention(t *rapid.T, now time.Time) sim.Intervention {
	const day = 24 * time.Hour
	iv := sim.Intervention{Kind: rapid.SampledFrom(drawnKinds).Draw(t, "kind")}
	if rapid.IntRange(0, 19).Draw(t, "unknown kind?") == 19 {
		iv.Kind = rapid.SampledFrom([]sim.InterventionKind{"", "hired", "Offer", "information day"}).Draw(t, "unknown kind")
	}
	switch rapid.IntRange(0, 39).Draw(t, "on case") {
	case 20: // missing
	case 30:
		iv.On = now.AddDate(-6, 0, 0)
	case 39:
		iv.On = now.AddDate(1, 2, 0)
	default:
		iv.On = now.Add(time.Duration(rapid.IntRange(-60, 60).Draw(t, "on days")) * day)
	}
	if odds(t, "ends_on?", iv.Kind == "work_placement") {
		switch rapid.IntRange(0, 4).Draw(t, "ends_on case") {
		case 0, 1:
			iv.EndsOn = iv.On.Add(time.Duration(rapid.IntRange(1, 200).Draw(t, "length days")) * day)
		case 2:
			iv.EndsOn = iv.On
		case 3:
			iv.EndsOn = iv.On.Add(-day) // ends before it starts
		case 4:
			iv.EndsOn = now.AddDate(3, 0, 0)
		}
	}
	iv.Attended = odds(t, "attended", iv.Kind == "information_day")
	iv.Direct = odds(t, "direct", iv.Kind == "offer")
	if iv.Kind == "not_progressed" {
		switch rapid.IntRange(0, 9).Draw(t, "reason case") {
		case 8: // missing
		case 9:
			iv.Reason = rapid.SampledFrom([]sim.NotProgressedReason{"bogus", "Other", " other"}).Draw(t, "unknown reason")
		default:
			iv.Reason = rapid.SampledFrom(sim.NotProgressedReasons).Draw(t, "reason")
		}
	} else if odds(t, "stray reason?", false) {
		iv.Reason = "other"
	}
	return iv
}

// odds draws true about two times in five where it belongs, one in twenty
// where it does not.
func odds(t *rapid.T, label string, belongs bool) bool {
	v := rapid.IntRange(0, 19).Draw(t, label)
	if belongs {
		return v >= 10
	}
	return v == 19
}

type modelCommand int

const (
	cmdIntervention modelCommand = iota
	cmdExpress
	cmdRemove
	cmdConsent
	cmdSample
	cmdDecide
	cmdWithdraw
)

// modelCommands: about two in five steps record an intervention, one in
// four expresses interest, one in a hundred withdraws the candidate.
var modelCommands = func() []modelCommand {
	cs := []modelCommand{cmdIntervention, cmdExpress, cmdIntervention, cmdExpress}
	for _, w := range []struct {
		c modelCommand
		n int
	}{
		{cmdIntervention, 20}, {cmdExpress, 8}, {cmdRemove, 5}, {cmdConsent, 6}, {cmdSample, 3}, {cmdDecide, 10},
		{cmdIntervention, 20}, {cmdExpress, 7}, {cmdRemove, 5}, {cmdConsent, 6}, {cmdSample, 3}, {cmdDecide, 10},
		{cmdWithdraw, 2},
	} {
		for range w.n {
			cs = append(cs, w.c)
		}
	}
	return append(cs, cmdIntervention)
}()

// decisionReason is an operator's reason for a verification decision,
// with what the spec makes of it.
type decisionReason struct {
	text     string
	blank    bool // empty once surrounding space is trimmed
	rejectOK bool // acceptable as the reason for a rejection
}

var decisionReasons = []decisionReason{
	{"", true, false},
	{"   \n\t", true, false},
	{"no evidence of the connection", false, true},
	{"  the service number does not match  ", false, true},
	{"line one\nline two", false, true},
	{"bad\x00byte", false, false},
	{"right\u202eto left", false, false},
	{"crlf\r\nline", false, false},
	{strings.Repeat("é", 500), false, true},
	{strings.Repeat("x", 501), false, false},
}

const modelOrgs = 3

// candidateSystem is the real state of one candidate as the data layer
// would hold it, changed only by what the package's functions return.
type candidateSystem struct {
	journey   sim.Journey
	sharing   bool
	verif     sim.Verification
	interests [modelOrgs]sim.Interest
}

// candidateModel is the test's own bookkeeping of the command history,
// from which it predicts what the package must do. It never calls the
// package's rules.
type candidateModel struct {
	sharing   bool // the last consent given
	verif     sim.Verification
	rejected  bool // a spot check ever rejected the registration
	withdrawn bool
	placedBy  int // the organisation that placed the candidate, or -1
	// chosen: the candidate's last accepted interest command for the
	// organisation was to express interest (not followed by a removal).
	chosen [modelOrgs]bool
	state  [modelOrgs]sim.InterestState
	// heard: an interview or a work placement was accepted on the interest
	// since it was last expressed.
	heard [modelOrgs]bool
}

func (m *candidateModel) registered() bool { return !m.withdrawn && m.placedBy < 0 }

func (m *candidateModel) status() sim.Status {
	switch {
	case m.withdrawn:
		return sim.StatusWithdrawn
	case m.placedBy >= 0:
		return sim.StatusPlaced
	}
	return sim.StatusRegistered
}

// sees is the visibility rule, from the bookkeeping alone.
func (m *candidateModel) sees(org int, keepPlacedWithPlacer bool) bool {
	switch {
	case !m.sharing, m.rejected, m.withdrawn:
		return false
	case m.placedBy >= 0:
		return keepPlacedWithPlacer && m.placedBy == org
	}
	return m.chosen[org]
}

// modelStats counts what the random runs exercised, so a generator that
// stopped reaching placements, refusals or any state that hides a
// candidate would show.
type modelStats struct {
	steps, accepted, refused, harnessRefused  atomic.Int64
	placements, placementsRolledBack, offers  atomic.Int64
	offersRefused, visibleToPlacer, invalidIv atomic.Int64
	// Steps that took a candidate into a state that hides them from
	// every organisation.
	withdrawn, rejected, consentOff atomic.Int64
}

// reached counts the hiding states a step took the candidate into.
func (s *modelStats) reached(before, after *candidateSystem) {
	if before.journey.Status != sim.StatusWithdrawn && after.journey.Status == sim.StatusWithdrawn {
		s.withdrawn.Add(1)
	}
	if before.verif != sim.VerificationRejected && after.verif == sim.VerificationRejected {
		s.rejected.Add(1)
	}
	if before.sharing && !after.sharing {
		s.consentOff.Add(1)
	}
}

func requireRefused(t require.TestingT, err error) {
	require.Error(t, err)
	require.Contains(t, []string{sim.ECONFLICT, sim.EINVALID}, sim.ErrorCode(err), "refusal %v", err)
}

func requireJourneyEvent(t require.TestingT, before, after sim.Journey, events []sim.Event, typ sim.EventType, now time.Time) {
	require.Len(t, events, 1)
	ev := events[0]
	require.NotEmpty(t, ev.Type)
	require.Equal(t, typ, ev.Type)
	require.Equal(t, before.Status, ev.From)
	require.Equal(t, after.Status, ev.To)
	require.True(t, ev.At.Equal(now))
}

func requireInterestEvent(t require.TestingT, before, after sim.Interest, ev sim.InterestEvent, typ sim.EventType, now time.Time) {
	require.NotEmpty(t, ev.Type)
	require.Equal(t, typ, ev.Type)
	require.Equal(t, before.State, ev.From)
	require.Equal(t, after.State, ev.To)
	require.True(t, ev.At.Equal(now))
}

// TestCandidateModel runs random sequences of commands against one
// registered candidate and three organisations, as the data layer will
// apply them, and checks after every step that the package did what the
// spec says: one event per accepted command, refusals with ECONFLICT or
// EINVALID that change nothing, visibility as the history implies it
// under both policies, interests that only move forward, and offers only
// after an interview or work placement or when direct.
func TestCandidateModel(t *testing.T) {
	t.Parallel()
	var stats modelStats
	rapid.Check(t, func(t *rapid.T) {
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		sys := candidateSystem{verif: sim.VerificationUnchecked}
		j, _, err := sim.Transition(sim.Journey{}, sim.Command{Kind: sim.CmdInvite}, now)
		require.NoError(t, err)
		sys.journey, _, err = sim.Transition(j, sim.Command{Kind: sim.CmdRegister, Profile: validProfile(now)}, now)
		require.NoError(t, err)
		sys.sharing = rapid.Bool().Draw(t, "consent at registration")
		m := candidateModel{sharing: sys.sharing, verif: sim.VerificationUnchecked, placedBy: -1}
		checkCandidate(t, &sys, &sys, &m, &stats)

		// Long runs are the common case; a failing run stops at the step
		// that fails, so shrinking still finds a short one.
		steps := 60 - rapid.IntRange(0, 59).Draw(t, "steps short of 60")
		for range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 3*24*60).Draw(t, "minutes")) * time.Minute)
			before := sys
			accepted := false
			org := rapid.IntRange(0, modelOrgs-1).Draw(t, "org")
			switch rapid.SampledFrom(modelCommands).Draw(t, "command") {
			case cmdWithdraw:
				accepted = stepWithdraw(t, &sys, &m, now)
			case cmdConsent:
				sys.sharing = rapid.Bool().Draw(t, "consent")
				m.sharing = sys.sharing
				accepted = true
			case cmdSample:
				// The registration enters the verification queue: the data
				// layer's doing, from unchecked only.
				if sys.verif == sim.VerificationUnchecked {
					sys.verif, m.verif = sim.VerificationSampled, sim.VerificationSampled
					accepted = true
				}
			case cmdDecide:
				accepted = stepDecide(t, &sys, &m)
			case cmdExpress:
				accepted = stepExpress(t, &sys, &m, org, now, &stats)
			case cmdRemove:
				accepted = stepRemove(t, &sys, &m, org, now, &stats)
			case cmdIntervention:
				accepted = stepIntervention(t, &sys, &m, org, now, &stats)
			}
			stats.steps.Add(1)
			stats.reached(&before, &sys)
			if accepted {
				stats.accepted.Add(1)
			} else {
				stats.refused.Add(1)
				require.Equal(t, before, sys, "a refused command changed the candidate")
			}
			checkCandidate(t, &before, &sys, &m, &stats)
		}
	})
	t.Logf("steps %d, accepted %d, refused %d (by the harness %d), invalid interventions %d, offers %d, offers refused for want of an interview %d, placements %d, placements refused by the journey %d, placed candidate visible to placer %d, withdrawn %d, rejected %d, consent withdrawn %d",
		stats.steps.Load(), stats.accepted.Load(), stats.refused.Load(), stats.harnessRefused.Load(), stats.invalidIv.Load(),
		stats.offers.Load(), stats.offersRefused.Load(), stats.placements.Load(), stats.placementsRolledBack.Load(),
		stats.visibleToPlacer.Load(), stats.withdrawn.Load(), stats.rejected.Load(), stats.consentOff.Load())
	if t.Failed() || stats.steps.Load() < 2000 {
		return // a failure said enough, or -rapid.checks asked for a short run
	}
	require.Positive(t, stats.placements.Load(), "no run placed the candidate")
	require.Positive(t, stats.offers.Load(), "no run made an offer")
	require.Positive(t, stats.harnessRefused.Load(), "no interest command came after the candidate left")
	require.Positive(t, stats.invalidIv.Load(), "no invalid intervention was drawn")
	require.Positive(t, stats.withdrawn.Load(), "no run withdrew the candidate")
	require.Positive(t, stats.rejected.Load(), "no run rejected the candidate in a spot check")
	require.Positive(t, stats.consentOff.Load(), "no run withdrew the candidate's consent")
}

// checkCandidate checks what must hold after every step.
func checkCandidate(t *rapid.T, before, sys *candidateSystem, m *candidateModel, stats *modelStats) {
	require.Equal(t, m.status(), sys.journey.Status)
	require.Equal(t, m.verif, sys.verif)
	for org := range modelOrgs {
		from, to := before.interests[org].State, sys.interests[org].State
		require.Equal(t, m.state[org], to, "organisation %d's interest", org)
		require.True(t, specMove(from, to), "organisation %d's interest moved %q → %q", org, from, to)
	}
	facts := sim.CandidateFacts{Status: sys.journey.Status, Sharing: sys.sharing, Verification: sys.verif}
	for _, keep := range []bool{false, true} {
		p := sim.VisibilityPolicy{KeepPlacedWithPlacer: keep}
		for org := range modelOrgs {
			got := p.OrgSees(facts, sys.interests[org].State)
			require.Equal(t, m.sees(org, keep), got,
				"KeepPlacedWithPlacer=%v: does organisation %d see %+v with its interest %q?", keep, org, facts, sys.interests[org].State)
			if got && keep && sys.journey.Status == sim.StatusPlaced {
				stats.visibleToPlacer.Add(1)
			}
		}
	}
}

func stepWithdraw(t *rapid.T, sys *candidateSystem, m *candidateModel, now time.Time) bool {
	next, events, err := sim.Transition(sys.journey, sim.Command{Kind: sim.CmdWithdraw}, now)
	if !m.registered() {
		requireRefused(t, err)
		require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
		require.Equal(t, sys.journey, next)
		require.Empty(t, events)
		return false
	}
	require.NoError(t, err)
	requireJourneyEvent(t, sys.journey, next, events, sim.EventWithdrawn, now)
	sys.journey = next
	m.withdrawn = true
	return true
}

func stepDecide(t *rapid.T, sys *candidateSystem, m *candidateModel) bool {
	outcome := rapid.SampledFrom([]sim.Verification{
		sim.VerificationVerified, sim.VerificationRejected, sim.VerificationUnchecked, sim.VerificationSampled, "approved",
	}).Draw(t, "outcome")
	reason := rapid.SampledFrom(decisionReasons).Draw(t, "decision reason")
	got, err := sim.DecideVerification(sys.verif, outcome, reason.text)
	var want string
	switch {
	case outcome != sim.VerificationVerified && outcome != sim.VerificationRejected:
		want = sim.EINVALID
	case outcome == sim.VerificationVerified && !reason.blank:
		want = sim.EINVALID
	case outcome == sim.VerificationRejected && !reason.rejectOK:
		want = sim.EINVALID
	case m.verif != sim.VerificationSampled:
		want = sim.ECONFLICT
	}
	if want != "" {
		requireRefused(t, err)
		require.Equal(t, want, sim.ErrorCode(err), "%q, %q, %q: %v", sys.verif, outcome, reason.text, err)
		require.Equal(t, sys.verif, got)
		return false
	}
	require.NoError(t, err)
	require.Equal(t, outcome, got)
	sys.verif, m.verif = got, outcome
	if outcome == sim.VerificationRejected {
		m.rejected = true
	}
	return true
}

func stepExpress(t *rapid.T, sys *candidateSystem, m *candidateModel, org int, now time.Time, stats *modelStats) bool {
	if sys.journey.Status != sim.StatusRegistered {
		stats.harnessRefused.Add(1) // the data layer takes choices from registered candidates only
		return false
	}
	in := sys.interests[org]
	next, ev, err := sim.ExpressInterest(in, now)
	if m.chosen[org] {
		requireRefused(t, err)
		require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
		require.Equal(t, in, next)
		require.Zero(t, ev)
		return false
	}
	require.NoError(t, err)
	requireInterestEvent(t, in, next, ev, sim.EventInterestExpressed, now)
	require.Equal(t, sim.InterestInterested, next.State)
	require.False(t, next.Interviewed || next.WorkPlaced, "an interest chosen again must start afresh")
	require.True(t, next.OpenedAt.Equal(now))
	sys.interests[org] = next
	m.chosen[org], m.state[org], m.heard[org] = true, "interested", false
	return true
}

func stepRemove(t *rapid.T, sys *candidateSystem, m *candidateModel, org int, now time.Time, stats *modelStats) bool {
	if sys.journey.Status != sim.StatusRegistered {
		stats.harnessRefused.Add(1)
		return false
	}
	in := sys.interests[org]
	next, ev, err := sim.RemoveInterest(in, now)
	if !m.chosen[org] || m.state[org] == "placed" {
		requireRefused(t, err)
		require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
		require.Equal(t, in, next)
		require.Zero(t, ev)
		return false
	}
	require.NoError(t, err)
	requireInterestEvent(t, in, next, ev, sim.EventInterestRemoved, now)
	require.Equal(t, sim.InterestRemoved, next.State)
	sys.interests[org] = next
	m.chosen[org], m.state[org] = false, "removed"
	return true
}

func stepIntervention(t *rapid.T, sys *candidateSystem, m *candidateModel, org int, now time.Time, stats *modelStats) bool {
	iv := drawIntervention(t, now)
	in := sys.interests[org]
	next, ev, err := sim.RecordIntervention(in, iv, now)
	faults := interventionFaults(iv, now)
	var want string
	switch {
	case len(faults) > 0:
		want = sim.EINVALID
		stats.invalidIv.Add(1)
	case !slices.Contains(specAllowed(m.state[org]), iv.Kind):
		want = sim.ECONFLICT
	case iv.Kind == "offer" && !iv.Direct && !m.heard[org]:
		want = sim.ECONFLICT
		stats.offersRefused.Add(1)
	}
	if want != "" {
		requireRefused(t, err)
		require.Equal(t, want, sim.ErrorCode(err), "%+v on %+v: %v", iv, in, err)
		if want == sim.EINVALID {
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Contains(t, faults, e.Field, "%+v: %v", iv, err)
		}
		require.Equal(t, in, next)
		require.Zero(t, ev)
		return false
	}
	require.NoError(t, err, "%+v on %+v", iv, in)
	requireInterestEvent(t, in, next, ev, sim.InterventionEvent(iv.Kind), now)
	require.False(t, specFinal(in.State), "%s accepted on a final interest (%s)", iv.Kind, in.State)
	if iv.Kind == "offer" {
		require.True(t, iv.Direct || m.heard[org], "an offer accepted with no interview or work placement since the interest was chosen")
		stats.offers.Add(1)
	}
	require.Equal(t, specNext(in.State, iv), next.State, "%+v on %+v", iv, in)
	require.True(t, next.State == "not_progressed" || specRank(next.State) >= specRank(in.State),
		"%s moved the interest back from %s to %s", iv.Kind, in.State, next.State)

	if iv.Kind == "placed" {
		// The data layer places the candidate in the same transaction:
		// if the journey refuses, nothing is recorded.
		placed, events, err := sim.Transition(sys.journey, sim.Command{Kind: sim.CmdPlace}, now)
		if !m.registered() {
			requireRefused(t, err)
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
			require.Equal(t, sys.journey, placed)
			require.Empty(t, events)
			stats.placementsRolledBack.Add(1)
			return false
		}
		require.NoError(t, err)
		requireJourneyEvent(t, sys.journey, placed, events, sim.EventPlaced, now)
		sys.journey = placed
		m.placedBy = org
		stats.placements.Add(1)
	}
	sys.interests[org] = next
	m.state[org] = next.State
	if iv.Kind == "interview" || iv.Kind == "work_placement" {
		m.heard[org] = true
	}
	return true
}

func TestAllowedInterventions(t *testing.T) {
	t.Parallel()
	for _, s := range append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...) {
		require.Equal(t, specAllowed(s), nilIfEmpty(sim.AllowedInterventions(s)), "from %q", s)
	}
	require.ElementsMatch(t, specKinds, sim.InterventionKinds)
	require.Equal(t, specKinds, sim.InterventionKinds, "in journey order")
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// validIntervention is a valid intervention of kind k recorded the day
// before now (an offer says it was direct, so it needs no interview).
func validIntervention(k sim.InterventionKind, now time.Time) sim.Intervention {
	iv := sim.Intervention{Kind: k, On: now.AddDate(0, 0, -1)}
	switch k {
	case sim.InterventionNotProgressed:
		iv.Reason = "no_suitable_vacancy"
	case sim.InterventionOffer:
		iv.Direct = true
	}
	return iv
}

func TestInterventionValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	type tcase struct {
		name  string
		iv    sim.Intervention
		field string
	}
	var cases []tcase
	add := func(name string, k sim.InterventionKind, edit func(iv *sim.Intervention), field string) {
		iv := validIntervention(k, now)
		edit(&iv)
		cases = append(cases, tcase{string(k) + ": " + name, iv, field})
	}
	for _, k := range sim.InterventionKinds {
		add("valid", k, func(iv *sim.Intervention) {}, "")
		add("today", k, func(iv *sim.Intervention) { iv.On = now }, "")
		add("no date", k, func(iv *sim.Intervention) { iv.On = time.Time{} }, "on")
		add("five years ago", k, func(iv *sim.Intervention) { iv.On = now.AddDate(-5, 0, 0) }, "")
		add("five years and a week ago", k, func(iv *sim.Intervention) { iv.On = now.AddDate(-5, 0, -7) }, "on")
		add("in a year", k, func(iv *sim.Intervention) { iv.On = now.AddDate(1, 0, 0) }, "")
		add("in a year and a week", k, func(iv *sim.Intervention) { iv.On = now.AddDate(1, 0, 7) }, "on")
		add("in 1900", k, func(iv *sim.Intervention) { iv.On = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }, "on")
		endField, attendedField, directField, strayReasonField := "ends_on", "attended", "direct", "reason"
		switch k {
		case sim.InterventionWorkPlacement:
			endField = ""
		case sim.InterventionInfoDay:
			attendedField = ""
		case sim.InterventionOffer:
			directField = ""
		case sim.InterventionNotProgressed:
			strayReasonField = ""
		}
		add("with an end date", k, func(iv *sim.Intervention) { iv.EndsOn = iv.On.AddDate(0, 0, 14) }, endField)
		add("attended", k, func(iv *sim.Intervention) { iv.Attended = true }, attendedField)
		add("direct", k, func(iv *sim.Intervention) { iv.Direct = true }, directField)
		add("not direct", k, func(iv *sim.Intervention) { iv.Direct = false }, "")
		add("reason other", k, func(iv *sim.Intervention) { iv.Reason = "other" }, strayReasonField)
	}
	wp := sim.InterventionWorkPlacement
	add("ends before it starts", wp, func(iv *sim.Intervention) { iv.EndsOn = iv.On.Add(-time.Second) }, "ends_on")
	add("ends the day it starts", wp, func(iv *sim.Intervention) { iv.EndsOn = iv.On }, "")
	add("ends in two years", wp, func(iv *sim.Intervention) { iv.EndsOn = now.AddDate(2, 0, 0) }, "")
	add("ends in two years and a week", wp, func(iv *sim.Intervention) { iv.EndsOn = now.AddDate(2, 0, 7) }, "ends_on")
	add("starts in a year, ends before it starts", wp, func(iv *sim.Intervention) {
		iv.On, iv.EndsOn = now.AddDate(1, 0, 0), now.AddDate(0, 11, 0)
	}, "ends_on")
	np := sim.InterventionNotProgressed
	add("no reason", np, func(iv *sim.Intervention) { iv.Reason = "" }, "reason")
	add("unknown reason", np, func(iv *sim.Intervention) { iv.Reason = "bogus" }, "reason")
	add("reason in capitals", np, func(iv *sim.Intervention) { iv.Reason = "OTHER" }, "reason")
	add("reason with a space", np, func(iv *sim.Intervention) { iv.Reason = "other " }, "reason")
	for _, r := range sim.NotProgressedReasons {
		add("reason "+string(r), np, func(iv *sim.Intervention) { iv.Reason = r }, "")
	}
	add("not attended", sim.InterventionInfoDay, func(iv *sim.Intervention) { iv.Attended = false }, "")
	for _, k := range []sim.InterventionKind{"", "hired", "Contacted", "information day", "intervention.offer"} {
		cases = append(cases, tcase{"unknown kind " + string(k), sim.Intervention{Kind: k, On: now}, "kind"})
	}
	cases = append(cases, tcase{"no kind, nothing else", sim.Intervention{}, "kind"})

	for _, tc := range cases {
		err := tc.iv.Validate(now)
		if tc.field == "" {
			require.NoError(t, err, tc.name)
			continue
		}
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%s: %v", tc.name, err)
		var e *sim.Error
		require.ErrorAs(t, err, &e, tc.name)
		require.Equal(t, tc.field, e.Field, "%s: %v", tc.name, err)
		require.NotEmpty(t, e.Message, tc.name)
		// RecordIntervention refuses it the same way before looking at the state.
		_, _, rerr := sim.RecordIntervention(sim.Interest{State: sim.InterestInterested}, tc.iv, now)
		require.Equal(t, err, rerr, tc.name)
	}
}

// The 409 of RecordIntervention lists exactly what may be recorded from
// the interest's state, and says "final" once nothing more can be.
func TestRecordInterventionRefusalMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	for _, s := range append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...) {
		allowed := sim.AllowedInterventions(s)
		names := make([]string, len(allowed))
		for i, k := range allowed {
			names[i] = string(k)
		}
		for _, k := range sim.InterventionKinds {
			in := sim.Interest{State: s, Interviewed: true, WorkPlaced: true}
			next, ev, err := sim.RecordIntervention(in, validIntervention(k, now), now)
			if slices.Contains(allowed, k) {
				require.NoError(t, err, "%s from %q", k, s)
				require.Equal(t, sim.InterventionEvent(k), ev.Type)
				continue
			}
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "%s from %q: %v", k, s, err)
			require.Equal(t, in, next)
			require.Zero(t, ev)
			msg := sim.ErrorMessage(err)
			require.True(t, strings.HasPrefix(msg, "cannot record "+strings.ReplaceAll(string(k), "_", " ")+" on an interest that is "), msg)
			switch {
			case specFinal(s):
				require.Contains(t, msg, "final", msg)
				require.NotContains(t, msg, "allowed", msg)
			case len(allowed) == 0: // not chosen, or removed
				require.NotContains(t, msg, "allowed", msg)
				require.NotContains(t, msg, "final", msg)
				require.Contains(t, msg, "nothing can be recorded", msg)
			default:
				require.NotContains(t, msg, "final", msg)
				_, list, ok := strings.Cut(msg, "; allowed from "+strings.ReplaceAll(string(s), "_", " ")+": ")
				require.True(t, ok, msg)
				require.Equal(t, names, strings.Split(list, ", "), msg)
			}
		}
	}
}

func TestRecordInterventionTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	day := now.AddDate(0, 0, -2)
	iv := func(k sim.InterventionKind, edit ...func(*sim.Intervention)) sim.Intervention {
		v := sim.Intervention{Kind: k, On: day}
		for _, e := range edit {
			e(&v)
		}
		return v
	}
	attended := func(v *sim.Intervention) { v.Attended = true }
	direct := func(v *sim.Intervention) { v.Direct = true }
	reason := func(v *sim.Intervention) { v.Reason = "candidate_declined" }
	cases := []struct {
		name string
		in   sim.Interest
		iv   sim.Intervention
		want sim.Interest // zero State: refused with code
		code string
	}{
		{"contact", sim.Interest{State: "interested"}, iv("contacted"), sim.Interest{State: "contacted"}, ""},
		{"contact after an interview stays at interviewing",
			sim.Interest{State: "interviewing", Interviewed: true}, iv("contacted"),
			sim.Interest{State: "interviewing", Interviewed: true}, ""},
		{"information day missed", sim.Interest{State: "interested"}, iv("information_day"), sim.Interest{State: "contacted"}, ""},
		{"information day attended", sim.Interest{State: "contacted"}, iv("information_day", attended), sim.Interest{State: "engaged"}, ""},
		{"information day missed when engaged", sim.Interest{State: "engaged"}, iv("information_day"), sim.Interest{State: "engaged"}, ""},
		{"work placement", sim.Interest{State: "engaged"}, iv("work_placement"), sim.Interest{State: "work_placement", WorkPlaced: true}, ""},
		{"work placement with an end", sim.Interest{State: "interested"},
			iv("work_placement", func(v *sim.Intervention) { v.EndsOn = day.AddDate(0, 0, 10) }),
			sim.Interest{State: "work_placement", WorkPlaced: true}, ""},
		{"work placement after an interview", sim.Interest{State: "interviewing", Interviewed: true}, iv("work_placement"),
			sim.Interest{State: "interviewing", Interviewed: true, WorkPlaced: true}, ""},
		{"interview", sim.Interest{State: "interested"}, iv("interview"), sim.Interest{State: "interviewing", Interviewed: true}, ""},
		{"offer after an interview", sim.Interest{State: "interviewing", Interviewed: true}, iv("offer"),
			sim.Interest{State: "offered", Interviewed: true}, ""},
		{"offer after a work placement", sim.Interest{State: "work_placement", WorkPlaced: true}, iv("offer"),
			sim.Interest{State: "offered", WorkPlaced: true}, ""},
		{"offer with neither", sim.Interest{State: "engaged"}, iv("offer"), sim.Interest{}, sim.ECONFLICT},
		{"direct offer", sim.Interest{State: "interested"}, iv("offer", direct), sim.Interest{State: "offered"}, ""},
		{"second offer", sim.Interest{State: "offered", Interviewed: true}, iv("offer", direct), sim.Interest{}, sim.ECONFLICT},
		{"interview after an offer", sim.Interest{State: "offered"}, iv("interview"), sim.Interest{}, sim.ECONFLICT},
		{"placed", sim.Interest{State: "offered"}, iv("placed"), sim.Interest{State: "placed"}, ""},
		{"placed before an offer", sim.Interest{State: "interviewing", Interviewed: true}, iv("placed"), sim.Interest{}, sim.ECONFLICT},
		{"not progressed from interested", sim.Interest{State: "interested"}, iv("not_progressed", reason), sim.Interest{State: "not_progressed"}, ""},
		{"not progressed from offered", sim.Interest{State: "offered"}, iv("not_progressed", reason), sim.Interest{State: "not_progressed"}, ""},
		{"nothing after placed", sim.Interest{State: "placed"}, iv("not_progressed", reason), sim.Interest{}, sim.ECONFLICT},
		{"nothing after not progressed", sim.Interest{State: "not_progressed"}, iv("contacted"), sim.Interest{}, sim.ECONFLICT},
		{"nothing on a removed interest", sim.Interest{State: "removed"}, iv("contacted"), sim.Interest{}, sim.ECONFLICT},
		{"nothing before the candidate chooses", sim.Interest{}, iv("contacted"), sim.Interest{}, sim.ECONFLICT},
		{"invalid before conflict", sim.Interest{State: "placed"}, iv("contacted", direct), sim.Interest{}, sim.EINVALID},
	}
	for _, tc := range cases {
		got, ev, err := sim.RecordIntervention(tc.in, tc.iv, now)
		if tc.code != "" {
			require.Equal(t, tc.code, sim.ErrorCode(err), "%s: %v", tc.name, err)
			require.Equal(t, tc.in, got, tc.name)
			require.Zero(t, ev, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got, tc.name)
		require.Equal(t, sim.InterestEvent{Type: sim.InterventionEvent(tc.iv.Kind), From: tc.in.State, To: tc.want.State, At: now}, ev, tc.name)
	}
	require.Equal(t, sim.EventType("intervention.information_day"), sim.InterventionEvent(sim.InterventionInfoDay))
}

func TestExpressAndRemoveInterest(t *testing.T) {
	t.Parallel()
	then := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	for _, s := range append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...) {
		in := sim.Interest{State: s, Interviewed: true, WorkPlaced: true, OpenedAt: then}
		got, ev, err := sim.ExpressInterest(in, now)
		if s == sim.InterestNone || s == sim.InterestRemoved || s == sim.InterestLapsed {
			require.NoError(t, err, s)
			require.Equal(t, sim.Interest{State: sim.InterestInterested, OpenedAt: now}, got, s)
			require.Equal(t, sim.InterestEvent{Type: sim.EventInterestExpressed, From: s, To: sim.InterestInterested, At: now}, ev)
		} else {
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), s)
			require.Equal(t, in, got)
			require.Zero(t, ev)
		}

		got, ev, err = sim.RemoveInterest(in, now)
		if s == sim.InterestNone || s == sim.InterestRemoved || s == sim.InterestLapsed || s == sim.InterestPlaced {
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), s)
			require.Equal(t, in, got)
			require.Zero(t, ev)
		} else {
			require.NoError(t, err, s)
			want := in
			want.State = sim.InterestRemoved
			require.Equal(t, want, got, s)
			require.Equal(t, sim.InterestEvent{Type: sim.EventInterestRemoved, From: s, To: sim.InterestRemoved, At: now}, ev)
		}
	}
}

// An open interest that is not a placement lapses, once; nothing else
// does.
func TestLapseInterest(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 11, 22, 10, 30, 0, 0, time.UTC)
	for _, s := range append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...) {
		in := sim.Interest{State: s, Interviewed: true}
		got, ev, err := sim.LapseInterest(in, now)
		if !s.Open() || s == sim.InterestPlaced {
			require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), s)
			require.Equal(t, in, got)
			continue
		}
		require.NoError(t, err, s)
		require.Equal(t, sim.InterestLapsed, got.State)
		require.True(t, got.Interviewed, "what was recorded stays")
		require.Equal(t, sim.InterestEvent{Type: sim.EventInterestLapsed, From: s, To: sim.InterestLapsed, At: now}, ev)
		require.False(t, sim.VisibilityPolicy{}.OrgSees(sim.CandidateFacts{Status: sim.StatusRegistered, Sharing: true, Verification: sim.VerificationVerified}, got.State),
			"a lapsed interest shows the candidate to nobody")
	}
}

func TestInterestStateOpenFinal(t *testing.T) {
	t.Parallel()
	for _, s := range append([]sim.InterestState{sim.InterestNone}, sim.InterestStates...) {
		require.Equal(t, s != "" && s != "removed" && s != "lapsed", s.Open(), "%q open", s)
		require.Equal(t, specFinal(s), s.Final(), "%q final", s)
	}
	require.Len(t, sim.InterestStates, 10)
	require.Equal(t, specStages, sim.InterestStates[:len(specStages)], "in journey order")
}
