package sim

import (
	"slices"
	"strings"
	"time"
)

// Information requests: somebody outside the programme asks for figures
// (a member organisation, a special-interest group, an academic, a
// company, anyone else). The operator logs every request, whatever comes
// of it: who asks, what for and what they ask; decides to comply or deny,
// with a reason; acknowledges it within InfoAcknowledgeWithin and supplies
// the figures, or a further contact, within InfoSupplyWithin after that.
// A request from an external party for commercial gain is denied by
// policy and flagged for the programme's attention. Nothing is ever
// deleted from the register: a denied request stays, with its reason.

// Requester is who asks.
type Requester string

// Requesters.
const (
	RequesterMember        Requester = "member_organisation"    // one of the programme's organisations
	RequesterInterestGroup Requester = "special_interest_group" // a group acting for the profession or the community
	RequesterAcademic      Requester = "academic"               // research, a degree
	RequesterCommercial    Requester = "commercial"             // a company
	RequesterOther         Requester = "other"
)

// Requesters lists every Requester.
var Requesters = []Requester{RequesterMember, RequesterInterestGroup, RequesterAcademic, RequesterCommercial, RequesterOther}

// InfoRequestState is where an information request stands.
type InfoRequestState string

// Information request states: logged, then acknowledged, then supplied;
// or denied at any point before it is supplied.
const (
	InfoReceived     InfoRequestState = "received"
	InfoAcknowledged InfoRequestState = "acknowledged"
	InfoSupplied     InfoRequestState = "supplied"
	InfoDenied       InfoRequestState = "denied"
)

// InfoRequestStates lists every state.
var InfoRequestStates = []InfoRequestState{InfoReceived, InfoAcknowledged, InfoSupplied, InfoDenied}

// The register's deadlines: acknowledge within a week of receiving, supply
// (or give a further contact) within a further week of acknowledging.
const (
	InfoAcknowledgeWithin = 7 * 24 * time.Hour
	InfoSupplyWithin      = 7 * 24 * time.Hour
)

// InfoRequest is one request in the register.
type InfoRequest struct {
	ID        string
	Requester Requester
	// Who is the requesting body's name (an organisation, a group, a
	// university, a company), not a person's.
	Who     string
	Purpose string // what they want it for
	Asked   string // what they ask for
	// CommercialGain: the requester would use it for commercial gain.
	CommercialGain bool
	State          InfoRequestState
	ReceivedAt     time.Time
	AcknowledgedAt time.Time // zero until acknowledged
	ClosedAt       time.Time // supplied or denied; zero until then
	// Reason is why it was denied, or what was supplied.
	Reason string
	// Flagged: denied by policy and brought to the programme's attention.
	Flagged bool
}

// PolicyDenial is the reason a request for commercial gain from outside
// the programme is denied.
const PolicyDenial = "Denied by policy: information is not released to an external party for commercial gain."

// NewInfoRequest is a request as the operator logs it at at, checked; a
// request for commercial gain from an external party (not one of the
// programme's organisations) is denied by policy at once, and flagged.
func NewInfoRequest(id string, requester Requester, who, purpose, asked string, commercialGain bool, at time.Time) (InfoRequest, error) {
	who, purpose, asked = strings.TrimSpace(who), strings.TrimSpace(purpose), strings.TrimSpace(asked)
	if !slices.Contains(Requesters, requester) {
		return InfoRequest{}, FieldError("requester", "requester must be one of %s", joinValues(Requesters))
	}
	for _, err := range []error{
		checkText("who", who, true, MaxInfoWhoLen),
		checkFreeText("purpose", purpose, true, MaxInfoTextLen),
		checkFreeText("asked", asked, true, MaxInfoTextLen),
	} {
		if err != nil {
			return InfoRequest{}, err
		}
	}
	r := InfoRequest{ID: id, Requester: requester, Who: who, Purpose: purpose, Asked: asked, CommercialGain: commercialGain,
		State: InfoReceived, ReceivedAt: at}
	if r.DeniedByPolicy() {
		r.State, r.ClosedAt, r.Reason, r.Flagged = InfoDenied, at, PolicyDenial, true
	}
	return r, nil
}

// DeniedByPolicy reports whether the policy denies r: an external party
// (anyone but one of the programme's organisations) asking for commercial
// gain, or a company.
func (r InfoRequest) DeniedByPolicy() bool {
	return r.Requester == RequesterCommercial || r.CommercialGain && r.Requester != RequesterMember
}

// AcknowledgeDue is when r must be acknowledged by.
func (r InfoRequest) AcknowledgeDue() time.Time { return r.ReceivedAt.Add(InfoAcknowledgeWithin) }

