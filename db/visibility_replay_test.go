package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// The visibility replay: random journeys run through the store, each
// command as the actor who makes it, while the test keeps its own model of
// every candidate, changed by sim's rules only when the store accepts a
// command. After every step each organisation lists and opens candidates
// under row-level security, under both settings of the visibility policy,
// and gets exactly what sim.VisibilityPolicy.OrgSees says of the model.

const replayOrgs, replayCandidates = 2, 2

type replayCommand string

const (
	replayChoose    replayCommand = "choose"
	replayRemove    replayCommand = "remove"
	replayConsent   replayCommand = "consent"
	replayWithdraw  replayCommand = "withdraw"
	replayIntervene replayCommand = "intervene"
	replayDecide    replayCommand = "decide"
)

// replayCommands weights the commands: nearly a third of the steps record
// support, so that journeys reach placements; rapid draws the first and
// last of a list most often, so those are interventions too.
var replayCommands = []replayCommand{
	replayIntervene, replayChoose, replayDecide, replayIntervene, replayConsent, replayWithdraw, replayRemove,
	replayIntervene, replayDecide, replayChoose, replayConsent, replayWithdraw, replayIntervene, replayRemove,
	replayDecide, replayConsent, replayIntervene,
}

// replayKinds are the kinds an organisation records when not heading
// straight for a placement.
var replayKinds = []sim.InterventionKind{
	sim.InterventionInterview, sim.InterventionOffer, sim.InterventionContacted, sim.InterventionNotProgressed,
	sim.InterventionWorkPlacement, sim.InterventionInfoDay, sim.InterventionPlaced,
}

// replayCandidate is the test's model of one candidate.
type replayCandidate struct {
	id        string
	actor     sim.Actor
	spotCheck string // their spot check's ID; "" when not sampled
	journey   sim.Journey
	sharing   bool
	verif     sim.Verification
	interests [replayOrgs]sim.Interest
}

func (c *replayCandidate) facts() sim.CandidateFacts {
	return sim.CandidateFacts{Status: c.journey.Status, Sharing: c.sharing, Verification: c.verif}
}

// replayCoverage counts the accepted commands that took a candidate some
// organisation saw into each state that hides them, and the checks that
// found a placed candidate kept with the placer, so that a generator which
// stopped reaching one would fail the test rather than pass it vacuously.
type replayCoverage struct {
	runs, steps, accepted                                    int
	withdrawn, rejected, consentOff, placed, interestRemoved int
	placedKeptVisible                                        int
}

// replayOrgSet is the organisations and a user of each.
type replayOrgSet struct {
	orgs  [replayOrgs]sim.Organisation
	users [replayOrgs]sim.Actor
}

type replayWorld struct {
	replayOrgSet
	b      *testBundle
	stores map[bool]*db.Store // by KeepPlacedWithPlacer
	keep   bool               // the policy of the deployment this run writes through
	cands  [replayCandidates]*replayCandidate
	now    time.Time
	cov    *replayCoverage
}

// Random journeys of two candidates with two organisations, replayed
// through the store as their real actors: candidates choose organisations,
// take a choice back, give or withdraw consent and withdraw from the
// programme; the organisations' users record support up to a placement;
// the operator verifies or rejects sampled registrations. After every step
// each organisation's list, and what it gets opening each candidate, is
// exactly what sim's rule says of the model, under both settings of the
// visibility policy; and every state that hides a candidate is reached.
func TestVisibilityReplay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stores := map[bool]*db.Store{
		false: b.store,
		true:  db.NewStore(b.db.App, sim.DefaultSessionPolicy, db.WithVisibility(sim.VisibilityPolicy{KeepPlacedWithPlacer: true})),
	}
	// Every run has the same organisations, each with a user; each run's
	// candidates are its own.
	var orgs replayOrgSet
	for o := range replayOrgs {
		orgs.orgs[o] = testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
		_, orgs.users[o] = testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: orgs.orgs[o].ID})
	}
	var cov replayCoverage
	rapid.Check(t, func(rt *rapid.T) {
		w := newReplayWorld(t, rt, b, orgs, stores, &cov)
		// Most candidates start by choosing an organisation.
		for i, c := range w.cands {
			if rapid.IntRange(0, 3).Draw(rt, fmt.Sprintf("candidate %d chooses first?", i)) > 0 {
				w.stepDone(rt, w.do(rt, replayChoose, c, rapid.IntRange(0, replayOrgs-1).Draw(rt, "organisation")))
			}
		}
		// Eight steps at most: with rapid's 100 runs, enough to reach every
		// state many times over (see the log), in seconds.
		steps := rapid.IntRange(1, 8).Draw(rt, "steps")
		for range steps {
			cmd := rapid.SampledFrom(replayCommands).Draw(rt, "command")
			if c, org := w.target(rt, cmd); c != nil {
				w.stepDone(rt, w.do(rt, cmd, c, org))
			}
		}
		cov.runs++
	})
	t.Logf("runs %d, steps %d, accepted %d; into withdrawn %d, rejected %d, consent off %d, placed %d, interest removed %d; placed and kept visible %d",
		cov.runs, cov.steps, cov.accepted, cov.withdrawn, cov.rejected, cov.consentOff, cov.placed, cov.interestRemoved, cov.placedKeptVisible)
	if t.Failed() || cov.runs < 50 {
		return // a failure said enough, or -rapid.checks or -short asked for a short run
	}
	require.Positive(t, cov.withdrawn, "no candidate an organisation saw withdrew")
	require.Positive(t, cov.rejected, "no candidate an organisation saw was rejected by a spot check")
	require.Positive(t, cov.consentOff, "no candidate an organisation saw withdrew consent")
	require.Positive(t, cov.placed, "no candidate was placed")
	require.Positive(t, cov.interestRemoved, "no candidate took back a choice of an organisation that saw them")
	require.Positive(t, cov.placedKeptVisible, "no placed candidate was checked with the policy that keeps them with the placer")
}

