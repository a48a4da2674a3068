package sim

import (
	"slices"
	"strings"
	"time"
)

// InterestState is where a candidate stands with one organisation they
// chose. Organisations move it forward by recording interventions; it
// never moves backwards:
//
//	interested → contacted → engaged → work_placement → interviewing → offered → placed
//	      any of those but placed → not_progressed
//	      any of those but placed → removed (the candidate took the choice back)
//	removed → interested (the candidate chose the organisation again)
//	any but placed and removed → lapsed (nothing happened on it for the
//	      organisations' view of the retention schedule: the engine)
//	lapsed → interested (the candidate chose the organisation again)
//
// placed and not_progressed are final for the organisation: nothing more
// can be recorded on them.
type InterestState string

// Interest states. InterestNone is the state before a candidate first
// chooses an organisation.
const (
	InterestNone          InterestState = ""
	InterestInterested    InterestState = "interested"
	InterestContacted     InterestState = "contacted"
	InterestEngaged       InterestState = "engaged"
	InterestWorkPlacement InterestState = "work_placement"
	InterestInterviewing  InterestState = "interviewing"
	InterestOffered       InterestState = "offered"
	InterestPlaced        InterestState = "placed"
	InterestNotProgressed InterestState = "not_progressed"
	InterestRemoved       InterestState = "removed"
	// InterestLapsed: nothing happened on the interest for the period the
	// retention schedule lets organisations see a candidate, so it closed;
	// the candidate may choose the organisation again.
	InterestLapsed InterestState = "lapsed"
)

// InterestStates lists every state an interest row can be in (not
// InterestNone), in the order of the journey.
var InterestStates = []InterestState{
	InterestInterested, InterestContacted, InterestEngaged, InterestWorkPlacement, InterestInterviewing,
	InterestOffered, InterestPlaced, InterestNotProgressed, InterestRemoved, InterestLapsed,
}

// stage orders the states an organisation moves an interest through.
var stage = map[InterestState]int{
	InterestInterested: 1, InterestContacted: 2, InterestEngaged: 3, InterestWorkPlacement: 4,
	InterestInterviewing: 5, InterestOffered: 6, InterestPlaced: 7,
}

// Open reports whether the candidate still holds this interest: chosen and
// not taken back. An organisation sees a candidate only through an open
// interest (see VisibilityPolicy).
func (s InterestState) Open() bool {
	return s != InterestNone && s != InterestRemoved && s != InterestLapsed
}

// Final reports whether nothing more can be recorded on the interest.
func (s InterestState) Final() bool { return s == InterestPlaced || s == InterestNotProgressed }

// InterventionKind is a kind of pre-employment support an organisation
// records on an interest.
type InterventionKind string

// Intervention kinds.
const (
	InterventionContacted     InterventionKind = "contacted"
	InterventionInfoDay       InterventionKind = "information_day"
	InterventionWorkPlacement InterventionKind = "work_placement"
	InterventionInterview     InterventionKind = "interview"
	InterventionOffer         InterventionKind = "offer"
	InterventionPlaced        InterventionKind = "placed"
	InterventionNotProgressed InterventionKind = "not_progressed"
)

// InterventionKinds lists every intervention kind in journey order.
var InterventionKinds = []InterventionKind{
	InterventionContacted, InterventionInfoDay, InterventionWorkPlacement, InterventionInterview,
	InterventionOffer, InterventionPlaced, InterventionNotProgressed,
}

// NotProgressedReason is why an organisation is not taking a candidate
// further: a fixed list, so reports can count them and no free text about
// a person is kept.
type NotProgressedReason string

// NotProgressedReasons lists every valid reason.
var NotProgressedReasons = []NotProgressedReason{
	"no_suitable_vacancy", "did_not_meet_requirements", "candidate_declined", "candidate_unresponsive",
	"offer_declined", "pre_employment_checks", "candidate_found_other_work", "other",
}

// Intervention is one piece of support recorded on an interest. On is the
// day it happened (or starts: a work placement's or a job's start date);
// EndsOn is a work placement's last day, if known. Attended is read for an
// information day, Direct for an offer made without an interview or work
// placement first, Reason for not_progressed.
type Intervention struct {
	Kind     InterventionKind
	On       time.Time
	EndsOn   time.Time
	Attended bool
	Direct   bool
	Reason   NotProgressedReason
}

// How far from today an intervention's dates may be: support already
// given, or booked (an interview next month, a job that starts in the
// spring).
const (
	interventionPast   = 5 * 366 * 24 * time.Hour
	interventionFuture = 366 * 24 * time.Hour
)

