package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Invitations and requests for them: the operator's invitation, a
// person's own request for a link, the links themselves (issued, sent,
// sent again) and the expiry that deletes an invitee who never registered.

// InvitationRequest asks for a registration link for one email address.
type InvitationRequest struct {
	Email  string
	Window time.Duration
	Now    time.Time
}

func invitationFromInternal(r dbgen.Invitation) sim.Invitation {
	return sim.Invitation{
		ID: r.ID.String(), CandidateID: r.CandidateID.String(), Kind: sim.InvitationKind(r.Kind),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
	}
}

// InvitationCreate records the operator's invitation of a person: an
// invited candidate with no details but the address on the invitation,
// its journey event, and the intent to start its Invitation workflow,
// which issues and sends the link. Errors: EFORBIDDEN unless the actor is
// the operator, EINVALID for a bad email or window, ECONFLICT when the
// address is already registered or invited.
func (tx *Tx) InvitationCreate(ctx context.Context, req InvitationRequest) (sim.Invitation, error) {
	if err := tx.authorize(sim.PermInvite); err != nil {
		return sim.Invitation{}, err
	}
	inv, err := tx.invitationInsert(ctx, req, sim.InvitationByOperator)
	var pending *pendingInvitation
	if errors.Is(err, errRegistered) || errors.As(err, &pending) {
		return sim.Invitation{}, sim.Errorf(sim.ECONFLICT, "that email address is already registered or has a pending invitation")
	}
	return inv, err
}

var errRegistered = errors.New("email already registered")

// pendingInvitation is the error for an address with an unused invitation.
type pendingInvitation struct{ id uuid.UUID }

func (e *pendingInvitation) Error() string { return "email has a pending invitation" }

// invitationInsert creates an invitation of kind for req's address, unless
// the address is registered (errRegistered) or already has an unused
// invitation (*pendingInvitation).
func (tx *Tx) invitationInsert(ctx context.Context, req InvitationRequest, kind sim.InvitationKind) (sim.Invitation, error) {
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
	if known, err := tx.q.UserEmailExists(ctx, tx.tx, email); err != nil {
		return sim.Invitation{}, fmt.Errorf("check user email: %w", err)
	} else if known {
		return sim.Invitation{}, errRegistered
	}
	id, err := tx.q.InvitationPendingByEmail(ctx, tx.tx, &email)
	switch err = interpretError(err); {
	case err == nil:
		return sim.Invitation{}, &pendingInvitation{id: id}
	case !notFound(err):
		return sim.Invitation{}, fmt.Errorf("check pending invitation: %w", err)
	}
	inv := sim.Invitation{
		ID: uuid.NewString(), CandidateID: uuid.NewString(), Kind: kind,
		CreatedAt: req.Now, ExpiresAt: req.Now.Add(req.Window),
	}
	candidateID := uuid.MustParse(inv.CandidateID)
	if err := tx.q.CandidateCreateInvited(ctx, tx.tx, dbgen.CandidateCreateInvitedParams{ID: candidateID, Now: journey.InvitedAt}); err != nil {
		return sim.Invitation{}, fmt.Errorf("insert candidate: %w", interpretError(err))
	}
	if err := tx.q.InvitationCreate(ctx, tx.tx, dbgen.InvitationCreateParams{
		ID:          uuid.MustParse(inv.ID),
		CandidateID: candidateID,
		Kind:        string(kind),
		Email:       &email,
		InvitedBy:   optionalID(tx.actor.UserID),
		Now:         inv.CreatedAt,
		ExpiresAt:   inv.ExpiresAt,
	}); err != nil {
		// A unique violation: another invitation for the address won a race.
		return sim.Invitation{}, fmt.Errorf("insert invitation: %w", interpretError(err))
	}
	if err := tx.journeyEvent(ctx, candidateID, events[0]); err != nil {
		return sim.Invitation{}, err
	}
	if err := tx.enqueue(ctx, sim.StartInvitation(inv)); err != nil {
		return sim.Invitation{}, err
	}
	return inv, nil
}

// RegistrationRequestCreate records a person's request for a registration
// link and the intent to handle it, and nothing else: whether the address
// is new, invited or registered is decided afterwards by the
// RegistrationRequest workflow, so the request's answer and its timing are
// the same for every address. EINVALID for a malformed address;
// EFORBIDDEN for a signed-in actor.
func (tx *Tx) RegistrationRequestCreate(ctx context.Context, email string, now time.Time) error {
	if err := tx.authorize(sim.PermRequestRegistration); err != nil {
		return err
	}
	email, err := sim.NormalizeEmail(email)
	if err != nil {
		return err
	}
	id := uuid.New()
	if err := tx.q.RegistrationRequestCreate(ctx, tx.tx, dbgen.RegistrationRequestCreateParams{ID: id, Email: &email, Now: now}); err != nil {
		return fmt.Errorf("record registration request: %w", interpretError(err))
	}
	return tx.enqueue(ctx, sim.StartRegistrationRequest(id.String()))
}