// newReplayWorld makes a run's own candidates with the factory: consent at
// registration and whether the registration was sampled for a spot check
// are drawn. The candidates of earlier runs are retired first: their
// consent to share is taken back (after anything a run does), so that no
// organisation sees them.
func newReplayWorld(t *testing.T, rt *rapid.T, b *testBundle, orgs replayOrgSet, stores map[bool]*db.Store, cov *replayCoverage) *replayWorld {
	w := &replayWorld{replayOrgSet: orgs, b: b, stores: stores, now: b.now, cov: cov}
	_, err := b.db.Admin.Exec(context.Background(), `INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at)
		SELECT gen_random_uuid(), id, $1, false, 'profile_update', $2 FROM candidates WHERE sharing`, shareConsent, b.now.AddDate(10, 0, 0))
	require.NoError(t, err)
	w.keep = rapid.Bool().Draw(rt, "keep placed with placer")
	for i := range replayCandidates {
		given := rapid.IntRange(0, 3).Draw(rt, fmt.Sprintf("candidate %d consents at registration?", i)) > 0
		r := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{Consent: &given})
		c := &replayCandidate{
			id: r.Candidate.ID, actor: testfactory.Actor(r.User), journey: sim.Journey{Status: sim.StatusRegistered},
			sharing: given, verif: sim.VerificationUnchecked,
		}
		if rapid.Bool().Draw(rt, fmt.Sprintf("candidate %d sampled?", i)) {
			c.spotCheck, c.verif = sampleForSpotCheck(t, b, c.id), sim.VerificationSampled
		}
		w.cands[i] = c
	}
	return w
}

// sampleForSpotCheck puts a registration in the verification queue, as a
// registration the spot-check policy samples is, and returns the check's ID.
func sampleForSpotCheck(t *testing.T, b *testBundle, candidateID string) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	_, err := b.db.Admin.Exec(ctx, "UPDATE candidates SET verification = 'sampled' WHERE id = $1", candidateID)
	require.NoError(t, err)
	_, err = b.db.Admin.Exec(ctx, "INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES ($1, $2, $3, $4)",
		id, candidateID, []string{string(sim.FlagRandomSample)}, b.now)
	require.NoError(t, err)
	return id
}

// seen reports whether some organisation sees c under the run's policy.
func (w *replayWorld) seen(c *replayCandidate) bool {
	p := sim.VisibilityPolicy{KeepPlacedWithPlacer: w.keep}
	for o := range replayOrgs {
		if p.OrgSees(c.facts(), c.interests[o].State) {
			return true
		}
	}
	return false
}

// stepDone counts a step and, after an accepted command, checks what
// every organisation sees. A refused command returned an error from its
// transaction, which InTx rolled back: what organisations see cannot have
// changed, and the model did not.
func (w *replayWorld) stepDone(t *rapid.T, accepted bool) {
	w.cov.steps++
	if !accepted {
		return
	}
	w.cov.accepted++
	w.check(t)
}