// Validate checks the intervention on its own, as of now: EINVALID naming
// the field at fault.
func (iv Intervention) Validate(now time.Time) error {
	if !slices.Contains(InterventionKinds, iv.Kind) {
		return FieldError("kind", "kind must be one of %s", joinValues(InterventionKinds))
	}
	if iv.On.IsZero() {
		return FieldError("on", "on is required: the date the %s happened or starts", words(iv.Kind))
	}
	if iv.On.Before(now.Add(-interventionPast)) || iv.On.After(now.Add(interventionFuture)) {
		return FieldError("on", "on must be within five years before and one year after today")
	}
	if !iv.EndsOn.IsZero() {
		if iv.Kind != InterventionWorkPlacement {
			return FieldError("ends_on", "only a work placement has an end date")
		}
		if iv.EndsOn.Before(iv.On) {
			return FieldError("ends_on", "a work placement cannot end before it starts")
		}
		if iv.EndsOn.After(now.Add(2 * interventionFuture)) {
			return FieldError("ends_on", "ends_on must be within two years after today")
		}
	}
	if iv.Attended && iv.Kind != InterventionInfoDay {
		return FieldError("attended", "attended is for an information day only")
	}
	if iv.Direct && iv.Kind != InterventionOffer {
		return FieldError("direct", "direct is for an offer only")
	}
	if iv.Kind == InterventionNotProgressed {
		if !slices.Contains(NotProgressedReasons, iv.Reason) {
			return FieldError("reason", "reason must be one of %s", joinValues(NotProgressedReasons))
		}
	} else if iv.Reason != "" {
		return FieldError("reason", "a reason is for not_progressed only")
	}
	return nil
}

// Interest is one candidate's interest in one organisation.
type Interest struct {
	State InterestState
	// Interviewed and WorkPlaced record that an interview or a work
	// placement has been recorded, which an offer needs first unless it
	// was made directly.
	Interviewed bool
	WorkPlaced  bool
	// OpenedAt is when the candidate (last) chose the organisation.
	OpenedAt time.Time
}

// Event types of interests; exactly one is emitted per accepted command.
const (
	EventInterestExpressed EventType = "interest.expressed"
	EventInterestRemoved   EventType = "interest.removed"
	EventInterestLapsed    EventType = "interest.lapsed"
)

// InterventionEvent is the event type of recording an intervention of
// kind k: "intervention.contacted", "intervention.placed"...
func InterventionEvent(k InterventionKind) EventType { return EventType("intervention." + string(k)) }

// InterestEvent records one accepted change of an interest: it becomes a
// journey_events row for the candidate, with the organisation.
type InterestEvent struct {
	Type EventType
	From InterestState
	To   InterestState
	At   time.Time
}

// allowedFrom lists the interventions that may be recorded from each
// state, in journey order.
var allowedFrom = func() map[InterestState][]InterventionKind {
	early := []InterventionKind{
		InterventionContacted, InterventionInfoDay, InterventionWorkPlacement, InterventionInterview,
		InterventionOffer, InterventionNotProgressed,
	}
	return map[InterestState][]InterventionKind{
		InterestInterested: early, InterestContacted: early, InterestEngaged: early,
		InterestWorkPlacement: early, InterestInterviewing: early,
		InterestOffered: {InterventionPlaced, InterventionNotProgressed},
	}
}()

// AllowedInterventions lists what may be recorded on an interest in state
// s: nothing once it is final, removed or not yet chosen.
func AllowedInterventions(s InterestState) []InterventionKind { return slices.Clone(allowedFrom[s]) }

// ExpressInterest is a candidate choosing an organisation: a new interest,
// or one they had taken back chosen again (it starts afresh). ECONFLICT
// when the interest is already open.
func ExpressInterest(in Interest, now time.Time) (Interest, InterestEvent, error) {
	if in.State.Open() {
		return in, InterestEvent{}, Errorf(ECONFLICT, "you have already chosen this organisation")
	}
	next := Interest{State: InterestInterested, OpenedAt: now}
	return next, InterestEvent{Type: EventInterestExpressed, From: in.State, To: next.State, At: now}, nil
}

