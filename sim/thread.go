package sim

import (
	"slices"
	"strings"
	"time"
)

// Message threads: one per candidate and organisation. Every user of the
// organisation and the candidate read the whole thread; a message is
// written by one side and tells the other. Messaging follows visibility:
// an organisation reads and writes a thread only while it sees the
// candidate (VisibilityPolicy), and the candidate writes to it only then,
// though they can always read what is theirs.

// CheckMessage validates a message's text: required, not blank, free text
// (line breaks allowed), at most MaxMessageLen characters.
func CheckMessage(body string) error {
	if err := checkFreeText("body", body, true, MaxMessageLen); err != nil {
		return err
	}
	if strings.TrimSpace(body) == "" {
		return FieldError("body", "body must not be blank")
	}
	return nil
}

// ReportReason is why a participant reports a message under the code of
// conduct.
type ReportReason string

// Report reasons.
const (
	ReportDisrespectful  ReportReason = "disrespectful"
	ReportDiscriminatory ReportReason = "discriminatory"
	ReportHarassment     ReportReason = "harassment"
	ReportPersonalData   ReportReason = "personal_data" // shares someone's personal data where it should not be
	ReportSpam           ReportReason = "spam"
	ReportOther          ReportReason = "other"
)

// ReportReasons lists every ReportReason.
var ReportReasons = []ReportReason{ReportDisrespectful, ReportDiscriminatory, ReportHarassment, ReportPersonalData, ReportSpam, ReportOther}

// MessageReport is a participant's report of a message.
type MessageReport struct {
	Reason ReportReason
	Note   string // optional; required when Reason is other
}

// Validate checks a report: a reason from the list, and a note (free
// text) that says what is wrong when the reason is other.
func (r MessageReport) Validate() error {
	if !slices.Contains(ReportReasons, r.Reason) {
		return FieldError("reason", "reason must be one of %s", joinValues(ReportReasons))
	}
	if err := checkFreeText("note", r.Note, r.Reason == ReportOther, MaxModerationTextLen); err != nil {
		return err
	}
	return nil
}

// ModerationAction is the operator's decision on a reported message.
type ModerationAction string

// Moderation actions.
const (
	ModerationHide    ModerationAction = "hide"    // the message is hidden from everyone but the operator
	ModerationDismiss ModerationAction = "dismiss" // the report is closed; the message stays
)

// ModerationDecision is the operator's decision on a report, with the
// reason for it (kept with the hidden message for the audit).
type ModerationDecision struct {
	Action ModerationAction
	Reason string
}

// Validate checks a decision: hide or dismiss, and a reason when hiding.
func (d ModerationDecision) Validate() error {
	if d.Action != ModerationHide && d.Action != ModerationDismiss {
		return FieldError("action", "action must be one of hide, dismiss")
	}
	return checkFreeText("reason", d.Reason, d.Action == ModerationHide, MaxModerationTextLen)
}

// ThreadMessage is one message of a thread as its reader sees it.
type ThreadMessage struct {
	ID            string
	Seq           int64 // its place in the thread: a cursor for the page after it
	FromCandidate bool
	// AuthorID is the user who wrote it: empty once their account is
	// gone.
	AuthorID string
	Body     string
	SentAt   time.Time
}

// ThreadSummary is one thread in a list, for the person reading it.
type ThreadSummary struct {
	ID            string
	CandidateID   string
	OrgID         string
	OrgName       string // for the candidate's list
	LastMessageAt time.Time
	// Unread counts the messages from the other side that the reader has
	// not read.
	Unread int
}

// MessageCursor is a position in a thread: messages older than Seq.
type MessageCursor struct {
	Seq int64
}

// ThreadCursor is a position in a list of threads, newest activity first.
type ThreadCursor struct {
	LastMessageAt time.Time
	ID            string
}

// ReportCursor is a position in the moderation queue, oldest first.
type ReportCursor struct {
	ReportedAt time.Time
	ID         string
}

// ReportedMessage is one open report in the operator's moderation queue.
type ReportedMessage struct {
	ReportID   string
	MessageID  string
	ThreadID   string
	OrgID      string
	ReportedBy string
	Reason     ReportReason
	Note       string
	ReportedAt time.Time
	Body       string
	// FromCandidate and AuthorID say who wrote the reported message.
	FromCandidate bool
	AuthorID      string
	SentAt        time.Time
}

// MessageNotificationWorkflowID is the workflow ID that tells the other
// side of a thread about one new message.
func MessageNotificationWorkflowID(messageID string) string {
	return "message-notification/" + messageID
}

// MessageNotificationArgs starts a MessageNotification workflow: IDs and
// which side wrote, nothing of what was written.
type MessageNotificationArgs struct {
	MessageID     string
	ThreadID      string
	OrgID         string
	FromCandidate bool
}

// StartMessageNotification is the intent to tell the other side of a
// thread about a new message.
func StartMessageNotification(a MessageNotificationArgs) Intent {
	return Intent{WorkflowID: MessageNotificationWorkflowID(a.MessageID), Workflow: WorkflowMessageNotification, Args: a}
}
