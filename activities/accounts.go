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

// Activities for invitations to organisation accounts: the OrgOnboarding
// and AccountInvitation workflows send the link, remind, close the
// invitation when its window passes, escalate an unanswered onboarding to
// the operators, and complete an organisation's onboarding.

// The emails of an account invitation, and how one can end (for workflows,
// which do not import db).
const (
	LinkInvitation  = string(db.LinkInvitation)
	LinkReminder    = string(db.LinkReminder)
	AccountExpired  = string(db.InvitationExpired)
	AccountAccepted = string(db.InvitationAccepted)
)

// AccountInvitationRef names one invitation to an organisation account.
type AccountInvitationRef struct {
	InvitationID string
	OrgID        string
}

// AccountLinkRef names one email of an account invitation.
type AccountLinkRef struct {
	InvitationID string
	Purpose      string // LinkInvitation or LinkReminder
}

// SendAccountInvitation issues a link for the invitation's email of
// Purpose and sends it. It sends nothing when the invitation is closed or
// used, or that email already went, so retries are safe. It reports
// whether it sent.
func (a *Activities) SendAccountInvitation(ctx context.Context, in AccountLinkRef) (bool, error) {
	var (
		link db.AccountLink
		ok   bool
	)
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		link, ok, err = tx.AccountInvitationIssueLink(ctx, in.InvitationID, db.LinkPurpose(in.Purpose), a.now())
		return err
	}); err != nil {
		return false, fmt.Errorf("issue account link: %w", err)
	}
	if !ok {
		activity.GetLogger(ctx).Info("account invitation email not due", "invitation_id", in.InvitationID, "purpose", in.Purpose)
		return false, nil
	}
	name := emailColleagueInvitation
	switch {
	case in.Purpose == LinkReminder:
		name = emailAccountReminder
	case link.Kind == sim.AccountInvitationOnboarding:
		name = emailOnboardingInvitation
	}
	msg, err := a.message(name, link.MessageKey(), link.Email, EmailData{
		Link: AccountLink(a.PublicURL, link.Token), ExpiresOn: expiresOn(link.ExpiresAt), Organisation: link.OrgName,
	})
	if err != nil {
		return false, err
	}
	if err := a.Notifier.Notify(ctx, msg); err != nil {
		return false, fmt.Errorf("send account invitation: %w", err)
	}
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		return tx.AccountInvitationLinkSent(ctx, in.InvitationID, db.LinkPurpose(in.Purpose), a.now())
	}); err != nil {
		return false, fmt.Errorf("record account invitation sent: %w", err)
	}
	activity.GetLogger(ctx).Info("account invitation email sent", "invitation_id", in.InvitationID, "purpose", in.Purpose)
	return true, nil
}

// CloseAccountInvitation closes an invitation whose window has passed
// (escalating an unanswered onboarding; see db's AccountInvitationClose)
// and says how it ended: "accepted" or "expired". Idempotent.
func (a *Activities) CloseAccountInvitation(ctx context.Context, in AccountInvitationRef) (string, error) {
	var out db.InvitationOutcome
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		out, err = tx.AccountInvitationClose(ctx, in.InvitationID, a.now())
		return err
	}); err != nil {
		return "", fmt.Errorf("close account invitation: %w", err)
	}
	activity.GetLogger(ctx).Info("account invitation closed", "invitation_id", in.InvitationID, "outcome", string(out))
	return string(out), nil
}

// NotifyOnboardingEscalated tells every operator that an organisation's
// onboarding invitation expired unanswered. One message per operator per
// invitation: a retry resends under the same key.
func (a *Activities) NotifyOnboardingEscalated(ctx context.Context, in AccountInvitationRef) error {
	var (
		org sim.Organisation
		to  []db.Recipient
		inv sim.AccountInvitation
	)
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		if org, err = tx.OrgForEngine(ctx, in.OrgID); err != nil {
			return err
		}
		if inv, err = tx.AccountInvitationForEngine(ctx, in.InvitationID); err != nil {
			return err
		}
		to, err = tx.OperatorAddresses(ctx)
		return err
	}); err != nil {
		return fmt.Errorf("load escalation: %w", err)
	}
	for _, r := range to {
		msg, err := a.message(emailOnboardingEscalated, "onboarding-escalated/"+in.InvitationID+"/"+r.UserID, r.Email, EmailData{
			Organisation: org.Name, ExpiresOn: expiresOn(inv.ExpiresAt),
		})
		if err != nil {
			return err
		}
		if err := a.Notifier.Notify(ctx, msg); err != nil {
			return fmt.Errorf("notify operator: %w", err)
		}
	}
	activity.GetLogger(ctx).Info("onboarding escalated", "org_id", in.OrgID, "invitation_id", in.InvitationID, "operators", len(to))
	return nil
}

// CompleteOnboarding records that an organisation's initial administrator
// has set up their account. Idempotent.
func (a *Activities) CompleteOnboarding(ctx context.Context, in AccountInvitationRef) error {
	if err := a.asEngine(ctx, func(tx *db.Tx) error { return tx.OnboardingComplete(ctx, in.OrgID, a.now()) }); err != nil {
		return fmt.Errorf("complete onboarding: %w", err)
	}
	activity.GetLogger(ctx).Info("onboarding completed", "org_id", in.OrgID, "invitation_id", in.InvitationID)
	return nil
}

// AccountLink is the address an account invitation's token is sent at.
func AccountLink(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/accept-invitation?token=" + url.QueryEscape(token)
}

// MailboxVerificationRef names one group mailbox verification.
type MailboxVerificationRef struct {
	VerificationID string
	OrgID          string
}

// SendMailboxVerification issues the verification link and sends it to
// the mailbox. It sends nothing once it was sent or used, has expired, or
// the mailbox has changed since, so retries are safe.
func (a *Activities) SendMailboxVerification(ctx context.Context, in MailboxVerificationRef) error {
	var (
		link db.MailboxLink
		ok   bool
	)
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		link, ok, err = tx.MailboxVerificationIssue(ctx, in.VerificationID, a.now())
		return err
	}); err != nil {
		return fmt.Errorf("issue mailbox link: %w", err)
	}
	if !ok {
		activity.GetLogger(ctx).Info("mailbox verification not due", "verification_id", in.VerificationID)
		return nil
	}
	msg, err := a.message(emailMailboxVerification, link.MessageKey(), link.Email, EmailData{
		Link: MailboxLink(a.PublicURL, link.Token), ExpiresOn: expiresOn(link.ExpiresAt), Organisation: link.OrgName,
	})
	if err != nil {
		return err
	}
	if err := a.Notifier.Notify(ctx, msg); err != nil {
		return fmt.Errorf("send mailbox verification: %w", err)
	}
	if err := a.asEngine(ctx, func(tx *db.Tx) error { return tx.MailboxVerificationSent(ctx, in.VerificationID, a.now()) }); err != nil {
		return fmt.Errorf("record mailbox verification sent: %w", err)
	}
	activity.GetLogger(ctx).Info("mailbox verification sent", "verification_id", in.VerificationID, "org_id", in.OrgID)
	return nil
}

// MailboxLink is the address a mailbox verification token is sent at.
func MailboxLink(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/verify-mailbox?token=" + url.QueryEscape(token)
}
