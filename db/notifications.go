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
	out := InterestAudience{InterestNotice: n}
	org := uuid.MustParse(n.OrgID)
	users, err := tx.q.OrgNotifiableUsers(ctx, tx.tx, &org)
	if err != nil {
		return InterestAudience{}, fmt.Errorf("list organisation users: %w", interpretError(err))
	}
	for _, u := range users {
		out.Recipients = append(out.Recipients, u.String())
	}
	switch _, err := tx.q.OrgVerifiedMailbox(ctx, tx.tx, org); {
	case err == nil:
		out.Recipients = append(out.Recipients, MailboxRecipient)
	case !notFound(interpretError(err)):
		return InterestAudience{}, fmt.Errorf("load mailbox: %w", interpretError(err))
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
