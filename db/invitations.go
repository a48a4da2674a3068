package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// InvitationRequest asks for a registration link for one email address.
type InvitationRequest struct {
	Email  string
	Kind   sim.InvitationKind
	Window time.Duration
	Now    time.Time
}

// CreateInvitation records an operator's invitation: an invited candidate
// with no details but the email on the invitation, and its journey event.
// The link itself is issued and sent by the Invitation workflow. Errors:
// EFORBIDDEN unless actor is an operator, EINVALID for a bad email or
// window, ECONFLICT when the address is already registered or invited.
func (s *Store) CreateInvitation(ctx context.Context, actor sim.Actor, req InvitationRequest) (sim.Invitation, error) {
	if !actor.IsOperator() {
		return sim.Invitation{}, sim.Errorf(sim.EFORBIDDEN, "only the programme operator can invite candidates")
	}
	req.Kind = sim.InvitationByOperator
	inv, err := s.createInvitation(ctx, actor, req)
	var pending *pendingInvitation
	if errors.Is(err, errRegistered) || errors.As(err, &pending) {
		return sim.Invitation{}, sim.Errorf(sim.ECONFLICT, "that email address is already registered or has a pending invitation")
	}
	return inv, err
}

// RequestOutcome says what a person's request to register led to.
type RequestOutcome int

const (
	// RequestCreated: a new self-invitation, whose workflow is to be started.
	RequestCreated RequestOutcome = iota + 1
	// RequestPending: the address already has an unused invitation (its ID
	// is returned), whose link may be sent again.
	RequestPending
	// RequestRegistered: the address already has an account; nothing to do.
	RequestRegistered
)

// RequestRegistration records a person's own request to register: the same
// as an invitation, so the link verifies their email. When the address is
// already registered or invited it creates nothing and says so in the
// outcome, not as an error, so that the API's answer cannot be used to find
// out who is on the programme.
func (s *Store) RequestRegistration(ctx context.Context, req InvitationRequest) (sim.Invitation, RequestOutcome, error) {
	req.Kind = sim.InvitationSelf
	inv, err := s.createInvitation(ctx, sim.System, req)
	var pending *pendingInvitation
	switch {
	case err == nil:
		return inv, RequestCreated, nil
	case errors.Is(err, errRegistered):
		return sim.Invitation{}, RequestRegistered, nil
	case errors.As(err, &pending):
		return sim.Invitation{ID: pending.id}, RequestPending, nil
	}
	return sim.Invitation{}, 0, err
}

var errRegistered = errors.New("email already registered")

// pendingInvitation is the error for an address with an unused invitation.
type pendingInvitation struct{ id string }

func (e *pendingInvitation) Error() string { return "email has a pending invitation" }

func (s *Store) createInvitation(ctx context.Context, actor sim.Actor, req InvitationRequest) (sim.Invitation, error) {
	email, err := sim.NormalizeEmail(req.Email)
	if err != nil {
		return sim.Invitation{}, err
	}
	if err := sim.CheckInvitationWindow(req.Window); err != nil {
		return sim.Invitation{}, err
	}
	journey, events, err := sim.Transition(sim.Journey{}, sim.Command{Kind: sim.CmdInvite}, req.Now)
	if err != nil {
		return sim.Invitation{}, err
	}
	inv := sim.Invitation{
		ID:          uuid.NewString(),
		CandidateID: uuid.NewString(),
		Kind:        req.Kind,
		CreatedAt:   req.Now,
		ExpiresAt:   req.Now.Add(req.Window),
	}
	var invitedBy *uuid.UUID
	if id, err := uuid.Parse(actor.UserID); err == nil {
		invitedBy = &id
	}
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		if known, err := s.q.UserEmailExists(ctx, tx, email); err != nil {
			return fmt.Errorf("check user email: %w", err)
		} else if known {
			return errRegistered
		}
		switch pendingID, err := s.q.InvitationPendingByEmail(ctx, tx, &email); {
		case err == nil:
			return &pendingInvitation{id: pendingID.String()}
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("check pending invitation: %w", err)
		}
		candidateID := uuid.MustParse(inv.CandidateID)
		if err := s.q.CandidateCreateInvited(ctx, tx, dbgen.CandidateCreateInvitedParams{ID: candidateID, Now: journey.InvitedAt}); err != nil {
			return fmt.Errorf("insert candidate: %w", err)
		}
		err := s.q.InvitationCreate(ctx, tx, dbgen.InvitationCreateParams{
			ID:          uuid.MustParse(inv.ID),
			CandidateID: candidateID,
			Kind:        string(inv.Kind),
			Email:       &email,
			InvitedBy:   invitedBy,
			Now:         inv.CreatedAt,
			ExpiresAt:   inv.ExpiresAt,
		})
		if err != nil {
			if sim.ErrorCode(interpretError(err)) == sim.ECONFLICT {
				// Lost a race with another invitation for the address, whose
				// own request will send it a link.
				return &pendingInvitation{}
			}
			return fmt.Errorf("insert invitation: %w", err)
		}
		return recordEvent(ctx, s.q, tx, candidateID, actor, events[0])
	})
	if err != nil {
		return sim.Invitation{}, err
	}
	return inv, nil
}

// InvitationLink is what an invitation email needs: where to send it and
// the token to put in the link. Token is empty when there is nothing to send.
type InvitationLink struct {
	Email string
	Token string
	Kind  sim.InvitationKind
}

