package activities

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Activities is what Muster's workflows call. Register a *Activities with
// the worker (workflows.Register does); every exported method is an
// activity. Each runs its data work as the engine (see asEngine).
type Activities struct {
	Store    *db.Store
	Notifier sim.Notifier
	// Programme names the programme in emails; PublicURL is where people
	// reach the front end: registration links are
	// PublicURL + "/register?token=...".
	Programme string
	PublicURL string
	// Emails is the wording of the emails; zero fields use DefaultEmails.
	Emails Emails
	// InvitationWindow is how long a person who asked to register has to
	// finish; zero means sim.DefaultInvitationWindow.
	InvitationWindow time.Duration
	// ResendGap is the least time between two emails for one invitation
	// when the invitee asks for the link again; zero means DefaultResendGap.
	ResendGap time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Hooks receive every journey event (see sim.JourneyHook), each
	// delivery an activity of its own.
	Hooks []sim.JourneyHook

	once     sync.Once
	emails   compiled
	emailErr error
}

// DefaultProgramme names the programme in emails unless configured.
const DefaultProgramme = "Muster"

// DefaultResendGap: asking for the link again sends at most one email
// every ten minutes, whoever asks and however often.
const DefaultResendGap = 10 * time.Minute

// asEngine runs fn in one transaction as the engine (sim.System): an
// activity does a workflow's work, not any person's, and must reach rows no
// person's context would show it (an invitation's address, to send to it).
func (a *Activities) asEngine(ctx context.Context, fn func(*db.Tx) error) error {
	return a.Store.InTx(ctx, sim.System, fn)
}

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

// SendInvitation issues the invitation's first single-use link and emails
// it. It sends nothing when the invitation's link was already sent, or it
// is used or deleted, so retries are safe.
func (a *Activities) SendInvitation(ctx context.Context, in InvitationRef) error {
	var (
		link db.InvitationLink
		due  bool
	)
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		link, due, err = tx.InvitationIssueLink(ctx, in.InvitationID, a.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("issue invitation link: %w", err)
	}
	if !due {
		activity.GetLogger(ctx).Info("invitation already sent, used or gone", "invitation_id", in.InvitationID)
		return nil
	}
	return a.send(ctx, link)
}

// ResendInvitation sends the invitee a further link when they ask for it
// again; earlier links keep working. It sends nothing when the invitation
// is used, gone or past its window, or was emailed less than ResendGap ago.
func (a *Activities) ResendInvitation(ctx context.Context, in InvitationRef) error {
	gap := a.ResendGap
	if gap == 0 {
		gap = DefaultResendGap
	}
	var (
		link db.InvitationLink
		due  bool
	)
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		link, due, err = tx.InvitationReissueLink(ctx, in.InvitationID, a.now(), gap)
		return err
	})
	if err != nil {
		return fmt.Errorf("reissue invitation link: %w", err)
	}
	if !due {
		activity.GetLogger(ctx).Info("invitation not resent: used, gone, closed or sent recently", "invitation_id", in.InvitationID)
		return nil
	}
	return a.send(ctx, link)
}

// send emails the link and records that it went. The message key names the
// link's generation: a new link is a new message, never a dropped repeat.
func (a *Activities) send(ctx context.Context, link db.InvitationLink) error {
	msg, err := a.invitationMessage(link)
	if err != nil {
		return err
	}
	if err := a.Notifier.Notify(ctx, msg); err != nil {
		return fmt.Errorf("send invitation: %w", err)
	}
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		return tx.InvitationLinkSent(ctx, link, a.now())
	}); err != nil {
		return fmt.Errorf("record invitation sent: %w", err)
	}
	activity.GetLogger(ctx).Info("invitation sent", "invitation_id", link.InvitationID, "generation", link.Generation)
	return nil
}

// ExpireResult says whether an expiry deleted anything.
type ExpireResult struct {
	Expired bool // false when the person registered first
}

// ExpireInvitation deletes an unregistered invitee's details, leaving only
// an anonymous count. Idempotent; does nothing once the person registered.
func (a *Activities) ExpireInvitation(ctx context.Context, in InvitationRef) (ExpireResult, error) {
	var expired bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		expired, err = tx.InvitationExpire(ctx, in.InvitationID, a.now())
		return err
	})
	if err != nil {
		return ExpireResult{}, fmt.Errorf("expire invitation: %w", err)
	}
	activity.GetLogger(ctx).Info("invitation window closed", "invitation_id", in.InvitationID, "expired", expired)
	return ExpireResult{Expired: expired}, nil
}

// RegistrationRequestRef names one request for a registration link.
type RegistrationRequestRef struct {
	RequestID string
}

// RegistrationRequestResult is what a request led to: "created" (a new
// invitation, whose workflow sends the link), "pending" (InvitationID's
// link is to be sent again) or "registered" (nothing to send). IDs only.
type RegistrationRequestResult struct {
	Outcome      string
	InvitationID string
	// ResetID, for a registered address, is the reset link that its "you
	// already have an account" email carries (none while one was sent
	// less than the resend gap ago).
	ResetID string `json:",omitempty"`
}

// HandleRegistrationRequest decides a request for a registration link and
// wipes its address. Retries return the first decision.
func (a *Activities) HandleRegistrationRequest(ctx context.Context, in RegistrationRequestRef) (RegistrationRequestResult, error) {
	window := a.InvitationWindow
	if window == 0 {
		window = sim.DefaultInvitationWindow
	}
	var out db.RequestHandled
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		out, err = tx.RegistrationRequestHandle(ctx, in.RequestID, window, a.resendGap(), a.now())
		return err
	})
	if err != nil {
		return RegistrationRequestResult{}, fmt.Errorf("handle registration request: %w", err)
	}
	activity.GetLogger(ctx).Info("registration request handled", "request_id", in.RequestID, "outcome", string(out.Outcome), "invitation_id", out.InvitationID)
	return RegistrationRequestResult{Outcome: string(out.Outcome), InvitationID: out.InvitationID, ResetID: out.ResetID}, nil
}

// invitationMessage renders the email that carries link.
func (a *Activities) invitationMessage(link db.InvitationLink) (sim.Message, error) {
	name := emailInvitation
	if link.Kind == sim.InvitationSelf {
		name = emailSelfInvitation
	}
	return a.message(name, link.MessageKey(), link.Email, EmailData{
		Link: RegistrationLink(a.PublicURL, link.Token), ExpiresOn: expiresOn(link.ExpiresAt),
	})
}

// message renders the email called name to one recipient; d's Programme
// is filled in.
func (a *Activities) message(name, key, to string, d EmailData) (sim.Message, error) {
	a.once.Do(func() { a.emails, a.emailErr = a.Emails.compile() })
	if a.emailErr != nil {
		return sim.Message{}, a.emailErr
	}
	d.Programme = a.Programme
	if d.Programme == "" {
		d.Programme = DefaultProgramme
	}
	subject, body, err := a.emails.render(name, d)
	if err != nil {
		return sim.Message{}, fmt.Errorf("render %s email: %w", name, err)
	}
	return sim.Message{Key: key, To: to, Subject: subject, Body: body}, nil
}

// RegistrationLink is the address a registration token is sent at.
func RegistrationLink(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/register?token=" + url.QueryEscape(token)
}
