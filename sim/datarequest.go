package sim

import (
	"slices"
	"strings"
	"time"
)

// Data requests: a formal request from a data subject (made by the
// candidate, or logged by the operator on their behalf), answered within
// a deadline the law sets, with reminders before it and escalation when
// it passes. Kept in a register the operator works through.

// DataRequestKind is what a request asks for.
type DataRequestKind string

// Data request kinds.
const (
	// RequestSubjectAccess asks for a copy of everything held about the
	// person: answered within one month, extendable by up to two more.
	RequestSubjectAccess DataRequestKind = "subject_access"
)

// DataRequestKinds lists every kind.
var DataRequestKinds = []DataRequestKind{RequestSubjectAccess}

// DataRequestState is where a request stands.
type DataRequestState string

// Data request states.
const (
	RequestOpen     DataRequestState = "open"
	RequestExtended DataRequestState = "extended"
	RequestOverdue  DataRequestState = "overdue"
	RequestAnswered DataRequestState = "answered"
)

// DataRequestStates lists every state.
var DataRequestStates = []DataRequestState{RequestOpen, RequestExtended, RequestOverdue, RequestAnswered}

// DataRequestReminder is how long before its deadline the operators are
// reminded of an unanswered request.
const DataRequestReminder = 7 * 24 * time.Hour

// MaxExtensionMonths is how far a request's deadline may be extended
// beyond the first: two months, for a complex or numerous request.
const MaxExtensionMonths = 2

// DataRequest is one request in the register.
type DataRequest struct {
	ID          string
	Kind        DataRequestKind
	CandidateID string // "" once the person was anonymised
	State       DataRequestState
	ReceivedAt  time.Time
	DueAt       time.Time
	// Extension is the reason the deadline was extended, when it was.
	Extension  string
	AnsweredAt time.Time // zero until answered
}

// DaysLeft is how many whole days are left before the deadline at now:
// negative once it passed, zero on the day.
func (r DataRequest) DaysLeft(now time.Time) int {
	d := r.DueAt.Sub(now)
	if d < 0 {
		return -int((-d + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return int(d / (24 * time.Hour))
}

// DataRequestDue is the first deadline of a request of kind k received
// at: a month later for subject access, on the same day of the next
// month or, when that month has no such day, on its last day (the ICO's
// rule: received 31 January, due 28 February, not 3 March).
func DataRequestDue(k DataRequestKind, at time.Time) time.Time {
	return AddMonths(at, 1)
}

// AddMonths is t moved n calendar months on, on the same day of the
// month or the last day of the target month when it is shorter. Go's
// AddDate normalises 31 January plus a month to 3 March instead.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}

// Validate checks a request's kind: EINVALID naming kind.
func (k DataRequestKind) Validate() error {
	if !slices.Contains(DataRequestKinds, k) {
		return FieldError("kind", "kind must be one of %s", joinValues(DataRequestKinds))
	}
	return nil
}

// Extend extends an open (or overdue) request's deadline by months (1 or
// 2, at most MaxExtensionMonths beyond the first deadline in all) for a
// reason: EINVALID naming the field, ECONFLICT once answered or when the
// extensions allowed are used up.
func (r DataRequest) Extend(months int, reason string, now time.Time) (DataRequest, error) {
	if r.State == RequestAnswered {
		return r, Errorf(ECONFLICT, "this request was answered on %s: nothing to extend", r.AnsweredAt.Format(time.DateOnly))
	}
	if months < 1 || months > MaxExtensionMonths {
		return r, FieldError("months", "an extension is 1 or %d months", MaxExtensionMonths)
	}
	reason = strings.TrimSpace(reason)
	if err := checkFreeText("reason", reason, true, MaxExtensionReason); err != nil {
		return r, err
	}
	first := DataRequestDue(r.Kind, r.ReceivedAt)
	// Every deadline counts from the day the request was received: one
	// month, then the months of extension (31 January: 28 February, then
	// 31 March, not 28 March).
	extended := 0
	for k := 1; k <= MaxExtensionMonths; k++ {
		if r.DueAt.Equal(AddMonths(r.ReceivedAt, 1+k)) {
			extended = k
		}
	}
	if extended+months > MaxExtensionMonths {
		return r, Errorf(ECONFLICT, "a request may be extended by at most %d months beyond its first deadline (%s)", MaxExtensionMonths, first.Format(time.DateOnly))
	}
	due := AddMonths(r.ReceivedAt, 1+extended+months)
	r.DueAt, r.Extension, r.State = due, reason, RequestExtended
	return r, nil
}

// Answer records that the request was answered: ECONFLICT when it was
// already.
func (r DataRequest) Answer(now time.Time) (DataRequest, error) {
	if r.State == RequestAnswered {
		return r, Errorf(ECONFLICT, "this request was answered already, on %s", r.AnsweredAt.Format(time.DateOnly))
	}
	r.State, r.AnsweredAt = RequestAnswered, now
	return r, nil
}

// WorkflowDataRequest follows one data request to its deadline.
const WorkflowDataRequest = "DataRequest"

// Signals a DataRequest workflow takes.
const (
	SignalDataRequestExtended = "data-request-extended"
	SignalDataRequestAnswered = "data-request-answered"
)

// DataRequestArgs starts a DataRequest workflow: the request and its
// first deadline.
type DataRequestArgs struct {
	RequestID string
	Kind      DataRequestKind
	DueAt     time.Time
}

// DataRequestExtended is the extension signal's payload: the new deadline.
type DataRequestExtended struct {
	DueAt time.Time
}

// DataRequestWorkflowID is the workflow ID that follows one request.
func DataRequestWorkflowID(requestID string) string { return "data-request/" + requestID }

// StartDataRequest is the intent to follow request r.
func StartDataRequest(r DataRequest) Intent {
	return Intent{WorkflowID: DataRequestWorkflowID(r.ID), Workflow: WorkflowDataRequest,
		Args: DataRequestArgs{RequestID: r.ID, Kind: r.Kind, DueAt: r.DueAt}}
}

// SignalDataRequestExtension is the intent to tell r's workflow its new deadline.
func SignalDataRequestExtension(r DataRequest) Intent {
	return Intent{WorkflowID: DataRequestWorkflowID(r.ID), Signal: SignalDataRequestExtended, Args: DataRequestExtended{DueAt: r.DueAt}}
}

// SignalDataRequestAnswer is the intent to tell r's workflow it was answered.
func SignalDataRequestAnswer(r DataRequest) Intent {
	return Intent{WorkflowID: DataRequestWorkflowID(r.ID), Signal: SignalDataRequestAnswered}
}
