package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Account recovery: a request for a password reset link (answered the
// same for every address, decided afterwards by the PasswordReset
// workflow), the link itself, setting a new password with it, and
// changing a password with the current one. Both end the account's other
// sessions.

// ResetRequestCreate records a request for a password reset link and the
// intent to handle it. EINVALID for something that is not an address;
// whether an account has it is decided later, so neither the answer nor
// its timing tells.
func (tx *Tx) ResetRequestCreate(ctx context.Context, email string, now time.Time) error {
	if err := tx.authorize(sim.PermRequestReset); err != nil {
		return err
	}
	email, err := sim.NormalizeEmail(email)
	if err != nil {
		return err
	}
	id := uuid.New()
	if err := tx.q.ResetRequestCreate(ctx, tx.tx, dbgen.ResetRequestCreateParams{ID: id, Email: &email, Now: now}); err != nil {
		return fmt.Errorf("record reset request: %w", interpretError(err))
	}
	return tx.enqueue(ctx, sim.StartPasswordReset(id.String()))
}

// ResetOutcome is what a request for a reset link led to.
type ResetOutcome string

// Reset outcomes: a link is to be sent; no active account has the
// address; or one was sent to it less than the gap ago.
const (
	ResetSent      ResetOutcome = "sent"
	ResetUnknown   ResetOutcome = "unknown"
	ResetThrottled ResetOutcome = "throttled"
)

// ResetHandled is a request's decision: ResetID names the reset to send
// when Outcome is ResetSent.
type ResetHandled struct {
	Outcome ResetOutcome
	ResetID string
}

// ResetRequestHandle decides a request for a reset link and wipes its
// address: an active account's address gets a reset (at most one per gap
// per account, however often anyone asks). Handling twice returns the
// first decision. Engine only.
func (tx *Tx) ResetRequestHandle(ctx context.Context, requestID string, gap time.Duration, now time.Time) (ResetHandled, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return ResetHandled{}, err
	}
	id, err := parseID("request_id", requestID)
	if err != nil {
		return ResetHandled{}, err
	}
	req, err := tx.q.ResetRequestGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return ResetHandled{}, fmt.Errorf("load reset request: %w", interpretError(err))
	}
	if req.Outcome != nil {
		return ResetHandled{Outcome: ResetOutcome(*req.Outcome), ResetID: idString(req.ResetID)}, nil
	}
	out := ResetHandled{Outcome: ResetUnknown}
	u, err := tx.q.UserGetByEmail(ctx, tx.tx, deref(req.Email))
	switch err = interpretError(err); {
	case err == nil && u.DisabledAt == nil:
		out.ResetID, err = tx.passwordResetFor(ctx, u, "reset", gap, now)
		if err != nil {
			return ResetHandled{}, err
		}
		out.Outcome = ResetSent
		if out.ResetID == "" {
			out.Outcome = ResetThrottled
		}
	case err != nil && !notFound(err):
		return ResetHandled{}, fmt.Errorf("load user: %w", err)
	}
	if err := tx.q.ResetRequestSettle(ctx, tx.tx, dbgen.ResetRequestSettleParams{
		ID: id, Now: &now, Outcome: ptr(string(out.Outcome)), ResetID: optionalID(out.ResetID),
	}); err != nil {
		return ResetHandled{}, fmt.Errorf("settle reset request: %w", interpretError(err))
	}
	return out, nil
}

// passwordResetFor creates a reset for u, or returns "" when u's newest
// reset was created less than gap before now.
func (tx *Tx) passwordResetFor(ctx context.Context, u dbgen.User, purpose string, gap time.Duration, now time.Time) (string, error) {
	last, err := tx.q.PasswordResetLastCreated(ctx, tx.tx, u.ID)
	switch err = interpretError(err); {
	case err == nil && last.After(now.Add(-gap)):
		return "", nil
	case err != nil && !notFound(err):
		return "", fmt.Errorf("check last reset: %w", err)
	}
	id := uuid.New()
	if err := tx.q.PasswordResetCreate(ctx, tx.tx, dbgen.PasswordResetCreateParams{
		ID: id, UserID: u.ID, Role: u.Role, OrgID: u.OrgID, Purpose: purpose, Now: now, ExpiresAt: now.Add(sim.PasswordResetWindow),
	}); err != nil {
		return "", fmt.Errorf("create reset: %w", interpretError(err))
	}
	return id.String(), nil
}