// RemoveInterest is a candidate taking a choice back. ECONFLICT when it is
// not open, or when the organisation placed them.
func RemoveInterest(in Interest, now time.Time) (Interest, InterestEvent, error) {
	switch {
	case !in.State.Open():
		return in, InterestEvent{}, Errorf(ECONFLICT, "you have not chosen this organisation")
	case in.State == InterestPlaced:
		return in, InterestEvent{}, Errorf(ECONFLICT, "this organisation has placed you: the choice can no longer be taken back")
	}
	next := in
	next.State = InterestRemoved
	return next, InterestEvent{Type: EventInterestRemoved, From: in.State, To: next.State, At: now}, nil
}

// LapseInterest closes an open interest on which nothing happened for the
// organisations' view of the retention schedule: the organisation no
// longer sees the candidate through it. The engine's; ECONFLICT when it
// is not open or is a placement (whose record the follow-up still reads).
func LapseInterest(in Interest, now time.Time) (Interest, InterestEvent, error) {
	if !in.State.Open() || in.State == InterestPlaced {
		return in, InterestEvent{}, Errorf(ECONFLICT, "only an open interest that is not a placement lapses, not one %s", interestWords(in.State))
	}
	next := in
	next.State = InterestLapsed
	return next, InterestEvent{Type: EventInterestLapsed, From: in.State, To: next.State, At: now}, nil
}

// RecordIntervention applies an intervention to an interest. It returns
// EINVALID for an intervention that is wrong in itself, and ECONFLICT
// when the interest's state does not allow it, with a message that lists
// what is allowed from that state. An interest only moves forward: a
// contact recorded on an interest already at interview stays at
// interviewing.
func RecordIntervention(in Interest, iv Intervention, now time.Time) (Interest, InterestEvent, error) {
	if err := iv.Validate(now); err != nil {
		return in, InterestEvent{}, err
	}
	allowed := allowedFrom[in.State]
	if !slices.Contains(allowed, iv.Kind) {
		return in, InterestEvent{}, &Error{Code: ECONFLICT, Message: refusal(in.State, iv.Kind, allowed)}
	}
	if iv.Kind == InterventionOffer && !iv.Direct && !in.Interviewed && !in.WorkPlaced {
		return in, InterestEvent{}, Errorf(ECONFLICT,
			"an offer needs an interview or a work placement recorded first; say direct: true if the offer was made without either")
	}
	next := in
	switch iv.Kind {
	case InterventionInterview:
		next.Interviewed = true
	case InterventionWorkPlacement:
		next.WorkPlaced = true
	}
	target := interventionTarget(iv)
	if iv.Kind == InterventionNotProgressed || stage[target] > stage[in.State] {
		next.State = target
	}
	return next, InterestEvent{Type: InterventionEvent(iv.Kind), From: in.State, To: next.State, At: now}, nil
}

// interventionTarget is the state an intervention brings an interest to
// (at least).
func interventionTarget(iv Intervention) InterestState {
	switch iv.Kind {
	case InterventionInfoDay:
		if iv.Attended {
			return InterestEngaged
		}
		return InterestContacted
	case InterventionWorkPlacement:
		return InterestWorkPlacement
	case InterventionInterview:
		return InterestInterviewing
	case InterventionOffer:
		return InterestOffered
	case InterventionPlaced:
		return InterestPlaced
	case InterventionNotProgressed:
		return InterestNotProgressed
	}
	return InterestContacted
}

func refusal(s InterestState, k InterventionKind, allowed []InterventionKind) string {
	what := "cannot record " + words(k) + " on an interest that is " + interestWords(s)
	if len(allowed) == 0 {
		switch {
		case s.Final():
			return what + ": it is final, nothing more can be recorded"
		default:
			return what + ": nothing can be recorded until the candidate chooses the organisation"
		}
	}
	return what + "; allowed from " + interestWords(s) + ": " + joinValues(allowed)
}

func words(k InterventionKind) string { return strings.ReplaceAll(string(k), "_", " ") }

func interestWords(s InterestState) string {
	switch s {
	case InterestNone:
		return "not chosen"
	case InterestRemoved:
		return "removed by the candidate"
	case InterestLapsed:
		return "lapsed for want of activity"
	}
	return strings.ReplaceAll(string(s), "_", " ")
}

// InterestSummary is an interest as its candidate sees it in their list
// of chosen organisations.
type InterestSummary struct {
	ID        string
	OrgID     string
	OrgName   string // empty once the organisation has left the programme
	State     InterestState
	OpenedAt  time.Time
	UpdatedAt time.Time
}

// RecordedIntervention is an intervention as it was recorded: by whom
// (a user ID) and when.
type RecordedIntervention struct {
	ID string
	Intervention
	RecordedBy string
	RecordedAt time.Time
}
