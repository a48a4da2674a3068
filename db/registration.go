package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Registration: a person completes the registration their link was sent
// for, with the consent wording they were shown.

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

var errLinkNotValid = sim.Errorf(sim.ENOTFOUND, "this registration link is not valid: check that you copied the whole link, or ask for a new invitation")

// Register completes the registration that r.Token's link was sent for:
// the candidate's profile, a candidate account with an argon2id password
// hash, the consent decision with its wording version, the journey event
// and the signal to the invitation's workflow (through the outbox), all in
// one transaction. It runs as an anonymous actor presenting the token, so
// row-level security shows it that invitation's rows and no others. The
// link and the consent version are checked before the password is hashed,
// so a dead or unknown link costs a query, not argon2id. Errors, all
// leaving nothing changed: EINVALID for a bad profile (including under
// 18), password or consent version; ENOTFOUND for a token that was never
// issued; EGONE for a link already used or past its window; ECONFLICT
// when the address has meanwhile been registered.
func (s *Store) Register(ctx context.Context, r Registration) (Registered, error) {
	r.Profile = r.Profile.Normalize()
	if err := r.Profile.Validate(r.Now); err != nil {
		return Registered{}, sim.WithFieldPrefix(err, "profile")
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
	tokenHash := HashToken(r.Token)
	holder := sim.Presenting(tokenHash)
	if err := s.InTx(ctx, holder, func(tx *Tx) error {
		if err := tx.registrationLinkUsable(ctx, tokenHash, r.Now); err != nil {
			return err
		}
		_, err := tx.consentText(ctx, r.ConsentVersion)
		return err
	}); err != nil {
		return Registered{}, err
	}
	hash, err := s.hashPassword(ctx, false, r.Password)
	if err != nil {
		return Registered{}, err
	}
	var out Registered
	err = s.InTx(ctx, holder, func(tx *Tx) error {
		var err error
		out, err = tx.register(ctx, tokenHash, hash, r)
		return err
	})
	return out, err
}

// registrationLinkUsable explains why the link with tokenHash cannot be
// used at now, or returns nil.
func (tx *Tx) registrationLinkUsable(ctx context.Context, tokenHash []byte, now time.Time) error {
	if err := tx.authorize(sim.PermRegister); err != nil {
		return err
	}
	inv, err := tx.q.InvitationGetByTokenHash(ctx, tx.tx, tokenHash)
	if err = interpretError(err); notFound(err) {
		return errLinkNotValid
	} else if err != nil {
		return fmt.Errorf("load invitation: %w", err)
	}
	if inv.UsedAt != nil {
		return sim.Errorf(sim.EGONE, "this registration link has already been used: sign in instead")
	}
	if !inv.ExpiresAt.After(now) {
		return sim.Errorf(sim.EGONE, "this registration link has expired: ask for a new invitation")
	}
	return nil
}

// consentText is the sharing consent wording of version, or EINVALID.
func (tx *Tx) consentText(ctx context.Context, version string) (dbgen.ConsentText, error) {
	text, err := tx.q.ConsentTextGet(ctx, tx.tx, version)
	if err = interpretError(err); notFound(err) || (err == nil && text.Purpose != sim.ConsentPurposeSharing) {
		return dbgen.ConsentText{}, sim.FieldError("consent.text_version", "unknown consent wording version %q", version)
	} else if err != nil {
		return dbgen.ConsentText{}, fmt.Errorf("load consent text: %w", err)
	}
	return text, nil
}

// register consumes the link and creates everything a registration makes.
func (tx *Tx) register(ctx context.Context, tokenHash []byte, passwordHash string, r Registration) (Registered, error) {
	if err := tx.authorize(sim.PermRegister); err != nil {
		return Registered{}, err
	}
	inv, err := tx.q.InvitationConsume(ctx, tx.tx, dbgen.InvitationConsumeParams{TokenHash: tokenHash, Now: r.Now})
	if err = interpretError(err); notFound(err) {
		// Used or expired since the check, by a request that won the race.
		return Registered{}, tx.registrationLinkUsable(ctx, tokenHash, r.Now)
	} else if err != nil {
		return Registered{}, fmt.Errorf("consume invitation: %w", err)
	}
	text, err := tx.consentText(ctx, r.ConsentVersion)
	if err != nil {
		return Registered{}, err
	}
	c, err := tx.q.CandidateGet(ctx, tx.tx, inv.CandidateID)
	if err != nil {
		return Registered{}, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	journey, events, err := sim.Transition(journeyOf(c), sim.Command{Kind: sim.CmdRegister, Profile: r.Profile}, r.Now)
	if err != nil {
		return Registered{}, sim.WithFieldPrefix(err, "profile")
	}
	userID := uuid.New()
	if err := tx.q.UserCreate(ctx, tx.tx, dbgen.UserCreateParams{
		ID: userID, Role: string(sim.RoleCandidate), Email: inv.Email, PasswordHash: passwordHash, Now: r.Now,
	}); err != nil {
		if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
			return Registered{}, sim.Errorf(sim.ECONFLICT, "that email address is already registered")
		}
		return Registered{}, fmt.Errorf("insert user: %w", err)
	}
	if err := tx.q.CandidateRegister(ctx, tx.tx, dbgen.CandidateRegisterParams{
		ID: c.ID, UserID: userID, Status: string(journey.Status), Now: r.Now,
	}); err != nil {
		return Registered{}, fmt.Errorf("register candidate: %w", interpretError(err))
	}
	if err := tx.q.CandidateUpdateProfile(ctx, tx.tx, profileParams(c.ID, r.Profile, r.Now)); err != nil {
		return Registered{}, fmt.Errorf("store profile: %w", interpretError(err))
	}
	if err := tx.q.ConsentCreate(ctx, tx.tx, dbgen.ConsentCreateParams{
		ID: uuid.New(), CandidateID: c.ID, TextVersion: text.Version, Given: r.ConsentGiven,
		Method: "registration_form", Now: r.Now,
	}); err != nil {
		return Registered{}, fmt.Errorf("record consent: %w", interpretError(err))
	}
	if err := tx.sampleRegistration(ctx, c.ID, r.Profile, r.Now); err != nil {
		return Registered{}, err
	}
	// The journey event names the new account as its actor.
	registrant := sim.Actor{UserID: userID.String(), Role: sim.RoleCandidate}
	if err := tx.journeyEventBy(ctx, c.ID, registrant, events[0]); err != nil {
		return Registered{}, err
	}
	if err := tx.enqueue(ctx, sim.SignalRegistered(inv.ID.String())); err != nil {
		return Registered{}, err
	}
	return Registered{CandidateID: c.ID.String(), UserID: userID.String(), InvitationID: inv.ID.String()}, nil
}

// ConsentText is one version of consent wording.
type ConsentText struct {
	Version string
	Purpose string
	Body    string
}

// ConsentTextCurrent returns the wording a registering person must be
// shown for sharing with organisations. Anyone may read it.
func (tx *Tx) ConsentTextCurrent(ctx context.Context) (ConsentText, error) {
	t, err := tx.q.ConsentTextCurrent(ctx, tx.tx, sim.ConsentPurposeSharing)
	if err != nil {
		return ConsentText{}, fmt.Errorf("load consent text: %w", interpretError(err))
	}
	return ConsentText{Version: t.Version, Purpose: t.Purpose, Body: t.Body}, nil
}