// ResetLink is a freshly issued reset link and where to send it. The token
// is returned once and never stored.
type ResetLink struct {
	ResetID   string
	Purpose   string // "reset", or "already_registered" for a registration request from a registered address
	Email     string
	Token     string
	ExpiresAt time.Time
}

// MessageKey identifies the email carrying this link.
func (l ResetLink) MessageKey() string { return "password-reset/" + l.ResetID }

// PasswordResetIssue issues the token of a reset not yet sent (replacing
// one issued but never sent). ok is false, and nothing changes, once it
// was sent, used or has expired. Engine only.
func (tx *Tx) PasswordResetIssue(ctx context.Context, resetID string, now time.Time) (link ResetLink, ok bool, err error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return ResetLink{}, false, err
	}
	id, err := parseID("reset_id", resetID)
	if err != nil {
		return ResetLink{}, false, err
	}
	r, err := tx.q.PasswordResetGetForUpdate(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return ResetLink{}, false, nil
	} else if err != nil {
		return ResetLink{}, false, fmt.Errorf("load reset: %w", err)
	}
	if r.SentAt != nil || r.UsedAt != nil || !r.ExpiresAt.After(now) {
		return ResetLink{}, false, nil
	}
	token, hash, err := NewToken()
	if err != nil {
		return ResetLink{}, false, err
	}
	if err := tx.q.PasswordResetSetToken(ctx, tx.tx, dbgen.PasswordResetSetTokenParams{ID: id, TokenHash: hash}); err != nil {
		return ResetLink{}, false, fmt.Errorf("store reset token: %w", interpretError(err))
	}
	return ResetLink{ResetID: id.String(), Purpose: r.Purpose, Email: r.Email, Token: token, ExpiresAt: r.ExpiresAt}, true, nil
}

// PasswordResetSent records that a reset's email went. Engine only.
func (tx *Tx) PasswordResetSent(ctx context.Context, resetID string, now time.Time) error {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return err
	}
	id, err := parseID("reset_id", resetID)
	if err != nil {
		return err
	}
	if err := tx.q.PasswordResetMarkSent(ctx, tx.tx, dbgen.PasswordResetMarkSentParams{ID: id, Now: &now}); err != nil {
		return fmt.Errorf("record reset sent: %w", interpretError(err))
	}
	return nil
}

var errResetLinkNotValid = sim.Errorf(sim.ENOTFOUND, "this password reset link is not valid: check that you copied the whole link, or ask for a new one")

// ResetPassword sets a new password with a reset link's token, as an
// anonymous actor presenting it, and ends every session of the account,
// in one transaction. The link is checked before the password is hashed.
// ENOTFOUND for an unknown link, EGONE for one used or expired, EINVALID
// for a bad password.
func (s *Store) ResetPassword(ctx context.Context, token, password, ip string, now time.Time) error {
	if err := sim.ValidatePassword(password); err != nil {
		return err
	}
	if !wellFormedToken(token) {
		return errResetLinkNotValid
	}
	tokenHash := HashToken(token)
	holder := sim.Presenting(tokenHash)
	holder.From = ip
	if err := s.InTx(ctx, holder, func(tx *Tx) error { return tx.resetLinkUsable(ctx, tokenHash, now) }); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, false, password)
	if err != nil {
		return err
	}
	return s.InTx(ctx, holder, func(tx *Tx) error {
		r, err := tx.q.PasswordResetConsume(ctx, tx.tx, dbgen.PasswordResetConsumeParams{TokenHash: tokenHash, Now: &now})
		if err = interpretError(err); notFound(err) {
			return tx.resetLinkUsable(ctx, tokenHash, now)
		} else if err != nil {
			return fmt.Errorf("use reset: %w", err)
		}
		// The link has proved who this is: from here the transaction is
		// the account's own.
		if err := tx.actAs(sim.Actor{UserID: r.UserID.String(), Role: sim.Role(r.Role), OrgID: idString(r.OrgID), From: ip}); err != nil {
			return err
		}
		return tx.setPassword(ctx, r.UserID, hash, uuid.Nil, sim.AuditPasswordReset, now)
	})
}

