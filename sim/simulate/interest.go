package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/muster-cms/muster/sim"
)

const (
	// stepGap is the shortest time between two things recorded on an
	// interest, and stepMean how long they usually take beyond it.
	stepGap  = time.Hour
	stepMean = 12 * day
	// A thread's messages are minutes to days apart.
	messageGap  = 5 * time.Minute
	messageMean = 3 * day
)

// step is one thing that happens to an open interest: an organisation
// records an intervention, or the candidate takes the choice back.
type step struct {
	remove bool
	iv     sim.Intervention
}

// interest generates c's interest in org, chosen at opened, heading for
// target by horizon. The state is the one the state machine reaches
// applying the steps in order; when the window is too short for them all,
// the interest stops where time ran out, short of target.
func (g *generator) interest(r *rand.Rand, c *Candidate, org *Org, opened, horizon time.Time, target sim.InterestState) (Interest, error) {
	in := Interest{ID: newID(r), OrgID: org.ID, OpenedAt: opened}
	state, _, err := sim.ExpressInterest(sim.Interest{}, opened)
	if err != nil {
		return in, fmt.Errorf("express interest: %w", err)
	}
	steps := path(r, target)
	times := spread(r, opened, horizon, len(steps), stepGap, stepMean)
	for q, at := range times {
		s := steps[q]
		if s.remove {
			if state, _, err = sim.RemoveInterest(state, at); err != nil {
				return in, fmt.Errorf("remove interest: %w", err)
			}
			in.RemovedAt = at
			continue
		}
		iv := s.iv
		iv.On = date(at)
		if iv.Kind == sim.InterventionWorkPlacement {
			if ends := iv.On.AddDate(0, 0, 4+r.IntN(25)); !ends.After(g.now) {
				iv.EndsOn = ends // known once it is over
			}
		}
		if state, _, err = sim.RecordIntervention(state, iv, at); err != nil {
			return in, fmt.Errorf("record %s: %w", iv.Kind, err)
		}
		in.Interventions = append(in.Interventions, Intervention{ID: newID(r), By: one(r, org.Users).ID, At: at, Intervention: iv})
	}
	in.State = state.State

	// The thread runs until the candidate took the choice back, or the
	// interest was settled, or the horizon.
	end := horizon
	switch {
	case !in.RemovedAt.IsZero():
		end = in.RemovedAt
	case in.State.Final():
		end = in.Interventions[len(in.Interventions)-1].At
	}
	in.Messages = messages(r, c, org, opened, end)
	return in, nil
}

// path is a plausible sequence of steps from interested to target.
func path(r *rand.Rand, target sim.InterestState) []step {
	var steps []step
	switch target {
	case sim.InterestPlaced:
		steps = append(progress(r, sim.InterestOffered), record(sim.InterventionPlaced))
	case sim.InterestNotProgressed:
		from := notProgressedFrom.pick(r)
		reasons := reasonsBeforeOffer
		if from == sim.InterestOffered {
			reasons = reasonsAfterOffer
		}
		steps = append(progress(r, from), step{iv: sim.Intervention{Kind: sim.InterventionNotProgressed, Reason: reasons.pick(r)}})
	case sim.InterestRemoved:
		steps = append(progress(r, removedFrom.pick(r)), step{remove: true})
	default:
		steps = progress(r, target)
	}
	// A follow-up call after the first contact moves nothing forward but
	// is recorded all the same.
	if len(steps) > 1 && steps[0].iv.Kind == sim.InterventionContacted && chance(r, 0.15) {
		steps = slices.Insert(steps, 1, record(sim.InterventionContacted))
	}
	return steps
}

// progress is the interventions that bring an interest from interested
// to to, one of the states an organisation moves it through.
func progress(r *rand.Rand, to sim.InterestState) []step {
	switch to {
	case sim.InterestContacted:
		if chance(r, 0.1) {
			return []step{infoDay(false)} // came to nothing, but they were in touch
		}
		return []step{record(sim.InterventionContacted)}
	case sim.InterestEngaged:
		return []step{record(sim.InterventionContacted), infoDay(true)}
	case sim.InterestWorkPlacement:
		from := sim.InterestContacted
		if chance(r, 0.5) {
			from = sim.InterestEngaged
		}
		return append(progress(r, from), record(sim.InterventionWorkPlacement))
	case sim.InterestInterviewing:
		var from sim.InterestState
		switch x := r.IntN(10); {
		case x < 5:
			from = sim.InterestContacted
		case x < 8:
			from = sim.InterestEngaged
		default:
			from = sim.InterestWorkPlacement
		}
		return append(progress(r, from), record(sim.InterventionInterview))
	case sim.InterestOffered:
		if chance(r, 0.1) {
			return []step{record(sim.InterventionContacted), {iv: sim.Intervention{Kind: sim.InterventionOffer, Direct: true}}}
		}
		from := sim.InterestInterviewing
		if chance(r, 0.2) {
			from = sim.InterestWorkPlacement
		}
		return append(progress(r, from), record(sim.InterventionOffer))
	}
	return nil // interested: nothing recorded yet
}

func record(k sim.InterventionKind) step { return step{iv: sim.Intervention{Kind: k}} }

func infoDay(attended bool) step {
	return step{iv: sim.Intervention{Kind: sim.InterventionInfoDay, Attended: attended}}
}

// messages makes up the thread between c and org after opened and no
// later than end, the two sides taking turns (the organisation usually
// first).
func messages(r *rand.Rand, c *Candidate, org *Org, opened, end time.Time) []Message {
	times := spread(r, opened, end, messageCounts.pick(r), messageGap, messageMean)
	if len(times) == 0 {
		return nil
	}
	ms := make([]Message, len(times))
	fromCandidate := chance(r, 0.2)
	for q, at := range times {
		m := Message{ID: newID(r), FromCandidate: fromCandidate, At: at}
		if fromCandidate {
			m.AuthorID, m.Body = c.UserID, one(r, candidateMessages)
		} else {
			m.AuthorID, m.Body = one(r, org.Users).ID, one(r, orgMessages)
		}
		ms[q] = m
		fromCandidate = !fromCandidate
	}
	return ms
}
