package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Registration is a completed registration form.
type Registration struct {
	Token          string
	Password       string
	Profile        sim.Profile
	ConsentVersion string // the consent wording the person was shown
	ConsentGiven   bool
	Now            time.Time
}

// Registered says what a registration created.
type Registered struct {
	CandidateID  string
	UserID       string
	InvitationID string
}

// Register completes the registration that the invitation token was sent
// for: the candidate's profile, a candidate account with an argon2id
// password hash, the consent decision with its wording version, and the
// journey event, all in one transaction. Errors, all leaving nothing
// changed: EINVALID for a bad profile (including under 18), password or
// consent version; ENOTFOUND for a token that was never issued; EGONE for a
// token already used or past its window; ECONFLICT when the address has
// meanwhile been registered.
func (s *Store) Register(ctx context.Context, r Registration) (Registered, error) {
	r.Profile = r.Profile.Normalize()
	if err := r.Profile.Validate(r.Now); err != nil {
		return Registered{}, err
	}
	if err := sim.ValidatePassword(r.Password); err != nil {
		return Registered{}, err
	}
	if strings.TrimSpace(r.ConsentVersion) == "" {
		return Registered{}, sim.FieldError("consent.text_version", "consent.text_version is required: send the version of the wording the person was shown")
	}
	if !wellFormedToken(r.Token) {
		return Registered{}, errLinkNotValid
	}
	hash, err := s.hashPassword(ctx, r.Password)
	if err != nil {
		return Registered{}, err
	}
	tokenHash := HashToken(r.Token)
	var out Registered
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		inv, err := s.q.InvitationConsume(ctx, tx, dbgen.InvitationConsumeParams{TokenHash: tokenHash, Now: r.Now})
		if errors.Is(err, pgx.ErrNoRows) {
			return s.whyTokenUnusable(ctx, tx, tokenHash)
		}
		if err != nil {
			return fmt.Errorf("consume invitation: %w", err)
		}
		text, err := s.q.ConsentTextGet(ctx, tx, r.ConsentVersion)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && text.Purpose != sim.ConsentPurposeSharing) {
			return sim.FieldError("consent.text_version", "unknown consent wording version %q", r.ConsentVersion)
		} else if err != nil {
			return fmt.Errorf("load consent text: %w", err)
		}
		c, err := s.q.CandidateGet(ctx, tx, inv.CandidateID)
		if err != nil {
			return fmt.Errorf("load candidate: %w", err)
		}
		journey, events, err := sim.Transition(journeyOf(c), sim.Command{Kind: sim.CmdRegister, Profile: r.Profile}, r.Now)
		if err != nil {
			return err
		}
		user, err := s.q.UserCreate(ctx, tx, dbgen.UserCreateParams{
			ID: uuid.New(), Role: string(sim.RoleCandidate), Email: inv.Email, PasswordHash: hash, Now: r.Now,
		})
		if err != nil {
			if sim.ErrorCode(interpretError(err)) == sim.ECONFLICT {
				return sim.Errorf(sim.ECONFLICT, "that email address is already registered")
			}
			return fmt.Errorf("insert user: %w", err)
		}
		err = s.q.CandidateRegister(ctx, tx, dbgen.CandidateRegisterParams{
			ID: c.ID, UserID: user.ID, Status: string(journey.Status), Now: r.Now,
		})
		if err != nil {
			return fmt.Errorf("register candidate: %w", err)
		}
		if err := s.q.CandidateUpdateProfile(ctx, tx, profileParams(c.ID, r.Profile, r.Now)); err != nil {
			return fmt.Errorf("store profile: %w", err)
		}
		err = s.q.ConsentCreate(ctx, tx, dbgen.ConsentCreateParams{
			ID: uuid.New(), CandidateID: c.ID, TextVersion: text.Version, Given: r.ConsentGiven,
			Method: "registration_form", Now: r.Now,
		})
		if err != nil {
			return fmt.Errorf("record consent: %w", err)
		}
		if err := recordEvent(ctx, s.q, tx, c.ID, sim.Actor{UserID: user.ID.String(), Role: sim.RoleCandidate}, events[0]); err != nil {
			return err
		}
		out = Registered{CandidateID: c.ID.String(), UserID: user.ID.String(), InvitationID: inv.ID.String()}
		return nil
	})
	if err != nil {
		return Registered{}, err
	}
	return out, nil
}

var errLinkNotValid = sim.Errorf(sim.ENOTFOUND, "this registration link is not valid: check that you copied the whole link, or ask for a new invitation")

// whyTokenUnusable explains a token that could not be consumed.
func (s *Store) whyTokenUnusable(ctx context.Context, tx pgx.Tx, tokenHash []byte) error {
	inv, err := s.q.InvitationGetByTokenHash(ctx, tx, tokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return errLinkNotValid
	}
	if err != nil {
		return fmt.Errorf("load invitation: %w", err)
	}
	if inv.UsedAt != nil {
		return sim.Errorf(sim.EGONE, "this registration link has already been used: sign in instead")
	}
	return sim.Errorf(sim.EGONE, "this registration link has expired: ask for a new invitation")
}

// ConsentText is one version of consent wording.
type ConsentText struct {
	Version string
	Purpose string
	Body    string
}

// CurrentConsentText returns the wording a registering person must be shown
// for sharing with organisations.
func (s *Store) CurrentConsentText(ctx context.Context) (ConsentText, error) {
	var out ConsentText
	err := s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		t, err := s.q.ConsentTextCurrent(ctx, tx, sim.ConsentPurposeSharing)
		if err != nil {
			return fmt.Errorf("load consent text: %w", interpretError(err))
		}
		out = ConsentText{Version: t.Version, Purpose: t.Purpose, Body: t.Body}
		return nil
	})
	return out, err
}