// do runs the command cmd about candidate c and organisation org: it
// predicts from the model what the store must answer, runs the command
// through the store as its actor and, when accepted, applies it to the
// model. It reports whether the store accepted it.
func (w *replayWorld) do(t *rapid.T, cmd replayCommand, c *replayCandidate, org int) bool {
	ctx := context.Background()
	w.now = w.now.Add(time.Duration(rapid.IntRange(1, 600).Draw(t, "minutes later")) * time.Minute)
	store, now := w.stores[w.keep], w.now
	next := *c
	var want error // the model's answer: nil, or the refusal the store must give
	var run func(tx *db.Tx) error
	actor := c.actor
	switch cmd {
	case replayChoose:
		orgs := []int{org}
		if rapid.Bool().Draw(t, "another organisation too") {
			orgs = append(orgs, (org+1)%replayOrgs)
		}
		ids := make([]string, len(orgs))
		for i, o := range orgs {
			ids[i] = w.orgs[o].ID
		}
		if c.journey.Status != sim.StatusRegistered {
			want = sim.Errorf(sim.ECONFLICT, "closed")
		} else {
			for _, o := range orgs {
				if next.interests[o].State.Open() {
					continue
				}
				next.interests[o], _, want = sim.ExpressInterest(next.interests[o], now)
				if want != nil {
					break
				}
			}
		}
		run = func(tx *db.Tx) error { _, err := tx.InterestsChoose(ctx, ids, now); return err }
	case replayRemove:
		switch {
		case c.journey.Status != sim.StatusRegistered:
			want = sim.Errorf(sim.ECONFLICT, "closed")
		case c.interests[org].State == sim.InterestNone:
			want = sim.ErrNotFound
		default:
			next.interests[org], _, want = sim.RemoveInterest(c.interests[org], now)
		}
		run = func(tx *db.Tx) error { return tx.InterestRemove(ctx, w.orgs[org].ID, now) }
	case replayConsent:
		next.sharing = rapid.Bool().Draw(t, "consent")
		run = func(tx *db.Tx) error { _, err := tx.ConsentChange(ctx, shareConsent, next.sharing, now); return err }
	case replayWithdraw:
		next.journey, _, want = sim.Transition(c.journey, sim.Command{Kind: sim.CmdWithdraw}, now)
		run = func(tx *db.Tx) error { return tx.CandidateWithdraw(ctx, now) }
	case replayIntervene:
		in := c.interests[org]
		iv := drawReplayIntervention(t, in.State, now)
		if !(sim.VisibilityPolicy{KeepPlacedWithPlacer: w.keep}).OrgSees(c.facts(), in.State) {
			want = sim.ErrNotFound
		} else if next.interests[org], _, want = sim.RecordIntervention(in, iv, now); want == nil && next.interests[org].State == sim.InterestPlaced {
			next.journey, _, want = sim.Transition(c.journey, sim.Command{Kind: sim.CmdPlace}, now)
		}
		actor = w.users[org]
		run = func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, w.orgs[org].ID, c.id, iv, now)
			return err
		}
	case replayDecide:
		outcome := sim.VerificationVerified
		if rapid.IntRange(0, 3).Draw(t, "rejected?") > 0 {
			outcome = sim.VerificationRejected
		}
		reason := ""
		if outcome == sim.VerificationRejected {
			reason = "no evidence of the connection"
		}
		next.verif, want = sim.DecideVerification(c.verif, outcome, reason)
		actor = w.b.op
		run = func(tx *db.Tx) error { return tx.SpotCheckDecide(ctx, c.spotCheck, outcome, reason, now) }
	}

	err := store.InTx(ctx, actor, run)
	if want != nil {
		require.Error(t, err, "%s: the model refuses it (%v)", cmd, want)
		require.Equal(t, sim.ErrorCode(want), sim.ErrorCode(err), "%s: the model refuses it with %v; the store: %v", cmd, want, err)
		return false
	}
	require.NoError(t, err, "%s", cmd)
	w.cover(c, &next)
	*c = next
	return true
}

// target draws the candidate and organisation a command is about. An
// intervention is mostly by an organisation that sees the candidate, so
// that journeys get as far as a placement; a decision is on a sampled
// registration, nil when there is none.
func (w *replayWorld) target(t *rapid.T, cmd replayCommand) (*replayCandidate, int) {
	type pair struct {
		c   *replayCandidate
		org int
	}
	var pairs []pair
	switch cmd {
	case replayIntervene:
		for _, c := range w.cands {
			for o := range replayOrgs {
				if (sim.VisibilityPolicy{KeepPlacedWithPlacer: w.keep}).OrgSees(c.facts(), c.interests[o].State) {
					pairs = append(pairs, pair{c, o})
				}
			}
		}
		if len(pairs) > 0 && rapid.IntRange(0, 3).Draw(t, "by an organisation that sees them?") > 0 {
			p := pairs[rapid.IntRange(0, len(pairs)-1).Draw(t, "seen pair")]
			return p.c, p.org
		}
	case replayDecide:
		for _, c := range w.cands {
			if c.spotCheck != "" {
				pairs = append(pairs, pair{c, 0})
			}
		}
		if len(pairs) == 0 {
			return nil, 0
		}
		return pairs[rapid.IntRange(0, len(pairs)-1).Draw(t, "sampled candidate")].c, 0
	}
	return w.cands[rapid.IntRange(0, replayCandidates-1).Draw(t, "candidate")], rapid.IntRange(0, replayOrgs-1).Draw(t, "organisation")
}

