package sim

import (
	"maps"
	"slices"
	"time"
)

// Ghost records: what survives when a candidate is anonymised, at the end
// of their retention period or when they ask to be erased. No name,
// contact, date of birth, free text, message or identifier that links
// back: the ghost has an ID of its own. What survives is what the
// programme's reports count: the month they registered, their age band
// then, their Armed Forces connection, their broad region, where they
// heard of the programme, and per organisation how far they got, the
// month they were placed and the answers to the placement's follow-up.
// Counted together with live records, ghosts keep every total the same.

// AgeBand is an age range at registration.
type AgeBand string

// Age bands.
const (
	Age18to24 AgeBand = "18-24"
	Age25to34 AgeBand = "25-34"
	Age35to44 AgeBand = "35-44"
	Age45to54 AgeBand = "45-54"
	Age55to64 AgeBand = "55-64"
	Age65Plus AgeBand = "65+"
)

// AgeBands lists every AgeBand, youngest first.
var AgeBands = []AgeBand{Age18to24, Age25to34, Age35to44, Age45to54, Age55to64, Age65Plus}

// AgeBandAt is the band of someone born on dob, at the time at.
func AgeBandAt(dob, at time.Time) AgeBand {
	switch age := AgeOn(dob, at); {
	case age < 25:
		return Age18to24
	case age < 35:
		return Age25to34
	case age < 45:
		return Age35to44
	case age < 55:
		return Age45to54
	case age < 65:
		return Age55to64
	}
	return Age65Plus
}

// Stage is how far a candidate got with one organisation.
type Stage string

// Stages, in journey order.
const (
	StageInterested    Stage = "interested"
	StageContacted     Stage = "contacted"
	StageInfoDay       Stage = "information_day"
	StageWorkPlacement Stage = "work_placement"
	StageInterview     Stage = "interview"
	StageOffer         Stage = "offer"
	StagePlaced        Stage = "placed"
)

// Stages lists every Stage in journey order.
var Stages = []Stage{StageInterested, StageContacted, StageInfoDay, StageWorkPlacement, StageInterview, StageOffer, StagePlaced}

// StageOf is the stage an intervention of kind k shows was reached; ""
// for not_progressed, which reaches no stage.
func StageOf(k InterventionKind) Stage {
	switch k {
	case InterventionContacted:
		return StageContacted
	case InterventionInfoDay:
		return StageInfoDay
	case InterventionWorkPlacement:
		return StageWorkPlacement
	case InterventionInterview:
		return StageInterview
	case InterventionOffer:
		return StageOffer
	case InterventionPlaced:
		return StagePlaced
	}
	return ""
}

// Further reports whether s is further along the journey than t.
func (s Stage) Further(t Stage) bool { return slices.Index(Stages, s) > slices.Index(Stages, t) }

// Ghost is an anonymised candidate.
type Ghost struct {
	ID              string
	RegisteredMonth time.Time // the first of the month, UTC
	AgeBand         AgeBand
	Connection      Connection
	Region          Region
	HeardAbout      Source
	// Outcomes, one per organisation the candidate chose, by organisation ID.
	Outcomes []GhostOutcome
}

// GhostOutcome is how far a candidate got with one organisation.
type GhostOutcome struct {
	OrgID    string
	Furthest Stage
	// PlacedMonth is the first of the month the job started, UTC; zero
	// when not placed.
	PlacedMonth time.Time
	// FollowUps are the answers to the placement's check-ins, by months
	// after the start.
	FollowUps map[int]FollowUpAnswer
}

// GhostSource is what a ghost is made from: the registered candidate's
// reporting facts and their journey with each organisation.
type GhostSource struct {
	RegisteredAt time.Time
	DateOfBirth  time.Time
	Connection   Connection
	Region       Region
	HeardAbout   Source
	Interests    []GhostInterest
}

// GhostInterest is one interest of the candidate, with the kinds and dates
// of the support recorded on it and the follow-up answers.
type GhostInterest struct {
	OrgID         string
	Interventions []Intervention
	FollowUps     map[int]FollowUpAnswer
}

// MonthOf is the first of t's month, UTC.
func MonthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// GhostOf derives the ghost of a candidate, with the given new ID. A
// candidate who chose an organisation more than once (taking the choice
// back in between) has one outcome there: the furthest of them.
func GhostOf(id string, s GhostSource) Ghost {
	g := Ghost{
		ID: id, RegisteredMonth: MonthOf(s.RegisteredAt), AgeBand: AgeBandAt(s.DateOfBirth, s.RegisteredAt),
		Connection: s.Connection, Region: s.Region, HeardAbout: s.HeardAbout,
	}
	byOrg := map[string]*GhostOutcome{}
	for _, in := range s.Interests {
		o := byOrg[in.OrgID]
		if o == nil {
			o = &GhostOutcome{OrgID: in.OrgID, Furthest: StageInterested, FollowUps: map[int]FollowUpAnswer{}}
			byOrg[in.OrgID] = o
		}
		for _, iv := range in.Interventions {
			if st := StageOf(iv.Kind); st != "" && st.Further(o.Furthest) {
				o.Furthest = st
			}
			if iv.Kind == InterventionPlaced {
				o.PlacedMonth = MonthOf(iv.On)
			}
		}
		maps.Copy(o.FollowUps, in.FollowUps)
	}
	for _, org := range slices.Sorted(maps.Keys(byOrg)) {
		g.Outcomes = append(g.Outcomes, *byOrg[org])
	}
	return g
}