// IssueInvitationToken creates the invitation's single-use token and returns
// it with the address to send it to. It returns an empty link, and no error,
// when the invitation is gone, used or already sent, so a retried activity
// never sends twice. Any earlier unsent token is replaced.
func (s *Store) IssueInvitationToken(ctx context.Context, invitationID string) (InvitationLink, error) {
	return s.issueToken(ctx, invitationID, func(inv dbgen.Invitation) bool { return inv.SentAt == nil })
}

// ReissueInvitationToken replaces the token of an invitation whose link the
// invitee has asked for again, so that the old link stops working, and
// returns the new one to send. It returns an empty link, and no error, when
// the invitation is gone, used or past its window, or its link was sent
// less than gap before now: asking repeatedly sends one email per gap.
func (s *Store) ReissueInvitationToken(ctx context.Context, invitationID string, now time.Time, gap time.Duration) (InvitationLink, error) {
	return s.issueToken(ctx, invitationID, func(inv dbgen.Invitation) bool {
		return inv.ExpiresAt.After(now) && (inv.SentAt == nil || !inv.SentAt.After(now.Add(-gap)))
	})
}

// issueToken gives an unused invitation a new token when due says so.
func (s *Store) issueToken(ctx context.Context, invitationID string, due func(dbgen.Invitation) bool) (InvitationLink, error) {
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return InvitationLink{}, err
	}
	token, hash, err := NewToken()
	if err != nil {
		return InvitationLink{}, err
	}
	var link InvitationLink
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		inv, err := s.q.InvitationGetForUpdate(ctx, tx, id)
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return fmt.Errorf("load invitation: %w", err)
		}
		if inv.UsedAt != nil || inv.Email == nil || !due(inv) {
			return nil
		}
		if _, err := s.q.InvitationReplaceToken(ctx, tx, dbgen.InvitationReplaceTokenParams{ID: id, TokenHash: hash}); err != nil {
			return fmt.Errorf("store invitation token: %w", err)
		}
		link = InvitationLink{Email: *inv.Email, Token: token, Kind: sim.InvitationKind(inv.Kind)}
		return nil
	})
	if err != nil {
		return InvitationLink{}, err
	}
	return link, nil
}

// MarkInvitationSent records that the invitation email was accepted for
// delivery. It is idempotent.
func (s *Store) MarkInvitationSent(ctx context.Context, invitationID string, now time.Time) error {
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		if err := s.q.InvitationMarkSent(ctx, tx, dbgen.InvitationMarkSentParams{ID: id, Now: now}); err != nil {
			return fmt.Errorf("mark invitation sent: %w", err)
		}
		return nil
	})
}

// ExpireInvitation deletes an unregistered invitee's details from every
// table (candidate, invitation, journey events) and adds one to the
// anonymous count of expired invitations for the month. It reports false,
// and changes nothing, when the invitation was used or is already gone, so
// it is safe to retry and safe to race with a registration.
func (s *Store) ExpireInvitation(ctx context.Context, invitationID string, now time.Time) (bool, error) {
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return false, err
	}
	expired := false
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		inv, err := s.q.InvitationGetForUpdate(ctx, tx, id)
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return fmt.Errorf("load invitation: %w", err)
		}
		if inv.UsedAt != nil {
			return nil
		}
		c, err := s.q.CandidateGet(ctx, tx, inv.CandidateID)
		if err != nil {
			return fmt.Errorf("load candidate: %w", err)
		}
		if _, _, err := sim.Transition(journeyOf(c), sim.Command{Kind: sim.CmdExpire}, now); err != nil {
			return err
		}
		// The candidate row cascades to its invitations, consents and journey
		// events: nothing that could identify the person is left.
		if err := s.q.CandidateDelete(ctx, tx, c.ID); err != nil {
			return fmt.Errorf("delete expired invitee: %w", err)
		}
		if err := s.q.ExpiredInvitationCountAdd(ctx, tx, dbgen.ExpiredInvitationCountAddParams{Now: now, Kind: inv.Kind}); err != nil {
			return fmt.Errorf("count expired invitation: %w", err)
		}
		expired = true
		return nil
	})
	return expired, err
}

// ExpiredInvitationCount returns how many invitations have expired unused,
// in all. Operator only.
func (s *Store) ExpiredInvitationCount(ctx context.Context, actor sim.Actor) (int64, error) {
	if !actor.IsOperator() && actor.Role != sim.RoleSystem {
		return 0, sim.Errorf(sim.EFORBIDDEN, "only the programme operator can see programme statistics")
	}
	var n int64
	err := s.inTx(ctx, actor, func(tx pgx.Tx) error {
		var err error
		n, err = s.q.ExpiredInvitationCountTotal(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count expired invitations: %w", err)
	}
	return n, nil
}

// DiscardInvitation deletes an invitation that never got under way (its
// workflow could not be started), with the invitee's details, and counts
// nothing: as if it had never been made. It does nothing once the
// invitation has been used.
func (s *Store) DiscardInvitation(ctx context.Context, invitationID string) error {
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		inv, err := s.q.InvitationGetForUpdate(ctx, tx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load invitation: %w", err)
		}
		if inv.UsedAt != nil {
			return nil
		}
		if err := s.q.CandidateDelete(ctx, tx, inv.CandidateID); err != nil {
			return fmt.Errorf("discard invitation: %w", err)
		}
		return nil
	})
}