// cover counts the states an accepted command took a seen candidate into.
func (w *replayWorld) cover(before, after *replayCandidate) {
	if after.journey.Status == sim.StatusPlaced && before.journey.Status != sim.StatusPlaced {
		w.cov.placed++ // an organisation that saw them placed them
	}
	if !w.seen(before) {
		return
	}
	switch {
	case after.journey.Status == sim.StatusWithdrawn && before.journey.Status != sim.StatusWithdrawn:
		w.cov.withdrawn++
	case after.verif == sim.VerificationRejected && before.verif != sim.VerificationRejected:
		w.cov.rejected++
	case !after.sharing && before.sharing:
		w.cov.consentOff++
	}
	for o := range replayOrgs {
		if after.interests[o].State == sim.InterestRemoved && before.interests[o].State != sim.InterestRemoved {
			w.cov.interestRemoved++
		}
	}
}

// drawReplayIntervention draws a valid intervention recorded up to a month
// before now: three times in four the one that takes an interest in state s
// nearest a placement (a direct offer, then the placement), so that
// journeys get there in a few steps.
func drawReplayIntervention(t *rapid.T, s sim.InterestState, now time.Time) sim.Intervention {
	iv := sim.Intervention{On: now.AddDate(0, 0, -rapid.IntRange(0, 30).Draw(t, "days ago"))}
	if rapid.IntRange(0, 3).Draw(t, "towards a placement?") > 0 {
		iv.Kind, iv.Direct = sim.InterventionOffer, true
		if s == sim.InterestOffered {
			iv.Kind, iv.Direct = sim.InterventionPlaced, false
		}
		return iv
	}
	iv.Kind = rapid.SampledFrom(replayKinds).Draw(t, "kind")
	switch iv.Kind {
	case sim.InterventionOffer:
		iv.Direct = rapid.Bool().Draw(t, "direct")
	case sim.InterventionInfoDay:
		iv.Attended = rapid.Bool().Draw(t, "attended")
	case sim.InterventionNotProgressed:
		iv.Reason = rapid.SampledFrom(sim.NotProgressedReasons).Draw(t, "reason")
	}
	return iv
}

// check has each organisation's user list the candidates their
// organisation sees and open each of the run's candidates, under each
// setting of the policy, and compares both with the model. The views are
// read at once, each in its own transaction, since none writes anything
// another reads.
func (w *replayWorld) check(t *rapid.T) {
	type view struct {
		keep           bool
		org            int
		listed, opened map[string]sim.InterestState
		err            error
	}
	var views []*view
	for _, keep := range []bool{false, true} {
		for o := range replayOrgs {
			views = append(views, &view{keep: keep, org: o, listed: map[string]sim.InterestState{}, opened: map[string]sim.InterestState{}})
		}
	}
	var wg sync.WaitGroup
	for _, v := range views {
		wg.Go(func() { v.err = w.read(v.keep, v.org, v.listed, v.opened) })
	}
	wg.Wait()
	for _, v := range views {
		p := sim.VisibilityPolicy{KeepPlacedWithPlacer: v.keep}
		want := map[string]sim.InterestState{}
		for _, c := range w.cands {
			if p.OrgSees(c.facts(), c.interests[v.org].State) {
				want[c.id] = c.interests[v.org].State
				if v.keep && c.journey.Status == sim.StatusPlaced {
					w.cov.placedKeptVisible++
				}
			}
		}
		require.NoError(t, v.err, "KeepPlacedWithPlacer=%v: organisation %d's view", v.keep, v.org)
		require.Equal(t, want, v.listed, "KeepPlacedWithPlacer=%v: organisation %d's list (candidate: state)", v.keep, v.org)
		require.Equal(t, want, v.opened, "KeepPlacedWithPlacer=%v: the candidates organisation %d opens (candidate: state)", v.keep, v.org)
	}
}

// read has organisation org's user list the candidates it sees and open
// each of the run's candidates, through the store of the policy keep.
func (w *replayWorld) read(keep bool, org int, listed, opened map[string]sim.InterestState) error {
	ctx := context.Background()
	return w.stores[keep].InTx(ctx, w.users[org], func(tx *db.Tx) error {
		list, err := tx.OrgCandidates(ctx, w.orgs[org].ID, sim.CandidateFilter{})
		if err != nil {
			return err
		}
		for _, c := range list {
			listed[c.CandidateID] = c.State
		}
		for _, c := range w.cands {
			profile, err := tx.OrgCandidate(ctx, w.orgs[org].ID, c.id, w.now)
			switch {
			case err == nil:
				opened[c.id] = profile.State
			case sim.ErrorCode(err) != sim.ENOTFOUND:
				return fmt.Errorf("open candidate %s: %w", c.id, err)
			}
		}
		return nil
	})
}
