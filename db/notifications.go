package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Notifications: who is told about what, and the ledger that makes each
// notification go out once per recipient however often an activity is
// retried or a worker dies.

// MailboxRecipient names an organisation's group mailbox among the
// recipients of a notification; the others are user IDs.
const MailboxRecipient = "mailbox"

// InterestNotice is what a notification about an interest says: which
// organisation, and the candidate to link to, and whether the
// organisation still sees them (nothing is sent if not: the choice was
// taken back, consent withdrawn...).
type InterestNotice struct {
	OrgID       string
	OrgName     string
	CandidateID string
	Visible     bool
}

// InterestAudience is who is told that a candidate chose an organisation.
type InterestAudience struct {
	InterestNotice
	// Recipients are the organisation's active users' IDs, in a stable
	// order, then MailboxRecipient if its group mailbox is verified; none
	// when the organisation no longer sees the candidate.
	Recipients []string
}

// InterestNotice returns what a notification about the interest
// interestID says. Engine only; ENOTFOUND when the interest is gone.
func (tx *Tx) InterestNotice(ctx context.Context, interestID string) (InterestNotice, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return InterestNotice{}, err
	}
	id, err := parseID("interest_id", interestID)
	if err != nil {
		return InterestNotice{}, err
	}
	r, err := tx.q.InterestForNotification(ctx, tx.tx, id)
	if err != nil {
		return InterestNotice{}, wrapNotFound("load interest", err)
	}
	return InterestNotice{OrgID: r.OrgID.String(), OrgName: r.OrgName, CandidateID: r.CandidateID.String(), Visible: r.Visible}, nil
}

// InterestAudience returns who is to be told about the interest
// interestID. Engine only; ENOTFOUND when the interest is gone.
func (tx *Tx) InterestAudience(ctx context.Context, interestID string) (InterestAudience, error) {
	n, err := tx.InterestNotice(ctx, interestID)
	if err != nil || !n.Visible {
		return InterestAudience{InterestNotice: n}, err
	}
	recipients, err := tx.orgRecipients(ctx, uuid.MustParse(n.OrgID))
	if err != nil {
		return InterestAudience{}, err
	}
	return InterestAudience{InterestNotice: n, Recipients: recipients}, nil
}

// orgRecipients is everyone at the organisation org who is told about its
// candidates: its active users' IDs, in a stable order, then
// MailboxRecipient if its group mailbox is verified.
func (tx *Tx) orgRecipients(ctx context.Context, org uuid.UUID) ([]string, error) {
	users, err := tx.q.OrgNotifiableUsers(ctx, tx.tx, &org)
	if err != nil {
		return nil, fmt.Errorf("list organisation users: %w", interpretError(err))
	}
	out := make([]string, 0, len(users)+1)
	for _, u := range users {
		out = append(out, u.String())
	}
	switch _, err := tx.q.OrgVerifiedMailbox(ctx, tx.tx, org); {
	case err == nil:
		out = append(out, MailboxRecipient)
	case !notFound(interpretError(err)):
		return nil, fmt.Errorf("load mailbox: %w", interpretError(err))
	}
	return out, nil
}

// NotificationAddress returns where recipient (a user ID or
// MailboxRecipient) of the organisation orgID is written to now, or ""
// when there is nowhere any more (the user was disabled, the mailbox
// changed and is not yet verified). Engine only.
func (tx *Tx) NotificationAddress(ctx context.Context, orgID, recipient string) (string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	org, err := parseID("org_id", orgID)
	if err != nil {
		return "", err
	}
	if recipient == MailboxRecipient {
		mailbox, err := tx.q.OrgVerifiedMailbox(ctx, tx.tx, org)
		if err = interpretError(err); notFound(err) {
			return "", nil
		} else if err != nil {
			return "", fmt.Errorf("load mailbox: %w", err)
		}
		return mailbox, nil
	}
	uid, err := uuid.Parse(recipient)
	if err != nil {
		return "", sim.FieldError("recipient", "recipient must be a user ID or %q", MailboxRecipient)
	}
	email, err := tx.q.UserEmailForNotification(ctx, tx.tx, dbgen.UserEmailForNotificationParams{ID: uid, OrgID: &org})
	if err = interpretError(err); notFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("load recipient: %w", err)
	}
	return email, nil
}