// SupplyDue is when r must be supplied by: a week after it was
// acknowledged, or after it was due to be.
func (r InfoRequest) SupplyDue() time.Time {
	if !r.AcknowledgedAt.IsZero() {
		return r.AcknowledgedAt.Add(InfoSupplyWithin)
	}
	return r.AcknowledgeDue().Add(InfoSupplyWithin)
}

// Open reports whether r still waits for the operator.
func (r InfoRequest) Open() bool { return r.State == InfoReceived || r.State == InfoAcknowledged }

// NextDue is r's next deadline (zero once closed): acknowledging, then
// supplying.
func (r InfoRequest) NextDue() time.Time {
	switch r.State {
	case InfoReceived:
		return r.AcknowledgeDue()
	case InfoAcknowledged:
		return r.SupplyDue()
	}
	return time.Time{}
}

// DaysLeft is how many whole days are left before r's next deadline at
// now: negative once it passed; 0 for a closed request.
func (r InfoRequest) DaysLeft(now time.Time) int {
	if !r.Open() {
		return 0
	}
	d := r.NextDue().Sub(now)
	if d < 0 {
		return -int((-d + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return int(d / (24 * time.Hour))
}

// Acknowledge acknowledges r at at.
func (r InfoRequest) Acknowledge(at time.Time) (InfoRequest, error) {
	if r.State != InfoReceived {
		return r, Errorf(ECONFLICT, "the request is %s: only a received request is acknowledged", r.State)
	}
	r.State, r.AcknowledgedAt = InfoAcknowledged, at
	return r, nil
}

// Deny denies r at at for reason.
func (r InfoRequest) Deny(reason string, at time.Time) (InfoRequest, error) {
	reason = strings.TrimSpace(reason)
	if !r.Open() {
		return r, Errorf(ECONFLICT, "the request is already %s", r.State)
	}
	if err := checkFreeText("reason", reason, true, MaxInfoTextLen); err != nil {
		return r, err
	}
	r.State, r.ClosedAt, r.Reason = InfoDenied, at, reason
	return r, nil
}

// Supply records that r was supplied at at, with what was supplied. Only
// an acknowledged request is supplied, and never one the policy denies.
func (r InfoRequest) Supply(what string, at time.Time) (InfoRequest, error) {
	what = strings.TrimSpace(what)
	switch {
	case r.DeniedByPolicy():
		return r, Errorf(EFORBIDDEN, "the policy denies information to an external party for commercial gain")
	case r.State != InfoAcknowledged:
		return r, Errorf(ECONFLICT, "the request is %s: acknowledge it before supplying it", r.State)
	}
	if err := checkFreeText("supplied", what, true, MaxInfoTextLen); err != nil {
		return r, err
	}
	r.State, r.ClosedAt, r.Reason = InfoSupplied, at, what
	return r, nil
}

// InfoRequestReminder is how long before each deadline the operators are
// reminded of a request still waiting for that step.
const InfoRequestReminder = 2 * 24 * time.Hour

// WorkflowInfoRequest follows one information request to its deadlines.
const WorkflowInfoRequest = "InfoRequest"

// Signals an InfoRequest workflow takes.
const (
	SignalInfoRequestAcknowledged = "info-request-acknowledged"
	SignalInfoRequestClosed       = "info-request-closed"
)

// InfoRequestArgs starts an InfoRequest workflow: the request and when it
// was received (its first deadline follows).
type InfoRequestArgs struct {
	RequestID  string
	ReceivedAt time.Time
}

// InfoRequestAcknowledgedSignal is the acknowledgement signal's payload:
// when, from which the supply deadline follows.
type InfoRequestAcknowledgedSignal struct {
	At time.Time
}

// InfoRequestClosedSignal is the closing signal's payload: supplied or
// denied.
type InfoRequestClosedSignal struct {
	State InfoRequestState
}

// InfoRequestWorkflowID is the workflow ID that follows one request.
func InfoRequestWorkflowID(requestID string) string { return "info-request/" + requestID }

// StartInfoRequest is the intent to follow request r (an open one).
func StartInfoRequest(r InfoRequest) Intent {
	return Intent{WorkflowID: InfoRequestWorkflowID(r.ID), Workflow: WorkflowInfoRequest,
		Args: InfoRequestArgs{RequestID: r.ID, ReceivedAt: r.ReceivedAt}}
}

// SignalInfoRequestStep is the intent to tell r's workflow where r now
// stands: acknowledged, or closed (supplied or denied).
func SignalInfoRequestStep(r InfoRequest) Intent {
	if r.State == InfoAcknowledged {
		return Intent{WorkflowID: InfoRequestWorkflowID(r.ID), Signal: SignalInfoRequestAcknowledged,
			Args: InfoRequestAcknowledgedSignal{At: r.AcknowledgedAt}}
	}
	return Intent{WorkflowID: InfoRequestWorkflowID(r.ID), Signal: SignalInfoRequestClosed, Args: InfoRequestClosedSignal{State: r.State}}
}
