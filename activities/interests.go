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

// InterestRef names one interest event: the journey event of a candidate
// choosing an organisation, and the interest it is about.
type InterestRef struct {
	EventID    string
	InterestID string
	OrgID      string
}

// InterestRecipients returns who is to be told about the interest event:
// IDs only (user IDs and db.MailboxRecipient), in a stable order; none
// when the organisation no longer sees the candidate, or the interest is
// gone.
func (a *Activities) InterestRecipients(ctx context.Context, in InterestRef) ([]string, error) {
	var aud db.InterestAudience
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		aud, err = tx.InterestAudience(ctx, in.InterestID)
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("interest gone: nobody to tell", "interest_id", in.InterestID)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load interest audience: %w", err)
	}
	if !aud.Visible {
		activity.GetLogger(ctx).Info("organisation no longer sees the candidate: nobody to tell", "interest_id", in.InterestID)
	}
	return aud.Recipients, nil
}

// InterestRecipientRef names one recipient of one interest event.
type InterestRecipientRef struct {
	InterestRef
	Recipient string
}

// NotifyInterest tells one recipient that a candidate chose their
// organisation: exactly once per (event, recipient), however often it is
// retried or its worker dies (see db.Tx.DeliverOnce). The email links to
// the candidate in Muster and names nobody. It reports whether an email
// went now.
func (a *Activities) NotifyInterest(ctx context.Context, in InterestRecipientRef) (bool, error) {
	key := "interest/" + in.EventID + "/" + in.Recipient
	var sent bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		notice, err := tx.InterestNotice(ctx, in.InterestID)
		if err != nil || !notice.Visible {
			return err
		}
		to, err := tx.NotificationAddress(ctx, in.OrgID, in.Recipient)
		if err != nil || to == "" {
			return err
		}
		sent, err = a.sendOnce(ctx, tx, emailInterestNotification, key, to, EmailData{
			Organisation: notice.OrgName,
			Link:         CandidateLink(a.PublicURL, notice.OrgID, notice.CandidateID),
		})
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("interest gone: not sent", "interest_id", in.InterestID)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("notify interest: %w", err)
	}
	activity.GetLogger(ctx).Info("interest notification", "event_id", in.EventID, "recipient", in.Recipient, "sent", sent)
	return sent, nil
}

// CandidateLink is where an organisation's user sees a candidate.
func CandidateLink(publicURL, orgID, candidateID string) string {
	return strings.TrimRight(publicURL, "/") + "/organisations/" + url.PathEscape(orgID) + "/candidates/" + url.PathEscape(candidateID)
}

// sendOnce renders the email name for to and sends it through the
// Notifier unless key was delivered already (see db.Tx.DeliverOnce). It
// reports whether it went now.
func (a *Activities) sendOnce(ctx context.Context, tx *db.Tx, name, key, to string, data EmailData) (bool, error) {
	msg, err := a.message(name, key, to, data)
	if err != nil {
		return false, err
	}
	return tx.DeliverOnce(ctx, key, a.now(), func() error { return a.Notifier.Notify(ctx, msg) })
}