// DeliverOnce runs send unless the notification key was already
// delivered, and records it as delivered when send succeeds, all in this
// transaction and holding key until it ends: two attempts at one
// notification never run at once, and one that failed, or whose process
// died, leaves nothing recorded, so the next attempt sends it. It reports
// whether send ran. Engine only.
func (tx *Tx) DeliverOnce(ctx context.Context, key string, now time.Time, send func() error) (bool, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return false, err
	}
	if err := tx.q.NotificationDeliveryLock(ctx, tx.tx, key); err != nil {
		return false, fmt.Errorf("lock notification: %w", interpretError(err))
	}
	done, err := tx.q.NotificationDelivered(ctx, tx.tx, key)
	if err != nil {
		return false, fmt.Errorf("check notification: %w", interpretError(err))
	}
	if done {
		return false, nil
	}
	if err := send(); err != nil {
		return false, err
	}
	if err := tx.q.NotificationDeliveryRecord(ctx, tx.tx, dbgen.NotificationDeliveryRecordParams{Key: key, Now: now}); err != nil {
		return false, fmt.Errorf("record notification: %w", interpretError(err))
	}
	return true, nil
}

// MessageNotice is what a notification about a new message says: which
// organisation and candidate the thread is between, who wrote, and
// whether it is still to be told (nothing is sent once the message is
// hidden or the organisation no longer sees the candidate).
type MessageNotice struct {
	OrgID           string
	OrgName         string
	CandidateID     string
	CandidateUserID string
	FromCandidate   bool
	Open            bool
}

// MessageNotice returns what a notification about the message messageID
// says. Engine only; ENOTFOUND when the message is gone.
func (tx *Tx) MessageNotice(ctx context.Context, messageID string) (MessageNotice, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return MessageNotice{}, err
	}
	id, err := parseID("message_id", messageID)
	if err != nil {
		return MessageNotice{}, err
	}
	r, err := tx.q.MessageForNotification(ctx, tx.tx, id)
	if err != nil {
		return MessageNotice{}, wrapNotFound("load message", err)
	}
	return MessageNotice{
		OrgID: r.OrgID.String(), OrgName: r.OrgName, CandidateID: r.CandidateID.String(),
		CandidateUserID: idString(r.CandidateUserID), FromCandidate: r.FromCandidate, Open: r.Open,
	}, nil
}

// MessageAudience returns who is told about the message messageID: the
// other side of its thread. For a candidate's message, the
// organisation's active users and its verified mailbox (as for an
// interest); for an organisation's, the candidate. IDs only; none once
// the notice is no longer open. Engine only.
func (tx *Tx) MessageAudience(ctx context.Context, messageID string) ([]string, error) {
	n, err := tx.MessageNotice(ctx, messageID)
	if err != nil || !n.Open {
		return nil, err
	}
	if !n.FromCandidate {
		if n.CandidateUserID == "" {
			return nil, nil
		}
		return []string{n.CandidateUserID}, nil
	}
	return tx.orgRecipients(ctx, uuid.MustParse(n.OrgID))
}

// CandidateAddress returns where the candidate whose account is userID is
// written to, or "" when their account is gone or disabled. Engine only.
func (tx *Tx) CandidateAddress(ctx context.Context, userID string) (string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	uid, err := uuid.Parse(userID)
	if err != nil {
		return "", sim.FieldError("recipient", "recipient must be a user ID")
	}
	email, err := tx.q.CandidateEmailForNotification(ctx, tx.tx, uid)
	if err = interpretError(err); notFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("load recipient: %w", err)
	}
	return email, nil
}