// setPassword stores a new password hash for the actor's own account, ends
// its sessions but keep, and records action.
func (tx *Tx) setPassword(ctx context.Context, userID uuid.UUID, hash string, keep uuid.UUID, action sim.AuditAction, now time.Time) error {
	if err := tx.q.UserSetPassword(ctx, tx.tx, dbgen.UserSetPasswordParams{ID: userID, PasswordHash: hash, Now: now}); err != nil {
		return fmt.Errorf("set password: %w", interpretError(err))
	}
	if _, err := tx.q.SessionDeleteOthersForUser(ctx, tx.tx, dbgen.SessionDeleteOthersForUserParams{UserID: userID, KeepID: keep}); err != nil {
		return fmt.Errorf("end other sessions: %w", interpretError(err))
	}
	return tx.audit(ctx, action, sim.ObjectUser, userID, optionalID(tx.actor.OrgID), now)
}

// resetLinkUsable explains why the reset link with tokenHash cannot be
// used at now, or returns nil.
func (tx *Tx) resetLinkUsable(ctx context.Context, tokenHash []byte, now time.Time) error {
	if err := tx.authorize(sim.PermResetPassword); err != nil {
		return err
	}
	r, err := tx.q.PasswordResetByToken(ctx, tx.tx, tokenHash)
	if err = interpretError(err); notFound(err) {
		return errResetLinkNotValid
	} else if err != nil {
		return fmt.Errorf("load reset: %w", err)
	}
	switch {
	case r.UsedAt != nil:
		return sim.Errorf(sim.EGONE, "this password reset link has already been used: ask for a new one if you need it")
	case !r.ExpiresAt.After(now):
		return sim.Errorf(sim.EGONE, "this password reset link has expired (they work for an hour): ask for a new one")
	}
	return nil
}

// ChangePassword sets a new password for the signed-in actor, who must
// give their current one (EINVALID naming current_password otherwise), and
// ends every other session of theirs. The session keepSessionID stays.
func (s *Store) ChangePassword(ctx context.Context, actor sim.Actor, keepSessionID, current, next string, now time.Time) error {
	if err := sim.Authorize(actor, sim.PermManageOwnAccount); err != nil {
		return err
	}
	if err := sim.ValidatePassword(next); err != nil {
		return sim.FieldError("new_password", "new_%s", sim.ErrorMessage(err))
	}
	uid, err := parseID("user_id", actor.UserID)
	if err != nil {
		return err
	}
	keep, err := parseID("session_id", keepSessionID)
	if err != nil {
		return err
	}
	var stored string
	if err := s.InTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.q.UserGet(ctx, tx.tx, uid)
		if err != nil {
			return fmt.Errorf("load user: %w", interpretError(err))
		}
		stored = u.PasswordHash
		return nil
	}); err != nil {
		return err
	}
	var hash string
	if err := s.withHashSlot(ctx, true, func() error {
		if !VerifyPassword(stored, current) {
			return sim.FieldError("current_password", "current_password is not your current password")
		}
		var err error
		hash, err = HashPassword(next)
		return err
	}); err != nil {
		return err
	}
	return s.InTx(ctx, actor, func(tx *Tx) error {
		return tx.setPassword(ctx, uid, hash, keep, sim.AuditPasswordChanged, now)
	})
}