// RequestOutcome says what a request for a registration link led to.
type RequestOutcome string

// Request outcomes.
const (
	// RequestCreated: a new self-invitation, whose workflow will send the link.
	RequestCreated RequestOutcome = "created"
	// RequestPending: the address already has an unused invitation, whose
	// link may be sent again.
	RequestPending RequestOutcome = "pending"
	// RequestRegistered: the address already has an account.
	RequestRegistered RequestOutcome = "registered"
)

// RequestHandled is what handling a registration request decided.
type RequestHandled struct {
	Outcome      RequestOutcome
	InvitationID string // the new or pending invitation, if any
	ResetID      string // for a registered address, the reset its "you already have an account" email carries, if due
}

// RegistrationRequestHandle decides a request for a registration link:
// a new self-invitation (whose Invitation workflow is started through the
// outbox), an existing unused invitation whose link may be sent again, or
// an address already registered, whose owner is sent a "you already have
// an account" email with a password reset link (ResetID; at most one per
// gap). The address is wiped from the request. Handling a request twice
// returns the first decision. Engine only.
func (tx *Tx) RegistrationRequestHandle(ctx context.Context, requestID string, window, gap time.Duration, now time.Time) (RequestHandled, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return RequestHandled{}, err
	}
	id, err := parseID("request_id", requestID)
	if err != nil {
		return RequestHandled{}, err
	}
	req, err := tx.q.RegistrationRequestGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return RequestHandled{}, fmt.Errorf("load registration request: %w", interpretError(err))
	}
	if req.Outcome != nil {
		return RequestHandled{Outcome: RequestOutcome(*req.Outcome), InvitationID: idString(req.InvitationID), ResetID: idString(req.ResetID)}, nil
	}
	var out RequestHandled
	inv, err := tx.invitationInsert(ctx, InvitationRequest{Email: deref(req.Email), Window: window, Now: now}, sim.InvitationSelf)
	var pending *pendingInvitation
	switch {
	case err == nil:
		out = RequestHandled{Outcome: RequestCreated, InvitationID: inv.ID}
	case errors.Is(err, errRegistered):
		out = RequestHandled{Outcome: RequestRegistered}
		email, _ := sim.NormalizeEmail(deref(req.Email))
		u, err := tx.q.UserGetByEmail(ctx, tx.tx, email)
		if err != nil {
			return RequestHandled{}, fmt.Errorf("load user: %w", interpretError(err))
		}
		if u.DisabledAt == nil {
			if out.ResetID, err = tx.passwordResetFor(ctx, u, "already_registered", gap, now); err != nil {
				return RequestHandled{}, err
			}
		}
	case errors.As(err, &pending):
		out = RequestHandled{Outcome: RequestPending, InvitationID: pending.id.String()}
	default:
		return RequestHandled{}, err
	}
	if err := tx.q.RegistrationRequestSettle(ctx, tx.tx, dbgen.RegistrationRequestSettleParams{
		ID: id, Now: now, Outcome: string(out.Outcome), InvitationID: optionalID(out.InvitationID), ResetID: optionalID(out.ResetID),
	}); err != nil {
		return RequestHandled{}, fmt.Errorf("settle registration request: %w", err)
	}
	return out, nil
}

// InvitationLink is what an invitation email needs: where to send it, the
// token to put in the link, and which of the invitation's links it is.
type InvitationLink struct {
	InvitationID string
	Generation   int
	Email        string
	Token        string
	Kind         sim.InvitationKind
	ExpiresAt    time.Time
}

// MessageKey identifies this link's email: one per token generation, so a
// notifier that drops repeats never drops a new link.
func (l InvitationLink) MessageKey() string {
	return fmt.Sprintf("invitation/%s/%d", l.InvitationID, l.Generation)
}

// InvitationIssueLink gives an invitation whose link has never been sent a
// new single-use token and returns it with the address to send it to. ok
// is false, and nothing changes, when the invitation is gone, used or its
// link already sent, so a retried activity never sends twice. Engine only.
func (tx *Tx) InvitationIssueLink(ctx context.Context, invitationID string, now time.Time) (link InvitationLink, ok bool, err error) {
	return tx.invitationLink(ctx, invitationID, now, func(inv dbgen.Invitation) (bool, error) {
		sent, err := tx.q.InvitationEverSent(ctx, tx.tx, inv.ID)
		return !sent, err
	})
}

// InvitationReissueLink gives an invitation a further link when its
// invitee asks again. Earlier links keep working (see
// InvitationLinkSent), so asking for someone else's link cannot kill the
// one in their inbox. ok is false, and nothing changes, when the
// invitation is gone, used or past its window, or its newest link (or,
// before any, the invitation itself) was issued less than gap before now,
// sent yet or not: asking repeatedly, or at the same moment, or while mail
// is down, sends one email per gap.
// Engine only.
func (tx *Tx) InvitationReissueLink(ctx context.Context, invitationID string, now time.Time, gap time.Duration) (link InvitationLink, ok bool, err error) {
	return tx.invitationLink(ctx, invitationID, now, func(inv dbgen.Invitation) (bool, error) {
		if !inv.ExpiresAt.After(now) {
			return false, nil
		}
		// Before any link is issued, the first one is on its way: count
		// from the invitation itself.
		last, err := tx.q.InvitationLastIssued(ctx, tx.tx, inv.ID)
		if err = interpretError(err); notFound(err) {
			last = inv.CreatedAt
		} else if err != nil {
			return false, err
		}
		return !last.After(now.Add(-gap)), nil
	})
}

// invitationLink issues a new token generation for an unused invitation
// when due says so.
func (tx *Tx) invitationLink(ctx context.Context, invitationID string, now time.Time, due func(dbgen.Invitation) (bool, error)) (InvitationLink, bool, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return InvitationLink{}, false, err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return InvitationLink{}, false, err
	}
	inv, err := tx.q.InvitationGetForUpdate(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return InvitationLink{}, false, nil
	} else if err != nil {
		return InvitationLink{}, false, fmt.Errorf("load invitation: %w", err)
	}
	if inv.UsedAt != nil || inv.Email == nil {
		return InvitationLink{}, false, nil
	}
	if ok, err := due(inv); err != nil {
		return InvitationLink{}, false, fmt.Errorf("check whether a link is due: %w", err)
	} else if !ok {
		return InvitationLink{}, false, nil
	}
	token, hash, err := NewToken()
	if err != nil {
		return InvitationLink{}, false, err
	}
	gen, err := tx.q.InvitationTokenCreate(ctx, tx.tx, dbgen.InvitationTokenCreateParams{
		TokenHash: hash, InvitationID: id, Now: now,
	})
	if err != nil {
		return InvitationLink{}, false, fmt.Errorf("store invitation token: %w", interpretError(err))
	}
	return InvitationLink{
		InvitationID: invitationID, Generation: int(gen), Email: *inv.Email, Token: token,
		Kind: sim.InvitationKind(inv.Kind), ExpiresAt: inv.ExpiresAt,
	}, true, nil
}

// KeepLinks is how many of an invitation's newest sent links keep working:
// an older one stops only after this many newer ones have been sent.
const KeepLinks = 5

// InvitationLinkSent records that link's email was accepted for delivery,
// and retires links more than KeepLinks generations older. Idempotent.
// Engine only.
func (tx *Tx) InvitationLinkSent(ctx context.Context, link InvitationLink, now time.Time) error {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return err
	}
	id, err := parseID("invitation_id", link.InvitationID)
	if err != nil {
		return err
	}
	if err := tx.q.InvitationTokenMarkSent(ctx, tx.tx, dbgen.InvitationTokenMarkSentParams{
		InvitationID: id, Generation: int32(link.Generation), Now: now,
	}); err != nil {
		return fmt.Errorf("mark invitation sent: %w", err)
	}
	if _, err := tx.q.InvitationTokenPrune(ctx, tx.tx, dbgen.InvitationTokenPruneParams{
		InvitationID: id, ThroughGeneration: int32(link.Generation - KeepLinks),
	}); err != nil {
		return fmt.Errorf("retire old links: %w", err)
	}
	return nil
}

// InvitationExpire deletes an unregistered invitee's details from every
// table (candidate, invitation, links, journey events) and adds one to the
// anonymous count of expired invitations for the month. It reports false,
// and changes nothing, when the invitation was used or is already gone, so
// it is safe to retry and safe to race with a registration. Engine only.
func (tx *Tx) InvitationExpire(ctx context.Context, invitationID string, now time.Time) (bool, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return false, err
	}
	id, err := parseID("invitation_id", invitationID)
	if err != nil {
		return false, err
	}
	inv, err := tx.q.InvitationGetForUpdate(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("load invitation: %w", err)
	}
	if inv.UsedAt != nil {
		return false, nil
	}
	c, err := tx.q.CandidateGet(ctx, tx.tx, inv.CandidateID)
	if err != nil {
		return false, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	if _, _, err := sim.Transition(journeyOf(c), sim.Command{Kind: sim.CmdExpire}, now); err != nil {
		return false, err
	}
	// The candidate row cascades to its invitations, links, consents and
	// journey events: nothing that could identify the person is left.
	if err := tx.q.CandidateDelete(ctx, tx.tx, c.ID); err != nil {
		return false, fmt.Errorf("delete expired invitee: %w", err)
	}
	if err := tx.q.ExpiredInvitationCountAdd(ctx, tx.tx, dbgen.ExpiredInvitationCountAddParams{Now: now, Kind: inv.Kind}); err != nil {
		return false, fmt.Errorf("count expired invitation: %w", err)
	}
	return true, nil
}
