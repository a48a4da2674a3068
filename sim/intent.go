package sim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Intent is a workflow start or signal that a committed change causes. It
// is written to the outbox in the change's own transaction and delivered
// to Temporal by the relay afterwards, so a change is never committed
// without its consequence, and a Temporal outage delays work but loses
// none. WorkflowID is derived from the row that caused the intent, which
// is what makes delivery idempotent. Args carry IDs and enumerations only.
type Intent struct {
	WorkflowID string
	Workflow   string // workflow type to start; empty for a signal
	Signal     string // signal to send; empty for a start
	Args       any
}

// The engine's long-running processes, as the domain names them. The
// workflows package registers its functions under these names.
const (
	WorkflowInvitation          = "Invitation"
	WorkflowInvitationResend    = "InvitationResend" // no longer started; kept for executions already running
	WorkflowRegistrationRequest = "RegistrationRequest"

	WorkflowOrgOnboarding       = "OrgOnboarding"
	WorkflowAccountInvitation   = "AccountInvitation"
	WorkflowPasswordReset       = "PasswordReset"
	WorkflowMailboxVerification = "MailboxVerification"

	WorkflowInterestNotification = "InterestNotification"
	WorkflowMessageNotification  = "MessageNotification"

	// WorkflowRetention applies the retention schedule; a Temporal Schedule
	// starts it daily.
	WorkflowRetention = "Retention"

	// SignalInvitationRegistered tells an Invitation that its invitee registered.
	SignalInvitationRegistered = "registered"
	// SignalAccountAccepted tells an OrgOnboarding or AccountInvitation
	// that its invitee set up their account.
	SignalAccountAccepted = "accepted"
)

// OrgOnboardingWorkflowID is the workflow ID of the OrgOnboarding that
// invites an organisation's initial administrator with one invitation.
func OrgOnboardingWorkflowID(orgID, invitationID string) string {
	return "org-onboarding/" + orgID + "/" + invitationID
}

// AccountInvitationWorkflowID is the workflow ID of the AccountInvitation
// that sends an admin's invitation of a colleague.
func AccountInvitationWorkflowID(invitationID string) string {
	return "account-invitation/" + invitationID
}

// PasswordResetWorkflowID is the workflow ID that handles one request for
// a password reset link.
func PasswordResetWorkflowID(requestID string) string { return "password-reset/" + requestID }

// PasswordResetArgs starts a PasswordReset workflow.
type PasswordResetArgs struct {
	RequestID string
}

// StartPasswordReset is the intent to handle a request for a password
// reset link.
func StartPasswordReset(requestID string) Intent {
	return Intent{WorkflowID: PasswordResetWorkflowID(requestID), Workflow: WorkflowPasswordReset, Args: PasswordResetArgs{RequestID: requestID}}
}

// InterestNotificationWorkflowID is the workflow ID that tells an
// organisation about one interest event (a journey event's ID).
func InterestNotificationWorkflowID(eventID string) string { return "interest-notification/" + eventID }

// InterestNotificationArgs starts an InterestNotification workflow.
type InterestNotificationArgs struct {
	EventID    string
	InterestID string
	OrgID      string
}

// StartInterestNotification is the intent to tell an organisation's users
// and group mailbox that a candidate chose it.
func StartInterestNotification(eventID, interestID, orgID string) Intent {
	return Intent{
		WorkflowID: InterestNotificationWorkflowID(eventID), Workflow: WorkflowInterestNotification,
		Args: InterestNotificationArgs{EventID: eventID, InterestID: interestID, OrgID: orgID},
	}
}

// MailboxVerificationWorkflowID is the workflow ID that sends one group
// mailbox verification link.
func MailboxVerificationWorkflowID(verificationID string) string {
	return "mailbox-verification/" + verificationID
}

// MailboxVerificationArgs starts a MailboxVerification workflow.
type MailboxVerificationArgs struct {
	VerificationID string
	OrgID          string
}

// StartMailboxVerification is the intent to send a group mailbox's
// verification link.
func StartMailboxVerification(verificationID, orgID string) Intent {
	return Intent{
		WorkflowID: MailboxVerificationWorkflowID(verificationID), Workflow: WorkflowMailboxVerification,
		Args: MailboxVerificationArgs{VerificationID: verificationID, OrgID: orgID},
	}
}

