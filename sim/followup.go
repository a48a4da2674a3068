package sim

import (
	"slices"
	"time"
)

// Placement follow-up: after a placement the candidate is asked, at set
// months after the job's start date, whether they are still in post. An
// unanswered check-in is reminded once and then recorded as no answer.
// The answers feed the programme's reports.

// FollowUpPolicy is when a placement is followed up. A deployment sets
// its own; each placement keeps the schedule it started with.
type FollowUpPolicy struct {
	// Months are the check-ins, in months after the start date, ascending.
	Months []int
	// RemindAfter is how long an unanswered check-in waits before its one
	// reminder; AnswerWindow how long after the reminder before it is
	// recorded as no answer.
	RemindAfter  time.Duration
	AnswerWindow time.Duration
}

// DefaultFollowUpPolicy asks at 3, 6 and 12 months, reminds after two
// weeks and closes two weeks after the reminder.
var DefaultFollowUpPolicy = FollowUpPolicy{Months: []int{3, 6, 12}, RemindAfter: 14 * 24 * time.Hour, AnswerWindow: 14 * 24 * time.Hour}

// maxFollowUps bounds a schedule: five years of monthly check-ins.
const maxFollowUps = 60

// Validate checks a policy: one to 60 check-ins, each 1 to 60 months, in
// ascending order without repeats; positive durations.
func (p FollowUpPolicy) Validate() error {
	if len(p.Months) == 0 || len(p.Months) > maxFollowUps {
		return FieldError("months", "a follow-up needs between 1 and %d check-ins", maxFollowUps)
	}
	for i, m := range p.Months {
		if m < 1 || m > maxFollowUps {
			return FieldError("months", "a check-in is 1 to %d months after the start date, not %d", maxFollowUps, m)
		}
		if i > 0 && m <= p.Months[i-1] {
			return FieldError("months", "check-ins must be in ascending order without repeats")
		}
	}
	if p.RemindAfter <= 0 || p.AnswerWindow <= 0 {
		return FieldError("remind_after", "the reminder and the answer window must be positive durations")
	}
	return nil
}

// FollowUpAnswer is how a check-in ended.
type FollowUpAnswer string

// Follow-up answers.
const (
	FollowUpInPost    FollowUpAnswer = "in_post"
	FollowUpNotInPost FollowUpAnswer = "not_in_post"
	FollowUpNoAnswer  FollowUpAnswer = "no_answer" // reminded once, then nothing
)

// EventFollowUpAnswered is the journey event of a candidate's answer to a
// check-in (from is empty, to is the answer).
const EventFollowUpAnswered EventType = "follow_up.answered"

// FollowUp is one check-in as the candidate sees it.
type FollowUp struct {
	ID         string
	InterestID string
	OrgID      string
	OrgName    string
	Months     int
	DueOn      time.Time
	AskedAt    time.Time
	RemindedAt time.Time      // zero until reminded
	Answer     FollowUpAnswer // empty while open
	AnsweredAt time.Time      // zero while open
}

// Open reports whether the check-in still takes an answer.
func (f FollowUp) Open() bool { return f.Answer == "" }

// AnswerFollowUp is the candidate's answer to an open check-in:
// ECONFLICT once it has an answer (theirs, or no answer after the
// reminder).
func AnswerFollowUp(f FollowUp, stillInPost bool, now time.Time) (FollowUp, error) {
	if !f.Open() {
		return f, Errorf(ECONFLICT, "this check-in is closed: it was recorded as %s", f.Answer)
	}
	f.Answer, f.AnsweredAt = FollowUpNotInPost, now
	if stillInPost {
		f.Answer = FollowUpInPost
	}
	return f, nil
}

// FollowUpDue is when the check-in months after a start date is due.
func FollowUpDue(startsOn time.Time, months int) time.Time {
	return startsOn.UTC().AddDate(0, months, 0)
}

// WorkflowPlacementFollowUp is the workflow that follows a placement up.
const WorkflowPlacementFollowUp = "PlacementFollowUp"

// SignalFollowUpAnswered tells a PlacementFollowUp that the candidate
// answered a check-in.
const SignalFollowUpAnswered = "follow-up-answered"

// PlacementFollowUpWorkflowID is the workflow ID that follows up the
// placement on one interest.
func PlacementFollowUpWorkflowID(interestID string) string {
	return "placement-follow-up/" + interestID
}

// PlacementFollowUpArgs starts (or continues) a PlacementFollowUp: the
// interest placed, the start date, the schedule it keeps, and which
// check-in is next (continue-as-new moves it on).
type PlacementFollowUpArgs struct {
	InterestID   string
	OrgID        string
	StartsOn     time.Time // the job's start date (midnight UTC)
	Months       []int
	RemindAfter  Duration
	AnswerWindow Duration
	Next         int // index into Months
}

// FollowUpAnswered is the signal's payload: which check-in, and the answer.
type FollowUpAnswered struct {
	Months int
	Answer FollowUpAnswer
}

// StartPlacementFollowUp is the intent to follow up a placement under p.
func StartPlacementFollowUp(interestID, orgID string, startsOn time.Time, p FollowUpPolicy) Intent {
	return Intent{
		WorkflowID: PlacementFollowUpWorkflowID(interestID), Workflow: WorkflowPlacementFollowUp,
		Args: PlacementFollowUpArgs{
			InterestID: interestID, OrgID: orgID, StartsOn: startsOn, Months: slices.Clone(p.Months),
			RemindAfter: Duration(p.RemindAfter), AnswerWindow: Duration(p.AnswerWindow),
		},
	}
}

// SignalFollowUp is the intent to tell a placement's follow-up that the
// candidate answered.
func SignalFollowUp(interestID string, a FollowUpAnswered) Intent {
	return Intent{WorkflowID: PlacementFollowUpWorkflowID(interestID), Signal: SignalFollowUpAnswered, Args: a}
}
