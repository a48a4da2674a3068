package activities

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
)

// Activities for account recovery: the PasswordReset workflow decides a
// request for a reset link and sends it; the RegistrationRequest workflow
// sends a registered address its "you already have an account" email.

// resendGap is the least time between two emails of one kind to one
// account or invitation.
func (a *Activities) resendGap() time.Duration {
	if a.ResendGap > 0 {
		return a.ResendGap
	}
	return DefaultResendGap
}

// ResetRequestRef names one request for a password reset link.
type ResetRequestRef struct {
	RequestID string
}

// ResetRequestResult is what a request led to: "sent" (ResetID's link is
// to be sent), "unknown" or "throttled" (nothing to send). IDs only.
type ResetRequestResult struct {
	Outcome string
	ResetID string `json:",omitempty"`
}

// HandlePasswordResetRequest decides a request for a reset link and wipes
// its address. Retries return the first decision.
func (a *Activities) HandlePasswordResetRequest(ctx context.Context, in ResetRequestRef) (ResetRequestResult, error) {
	var out db.ResetHandled
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		out, err = tx.ResetRequestHandle(ctx, in.RequestID, a.resendGap(), a.now())
		return err
	}); err != nil {
		return ResetRequestResult{}, fmt.Errorf("handle reset request: %w", err)
	}
	activity.GetLogger(ctx).Info("reset request handled", "request_id", in.RequestID, "outcome", string(out.Outcome))
	return ResetRequestResult{Outcome: string(out.Outcome), ResetID: out.ResetID}, nil
}

// PasswordResetRef names one password reset.
type PasswordResetRef struct {
	ResetID string
}

// SendPasswordReset issues a reset's link and emails it: a reset email,
// or a "you already have an account" email. It sends nothing once the
// reset was sent, used or has expired, so retries are safe.
func (a *Activities) SendPasswordReset(ctx context.Context, in PasswordResetRef) error {
	var (
		link db.ResetLink
		ok   bool
	)
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		link, ok, err = tx.PasswordResetIssue(ctx, in.ResetID, a.now())
		return err
	}); err != nil {
		return fmt.Errorf("issue reset link: %w", err)
	}
	if !ok {
		activity.GetLogger(ctx).Info("reset email not due", "reset_id", in.ResetID)
		return nil
	}
	name := emailPasswordReset
	if link.Purpose == "already_registered" {
		name = emailAlreadyRegistered
	}
	msg, err := a.message(name, link.MessageKey(), link.Email, EmailData{Link: ResetLink(a.PublicURL, link.Token), ExpiresOn: expiresOn(link.ExpiresAt)})
	if err != nil {
		return err
	}
	if err := a.Notifier.Notify(ctx, msg); err != nil {
		return fmt.Errorf("send reset email: %w", err)
	}
	if err := a.asEngine(ctx, func(tx *db.Tx) error { return tx.PasswordResetSent(ctx, in.ResetID, a.now()) }); err != nil {
		return fmt.Errorf("record reset sent: %w", err)
	}
	activity.GetLogger(ctx).Info("reset email sent", "reset_id", in.ResetID, "purpose", link.Purpose)
	return nil
}

// ResetLink is the address a password reset token is sent at.
func ResetLink(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/reset-password?token=" + url.QueryEscape(token)
}