// PasswordResetWindow is how long a password reset link works.
const PasswordResetWindow = time.Hour

// AccountInvitationArgs starts an OrgOnboarding or an AccountInvitation.
type AccountInvitationArgs struct {
	InvitationID string
	OrgID        string
	Window       Duration // how long the invitee has to set up their account
	RemindAfter  Duration // when to remind them, if they have not
}

// StartAccountInvitation is the intent to run inv's workflow: an
// OrgOnboarding for the onboarding invitation of an organisation's initial
// administrator, an AccountInvitation for a colleague's.
func StartAccountInvitation(inv AccountInvitation) Intent {
	window := inv.ExpiresAt.Sub(inv.CreatedAt)
	args := AccountInvitationArgs{
		InvitationID: inv.ID, OrgID: inv.OrgID, Window: Duration(window), RemindAfter: Duration(ReminderAfter(window)),
	}
	if inv.Kind == AccountInvitationOnboarding {
		return Intent{WorkflowID: OrgOnboardingWorkflowID(inv.OrgID, inv.ID), Workflow: WorkflowOrgOnboarding, Args: args}
	}
	return Intent{WorkflowID: AccountInvitationWorkflowID(inv.ID), Workflow: WorkflowAccountInvitation, Args: args}
}

// SignalAccountInvitationAccepted is the intent to tell inv's workflow
// that its invitee set up their account.
func SignalAccountInvitationAccepted(inv AccountInvitation) Intent {
	in := StartAccountInvitation(inv)
	return Intent{WorkflowID: in.WorkflowID, Signal: SignalAccountAccepted}
}

// InvitationWorkflowID is the workflow ID of an invitation's Invitation.
func InvitationWorkflowID(invitationID string) string { return "invitation/" + invitationID }

// RegistrationRequestWorkflowID is the workflow ID that handles one
// request for a registration link.
func RegistrationRequestWorkflowID(requestID string) string {
	return "registration-request/" + requestID
}

// InvitationArgs starts an Invitation workflow. IDs and enumerations only.
type InvitationArgs struct {
	InvitationID string
	Kind         InvitationKind
	Window       Duration // how long the invitee has to register
}

// RegistrationRequestArgs starts a RegistrationRequest workflow.
type RegistrationRequestArgs struct {
	RequestID string
}

// StartInvitation is the intent to run inv's Invitation workflow.
func StartInvitation(inv Invitation) Intent {
	return Intent{
		WorkflowID: InvitationWorkflowID(inv.ID),
		Workflow:   WorkflowInvitation,
		Args:       InvitationArgs{InvitationID: inv.ID, Kind: inv.Kind, Window: Duration(inv.ExpiresAt.Sub(inv.CreatedAt))},
	}
}

// SignalRegistered is the intent to tell an invitation's workflow that its
// invitee has registered.
func SignalRegistered(invitationID string) Intent {
	return Intent{WorkflowID: InvitationWorkflowID(invitationID), Signal: SignalInvitationRegistered}
}

// StartRegistrationRequest is the intent to handle a request for a
// registration link.
func StartRegistrationRequest(requestID string) Intent {
	return Intent{
		WorkflowID: RegistrationRequestWorkflowID(requestID),
		Workflow:   WorkflowRegistrationRequest,
		Args:       RegistrationRequestArgs{RequestID: requestID},
	}
}

// Validate reports an intent that names neither or both of a workflow and
// a signal, or no workflow ID.
func (i Intent) Validate() error {
	if i.WorkflowID == "" || (i.Workflow == "") == (i.Signal == "") {
		return fmt.Errorf("intent %q: needs a workflow ID and exactly one of a workflow type or a signal", i.WorkflowID)
	}
	return nil
}

// Duration is a time.Duration that reads well where people see it: it is
// written to JSON as "720h0m0s", so a workflow's input in the Temporal UI
// says how long it waits. It reads that form and, for inputs recorded
// before it existed, a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds; null
// leaves d unchanged, as encoding/json does for its own types.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("duration: want a string such as \"720h\" or nanoseconds, got %s", b)
	}
	*d = Duration(n)
	return nil
}

// String is the Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }
