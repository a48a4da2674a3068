package db

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The engine's side of invitations to organisation accounts: issuing and
// sending their links, closing them when they expire unanswered (and, for
// an onboarding invitation, escalating to the operator), and completing an
// organisation's onboarding once its administrator has joined.

// LinkPurpose is which email of an account invitation a link is for.
type LinkPurpose string

// Link purposes: the invitation itself, and the reminder before it closes.
const (
	LinkInvitation LinkPurpose = "invitation"
	LinkReminder   LinkPurpose = "reminder"
)

// AccountLink is a freshly issued link to an open account invitation, with
// what its email needs. The token is returned once and never stored.
type AccountLink struct {
	InvitationID string
	Purpose      LinkPurpose
	Kind         sim.AccountInvitationKind
	Role         sim.Role
	Token        string
	Name         string
	Email        string
	OrgName      string
	ExpiresAt    time.Time
}

// MessageKey identifies the email carrying this link, for the notifier's
// idempotency.
func (l AccountLink) MessageKey() string {
	return "account-invitation/" + l.InvitationID + "/" + string(l.Purpose)
}

// AccountInvitationIssueLink issues the link for purpose of an open
// account invitation. ok is false, and nothing changes, when the
// invitation is used, closed or past its window, or the email for purpose
// has already been sent (a retried activity sends nothing twice); a link
// issued but never sent is replaced. Engine only.
func (tx *Tx) AccountInvitationIssueLink(ctx context.Context, invitationID string, purpose LinkPurpose, now time.Time) (link AccountLink, ok bool, err error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return AccountLink{}, false, err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return AccountLink{}, false, err
	}
	inv, err := tx.q.AccountInvitationGetForUpdate(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return AccountLink{}, false, nil
	} else if err != nil {
		return AccountLink{}, false, fmt.Errorf("load account invitation: %w", err)
	}
	if inv.UsedAt != nil || inv.ExpiredAt != nil || inv.Email == nil || !inv.ExpiresAt.After(now) {
		return AccountLink{}, false, nil
	}
	sent, err := tx.q.AccountInvitationTokenSent(ctx, tx.tx, dbgen.AccountInvitationTokenSentParams{InvitationID: id, Purpose: string(purpose)})
	switch err = interpretError(err); {
	case err == nil && sent != nil:
		return AccountLink{}, false, nil
	case err != nil && !notFound(err):
		return AccountLink{}, false, fmt.Errorf("check link: %w", err)
	}
	if err := tx.q.AccountInvitationTokenDelete(ctx, tx.tx, dbgen.AccountInvitationTokenDeleteParams{InvitationID: id, Purpose: string(purpose)}); err != nil {
		return AccountLink{}, false, fmt.Errorf("replace unsent link: %w", interpretError(err))
	}
	token, hash, err := NewToken()
	if err != nil {
		return AccountLink{}, false, err
	}
	if err := tx.q.AccountInvitationTokenCreate(ctx, tx.tx, dbgen.AccountInvitationTokenCreateParams{
		TokenHash: hash, InvitationID: id, Purpose: string(purpose), Now: now,
	}); err != nil {
		return AccountLink{}, false, fmt.Errorf("store link: %w", interpretError(err))
	}
	org, err := tx.q.OrgGet(ctx, tx.tx, inv.OrgID)
	if err != nil {
		return AccountLink{}, false, fmt.Errorf("load organisation: %w", interpretError(err))
	}
	return AccountLink{
		InvitationID: id.String(), Purpose: purpose, Kind: sim.AccountInvitationKind(inv.Kind), Role: sim.Role(inv.Role),
		Token: token, Name: deref(inv.Name), Email: *inv.Email, OrgName: org.Name, ExpiresAt: inv.ExpiresAt,
	}, true, nil
}

// AccountInvitationLinkSent records that the email carrying a link went.
// Engine only.
func (tx *Tx) AccountInvitationLinkSent(ctx context.Context, invitationID string, purpose LinkPurpose, now time.Time) error {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return err
	}
	if err := tx.q.AccountInvitationTokenMarkSent(ctx, tx.tx, dbgen.AccountInvitationTokenMarkSentParams{
		InvitationID: id, Purpose: string(purpose), Now: &now,
	}); err != nil {
		return fmt.Errorf("record link sent: %w", interpretError(err))
	}
	return nil
}

// InvitationOutcome is how an account invitation ended.
type InvitationOutcome string

// Outcomes: its invitee set up their account, or it expired unanswered
// (and, for an onboarding invitation, was escalated to the operator).
const (
	InvitationAccepted InvitationOutcome = "accepted"
	InvitationExpired  InvitationOutcome = "expired"
)

// AccountInvitationClose closes an account invitation whose window has
// passed, wiping the invitee's name and address. If it was never answered
// and it was an organisation's onboarding invitation, the organisation's
// onboarding is escalated: the operator sees it in their queue and must
// re-issue. It reports InvitationAccepted when the invitee set up their
// account first (nothing changes then), and is idempotent. Engine only.
func (tx *Tx) AccountInvitationClose(ctx context.Context, invitationID string, now time.Time) (InvitationOutcome, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return "", err
	}
	inv, err := tx.q.AccountInvitationGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return "", fmt.Errorf("load account invitation: %w", interpretError(err))
	}
	if inv.UsedAt != nil {
		return InvitationAccepted, nil
	}
	if inv.ExpiredAt != nil {
		return InvitationExpired, nil
	}
	if _, err := tx.q.AccountInvitationExpire(ctx, tx.tx, dbgen.AccountInvitationExpireParams{ID: id, Now: &now}); err != nil {
		return "", fmt.Errorf("close account invitation: %w", interpretError(err))
	}
	if sim.AccountInvitationKind(inv.Kind) != sim.AccountInvitationOnboarding {
		return InvitationExpired, nil
	}
	org, err := tx.q.OrgGetForUpdate(ctx, tx.tx, inv.OrgID)
	if err != nil {
		return "", fmt.Errorf("load organisation: %w", interpretError(err))
	}
	// A re-issued onboarding has moved on: only the organisation's
	// current onboarding escalates.
	if sim.OnboardingState(org.Onboarding) == sim.OnboardingInviting {
		open, err := tx.q.AccountInvitationOpenForOrg(ctx, tx.tx, dbgen.AccountInvitationOpenForOrgParams{OrgID: org.ID, Kind: inv.Kind})
		if err != nil {
			return "", fmt.Errorf("find open onboarding invitations: %w", interpretError(err))
		}
		if len(open) == 0 {
			if err := tx.q.OrgSetOnboarding(ctx, tx.tx, dbgen.OrgSetOnboardingParams{ID: org.ID, Onboarding: string(sim.OnboardingEscalated), Now: now}); err != nil {
				return "", fmt.Errorf("escalate onboarding: %w", interpretError(err))
			}
			if err := tx.audit(ctx, sim.AuditOnboardingEscalated, sim.ObjectOrganisation, org.ID, &org.ID, now); err != nil {
				return "", err
			}
		}
	}
	return InvitationExpired, nil
}

// OnboardingComplete records that an organisation's initial administrator
// has joined. Idempotent. Engine only.
func (tx *Tx) OnboardingComplete(ctx context.Context, orgID string, now time.Time) error {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return err
	}
	id, err := parseID("org_id", orgID)
	if err != nil {
		return err
	}
	if err := tx.q.OrgSetOnboarding(ctx, tx.tx, dbgen.OrgSetOnboardingParams{ID: id, Onboarding: string(sim.OnboardingCompleted), Now: now}); err != nil {
		return fmt.Errorf("complete onboarding: %w", interpretError(err))
	}
	return nil
}

// OrgForEngine returns an organisation for the engine's notifications.
// Engine only.
func (tx *Tx) OrgForEngine(ctx context.Context, orgID string) (sim.Organisation, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.Organisation{}, err
	}
	id, err := parseID("org_id", orgID)
	if err != nil {
		return sim.Organisation{}, err
	}
	o, err := tx.q.OrgGet(ctx, tx.tx, id)
	if err != nil {
		return sim.Organisation{}, wrapNotFound("load organisation", err)
	}
	return orgFromInternal(o), nil
}

// Recipient is a person a notification goes to.
type Recipient struct {
	UserID string
	Email  string
}

// OperatorAddresses are where escalations to the programme go: every
// active operator. Engine only.
func (tx *Tx) OperatorAddresses(ctx context.Context) ([]Recipient, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return nil, err
	}
	rows, err := tx.q.OrgOperatorAddresses(ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("load operator addresses: %w", interpretError(err))
	}
	out := make([]Recipient, len(rows))
	for i, r := range rows {
		out[i] = Recipient{UserID: r.ID.String(), Email: r.Email}
	}
	return out, nil
}

// AccountInvitationForEngine returns an account invitation. Engine only.
func (tx *Tx) AccountInvitationForEngine(ctx context.Context, invitationID string) (sim.AccountInvitation, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.AccountInvitation{}, err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return sim.AccountInvitation{}, err
	}
	r, err := tx.q.AccountInvitationGet(ctx, tx.tx, id)
	if err != nil {
		return sim.AccountInvitation{}, wrapNotFound("load account invitation", err)
	}
	return accountInvitationFromInternal(r), nil
}
