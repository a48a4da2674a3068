package activities

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Activities is what Muster's workflows call. Register a *Activities with
// the worker; every exported method is an activity.
type Activities struct {
	Store    *db.Store
	Notifier sim.Notifier
	// PublicURL is where people reach the front end; registration links are
	// PublicURL + "/register?token=...".
	PublicURL string
	// ResendGap is the least time between two emails for one invitation
	// when the invitee asks for the link again; zero means DefaultResendGap.
	ResendGap time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultResendGap: asking for the link again sends at most one email
// every ten minutes, whoever asks and however often.
const DefaultResendGap = 10 * time.Minute

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// InvitationRef names one invitation.
type InvitationRef struct {
	InvitationID string
}

// SendInvitation issues the invitation's single-use token and emails the
// registration link. It sends nothing when the invitation was already
// sent, used or deleted, so retries are safe.
func (a *Activities) SendInvitation(ctx context.Context, in InvitationRef) error {
	link, err := a.Store.IssueInvitationToken(ctx, in.InvitationID)
	if err != nil {
		return fmt.Errorf("issue invitation token: %w", err)
	}
	if link.Token == "" {
		activity.GetLogger(ctx).Info("invitation already sent, used or gone", "invitation_id", in.InvitationID)
		return nil
	}
	return a.send(ctx, in.InvitationID, link)
}

// ResendInvitation sends the invitee a new link, which replaces the old
// one, when they ask for it again. It sends nothing when the invitation is
// used, gone or past its window, or was emailed less than ResendGap ago.
func (a *Activities) ResendInvitation(ctx context.Context, in InvitationRef) error {
	gap := a.ResendGap
	if gap == 0 {
		gap = DefaultResendGap
	}
	link, err := a.Store.ReissueInvitationToken(ctx, in.InvitationID, a.now(), gap)
	if err != nil {
		return fmt.Errorf("reissue invitation token: %w", err)
	}
	if link.Token == "" {
		activity.GetLogger(ctx).Info("invitation not resent: used, gone, closed or sent recently", "invitation_id", in.InvitationID)
		return nil
	}
	return a.send(ctx, in.InvitationID, link)
}

// send emails the link and records that it went.
func (a *Activities) send(ctx context.Context, invitationID string, link db.InvitationLink) error {
	if err := a.Notifier.Notify(ctx, invitationMessage(invitationID, link, a.PublicURL)); err != nil {
		return fmt.Errorf("send invitation: %w", err)
	}
	if err := a.Store.MarkInvitationSent(ctx, invitationID, a.now()); err != nil {
		return fmt.Errorf("mark invitation sent: %w", err)
	}
	activity.GetLogger(ctx).Info("invitation sent", "invitation_id", invitationID)
	return nil
}

// ExpireResult says whether an expiry deleted anything.
type ExpireResult struct {
	Expired bool // false when the person registered first
}

// ExpireInvitation deletes an unregistered invitee's details, leaving only
// an anonymous count. Idempotent; does nothing once the person registered.
func (a *Activities) ExpireInvitation(ctx context.Context, in InvitationRef) (ExpireResult, error) {
	expired, err := a.Store.ExpireInvitation(ctx, in.InvitationID, a.now())
	if err != nil {
		return ExpireResult{}, fmt.Errorf("expire invitation: %w", err)
	}
	activity.GetLogger(ctx).Info("invitation window closed", "invitation_id", in.InvitationID, "expired", expired)
	return ExpireResult{Expired: expired}, nil
}

func invitationMessage(invitationID string, link db.InvitationLink, publicURL string) sim.Message {
	u := publicURL + "/register?token=" + url.QueryEscape(link.Token)
	subject := "You're invited to register with Step into Health"
	intro := "You have been invited to register with the Step into Health programme, which connects the Armed Forces community with careers in the NHS."
	if link.Kind == sim.InvitationSelf {
		subject = "Finish registering with Step into Health"
		intro = "You asked to register with the Step into Health programme. Please confirm this is your email address by finishing your registration."
	}
	body := intro + "\n\n" +
		"Complete your registration here:\n" + u + "\n\n" +
		"The link works once. If you do not register before it expires, we delete your details.\n" +
		"If you did not expect this email, you can ignore it.\n"
	return sim.Message{Key: "invitation/" + invitationID, To: link.Email, Subject: subject, Body: body}
}
