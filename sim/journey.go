package sim

import "time"

// Status is where a candidate is in the programme.
//
//	invited → registered → (withdrawn | placed) → anonymised
//	invited → expired        (details deleted when the window passes)
//	registered → anonymised  (erasure on request)
type Status string

// Candidate statuses. StatusNone is the state before an invitation exists.
const (
	StatusNone       Status = ""
	StatusInvited    Status = "invited"
	StatusRegistered Status = "registered"
	StatusWithdrawn  Status = "withdrawn"
	StatusPlaced     Status = "placed"
	StatusExpired    Status = "expired"
	StatusAnonymised Status = "anonymised"
)

// Statuses lists every status a candidate can be in, StatusNone first.
var Statuses = []Status{StatusNone, StatusInvited, StatusRegistered, StatusWithdrawn, StatusPlaced, StatusExpired, StatusAnonymised}

// CommandKind names something a person or the engine asks of a journey.
type CommandKind string

// Journey commands.
const (
	CmdInvite    CommandKind = "invite"
	CmdRegister  CommandKind = "register"
	CmdExpire    CommandKind = "expire"
	CmdWithdraw  CommandKind = "withdraw"
	CmdPlace     CommandKind = "place"
	CmdAnonymise CommandKind = "anonymise"
)

// CommandKinds lists every command kind.
var CommandKinds = []CommandKind{CmdInvite, CmdRegister, CmdExpire, CmdWithdraw, CmdPlace, CmdAnonymise}

// Command asks a journey to change. Profile is read by CmdRegister only.
type Command struct {
	Kind    CommandKind
	Profile Profile
}

// EventType names a state change that happened.
type EventType string

// Journey event types; exactly one is emitted per accepted command.
const (
	EventInvited    EventType = "candidate.invited"
	EventRegistered EventType = "candidate.registered"
	EventExpired    EventType = "candidate.expired"
	EventWithdrawn  EventType = "candidate.withdrawn"
	EventPlaced     EventType = "candidate.placed"
	EventAnonymised EventType = "candidate.anonymised"
)

// Event records one accepted command: it becomes a journey_events row.
type Event struct {
	Type EventType
	From Status
	To   Status
	At   time.Time
}

// Journey is the state of one candidate's passage through the programme.
type Journey struct {
	Status       Status
	InvitedAt    time.Time
	RegisteredAt time.Time
	ClosedAt     time.Time // withdrawn, placed, expired or anonymised
}

type transition struct {
	to    Status
	event EventType
}

var transitions = map[Status]map[CommandKind]transition{
	StatusNone: {
		CmdInvite: {StatusInvited, EventInvited},
	},
	StatusInvited: {
		CmdRegister: {StatusRegistered, EventRegistered},
		CmdExpire:   {StatusExpired, EventExpired},
	},
	StatusRegistered: {
		CmdWithdraw:  {StatusWithdrawn, EventWithdrawn},
		CmdPlace:     {StatusPlaced, EventPlaced},
		CmdAnonymise: {StatusAnonymised, EventAnonymised},
	},
	StatusWithdrawn: {
		CmdAnonymise: {StatusAnonymised, EventAnonymised},
	},
	StatusPlaced: {
		CmdAnonymise: {StatusAnonymised, EventAnonymised},
	},
}

// CanApply reports whether cmd is a valid transition from status, ignoring
// the command's payload.
func CanApply(status Status, cmd CommandKind) bool {
	_, ok := transitions[status][cmd]
	return ok
}

// Transition applies cmd to j at time now. It returns the new journey and
// exactly one event, or an error and j unchanged: ECONFLICT when cmd is not
// allowed from j's status, EINVALID when a registration's profile is invalid
// (including an applicant under 18).
func Transition(j Journey, cmd Command, now time.Time) (Journey, []Event, error) {
	t, ok := transitions[j.Status][cmd.Kind]
	if !ok {
		return j, nil, Errorf(ECONFLICT, "cannot %s a candidate who is %s", cmd.Kind, statusWords(j.Status))
	}
	if cmd.Kind == CmdRegister {
		if err := cmd.Profile.Validate(now); err != nil {
			return j, nil, err
		}
	}
	next := j
	next.Status = t.to
	switch t.to {
	case StatusInvited:
		next.InvitedAt = now
	case StatusRegistered:
		next.RegisteredAt = now
	default:
		next.ClosedAt = now
	}
	return next, []Event{{Type: t.event, From: j.Status, To: t.to, At: now}}, nil
}

func statusWords(s Status) string {
	if s == StatusNone {
		return "not yet invited"
	}
	return string(s)
}
