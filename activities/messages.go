package activities

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// MessageRecipients returns who is to be told about a new message: the
// other side of its thread, IDs only (user IDs and db.MailboxRecipient);
// none once the message is hidden or gone, or the organisation no longer
// sees the candidate.
func (a *Activities) MessageRecipients(ctx context.Context, in sim.MessageNotificationArgs) ([]string, error) {
	var recipients []string
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		recipients, err = tx.MessageAudience(ctx, in.MessageID)
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("message gone: nobody to tell", "message_id", in.MessageID)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load message audience: %w", err)
	}
	return recipients, nil
}

// MessageRecipientRef names one recipient of one message notification.
type MessageRecipientRef struct {
	sim.MessageNotificationArgs
	Recipient string
}

// NotifyMessage tells one recipient that the other side of their thread
// wrote: exactly once per (message, recipient), however often it is
// retried or its worker dies (see db.Tx.DeliverOnce). The email links to
// the thread and carries nothing of the message. It reports whether an
// email went now.
func (a *Activities) NotifyMessage(ctx context.Context, in MessageRecipientRef) (bool, error) {
	key := "message/" + in.MessageID + "/" + in.Recipient
	var sent bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		notice, err := tx.MessageNotice(ctx, in.MessageID)
		if err != nil || !notice.Open {
			return err
		}
		var to, name, link string
		if notice.FromCandidate {
			to, err = tx.NotificationAddress(ctx, notice.OrgID, in.Recipient)
			name, link = emailMessageToOrg, CandidateLink(a.PublicURL, notice.OrgID, notice.CandidateID)+"/messages"
		} else {
			if in.Recipient != notice.CandidateUserID {
				return nil
			}
			to, err = tx.CandidateAddress(ctx, in.Recipient)
			name, link = emailMessageToCandidate, ThreadLink(a.PublicURL, notice.OrgID)
		}
		if err != nil || to == "" {
			return err
		}
		sent, err = a.sendOnce(ctx, tx, name, key, to, EmailData{Organisation: notice.OrgName, Link: link})
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("message gone: not sent", "message_id", in.MessageID)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("notify message: %w", err)
	}
	activity.GetLogger(ctx).Info("message notification", "message_id", in.MessageID, "recipient", in.Recipient, "sent", sent)
	return sent, nil
}

// ThreadLink is where a candidate reads their thread with an organisation.
func ThreadLink(publicURL, orgID string) string {
	return strings.TrimRight(publicURL, "/") + "/me/threads/" + url.PathEscape(orgID)
}
