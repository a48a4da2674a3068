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

// Candidates: a person's own record and profile, and the engine's view of
// where a candidate is in the programme.

// Me is what a signed-in user sees about themselves: their account (with,
// for the org roles, their organisation's name), what holds them back if
// anything, and, for a candidate, their record. Candidate is nil for
// everyone else.
type Me struct {
	User        sim.User
	Restriction sim.Restriction
	Candidate   *sim.Candidate
}

func candidateFromInternal(r dbgen.Candidate) sim.Candidate {
	c := sim.Candidate{
		ID:        r.ID.String(),
		UserID:    idString(r.UserID),
		Status:    sim.Status(r.Status),
		InvitedAt: r.InvitedAt,
		Profile: sim.Profile{
			FirstName:      deref(r.FirstName),
			LastName:       deref(r.LastName),
			Phone:          deref(r.Phone),
			DateOfBirth:    deref(r.DateOfBirth),
			Connection:     sim.Connection(deref(r.Connection)),
			Skills:         r.Skills,
			JobPreferences: deref(r.JobPreferences),
			Region:         sim.Region(deref(r.Region)),
			HeardAbout:     sim.Source(deref(r.HeardAbout)),
		},
	}
	if r.RegisteredAt != nil {
		c.RegisteredAt = *r.RegisteredAt
	}
	return c
}

func consentFromInternal(r dbgen.Consent) sim.ConsentRecord {
	return sim.ConsentRecord{
		Purpose: sim.ConsentPurposeSharing, TextVersion: r.TextVersion, Given: r.Given,
		Method: r.Method, RecordedAt: r.RecordedAt,
	}
}

func journeyOf(c dbgen.Candidate) sim.Journey {
	j := sim.Journey{Status: sim.Status(c.Status), InvitedAt: c.InvitedAt}
	if c.RegisteredAt != nil {
		j.RegisteredAt = *c.RegisteredAt
	}
	return j
}

// Me returns the signed-in actor's own account and, for a candidate, their
// record with the latest consent decision. It works under any restriction
// (and says which). EUNAUTHORIZED unless signed in.
func (tx *Tx) Me(ctx context.Context) (Me, error) {
	if err := tx.authorize(sim.PermViewSelf); err != nil {
		return Me{}, err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return Me{}, err
	}
	u, err := tx.q.UserGet(ctx, tx.tx, uid)
	if err != nil {
		return Me{}, fmt.Errorf("load user: %w", interpretError(err))
	}
	me := Me{User: userFromInternal(u), Restriction: tx.actor.Restriction}
	if u.OrgID != nil {
		o, err := tx.q.OrgGet(ctx, tx.tx, *u.OrgID)
		if err != nil {
			return Me{}, fmt.Errorf("load organisation: %w", interpretError(err))
		}
		me.User.OrgName = o.Name
	}
	if tx.actor.Role != sim.RoleCandidate {
		return me, nil
	}
	c, err := tx.candidateOfUser(ctx, uid)
	if err != nil {
		return Me{}, err
	}
	c.Email = u.Email
	me.Candidate = &c
	return me, nil
}

// candidateOfUser loads the candidate record of an account with its latest
// consent decision.
func (tx *Tx) candidateOfUser(ctx context.Context, uid uuid.UUID) (sim.Candidate, error) {
	row, err := tx.q.CandidateGetByUser(ctx, tx.tx, &uid)
	if err != nil {
		return sim.Candidate{}, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	c := candidateFromInternal(row)
	consent, err := tx.q.ConsentLatest(ctx, tx.tx, row.ID)
	switch err = interpretError(err); {
	case err == nil:
		c.Consent = consentFromInternal(consent)
	case !notFound(err):
		return sim.Candidate{}, fmt.Errorf("load consent: %w", err)
	}
	return c, nil
}

// ProfileReplace replaces the signed-in candidate's whole profile (fields
// left out are cleared). EFORBIDDEN for anyone but that candidate;
// EINVALID for a bad profile; ECONFLICT once the record is closed (placed,
// withdrawn or anonymised).
func (tx *Tx) ProfileReplace(ctx context.Context, p sim.Profile, now time.Time) (sim.Candidate, error) {
	if err := tx.authorize(sim.PermEditOwnProfile); err != nil {
		return sim.Candidate{}, err
	}
	p = p.Normalize()
	if err := p.Validate(now); err != nil {
		return sim.Candidate{}, err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return sim.Candidate{}, err
	}
	c, err := tx.candidateOfUser(ctx, uid)
	if err != nil {
		return sim.Candidate{}, err
	}
	if err := sim.CanEditProfile(tx.actor, c); err != nil {
		return sim.Candidate{}, err
	}
	if err := tx.q.CandidateUpdateProfile(ctx, tx.tx, profileParams(uuid.MustParse(c.ID), p, now)); err != nil {
		return sim.Candidate{}, fmt.Errorf("update profile: %w", interpretError(err))
	}
	updated, err := tx.candidateOfUser(ctx, uid)
	if err != nil {
		return sim.Candidate{}, err
	}
	// Rectification is an audited act that names the fields corrected,
	// never what they held or hold.
	if changed := c.Profile.Changes(updated.Profile); len(changed) > 0 {
		if err := tx.auditDetail(ctx, sim.AuditProfileUpdated, sim.ObjectCandidate, uuid.MustParse(c.ID), nil, strings.Join(changed, ","), now); err != nil {
			return sim.Candidate{}, err
		}
	}
	return updated, nil
}

// CandidateStatus returns a candidate's status as the engine sees it, or
// sim.ErrNotFound when the record no longer exists (for instance after an
// invitation expired). Engine only.
func (tx *Tx) CandidateStatus(ctx context.Context, candidateID string) (sim.Status, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	id, err := parseID("candidate_id", candidateID)
	if err != nil {
		return "", err
	}
	c, err := tx.q.CandidateGet(ctx, tx.tx, id)
	if err != nil {
		return "", interpretError(err)
	}
	return sim.Status(c.Status), nil
}

// profileParams maps a normalized, validated profile onto its columns.
func profileParams(id uuid.UUID, p sim.Profile, now time.Time) dbgen.CandidateUpdateProfileParams {
	return dbgen.CandidateUpdateProfileParams{
		ID:             id,
		FirstName:      &p.FirstName,
		LastName:       &p.LastName,
		Phone:          ptr(p.Phone),
		DateOfBirth:    dateOnly(p.DateOfBirth),
		Connection:     ptr(string(p.Connection)),
		Skills:         p.Skills,
		JobPreferences: ptr(p.JobPreferences),
		Region:         ptr(string(p.Region)),
		HeardAbout:     ptr(string(p.HeardAbout)),
		Now:            now,
	}
}

func dateOnly(t time.Time) *time.Time { return optionalTime(dateValue(t)) }

// ConsentChange records the signed-in candidate's decision to give or
// withdraw consent to share their record, shown the wording version.
// Withdrawing hides them from every organisation at once (row-level
// security reads the latest decision). EINVALID for an unknown wording.
func (tx *Tx) ConsentChange(ctx context.Context, version string, given bool, now time.Time) (sim.ConsentRecord, error) {
	if err := tx.authorize(sim.PermEditOwnProfile); err != nil {
		return sim.ConsentRecord{}, err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return sim.ConsentRecord{}, err
	}
	c, err := tx.q.CandidateLockByUser(ctx, tx.tx, &uid)
	if err != nil {
		return sim.ConsentRecord{}, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	text, err := tx.consentText(ctx, version)
	if err != nil {
		if sim.ErrorCode(err) == sim.EINVALID {
			return sim.ConsentRecord{}, sim.FieldError("text_version", "unknown consent wording version %q", version)
		}
		return sim.ConsentRecord{}, err
	}
	if err := tx.q.ConsentCreate(ctx, tx.tx, dbgen.ConsentCreateParams{
		ID: uuid.New(), CandidateID: c.ID, TextVersion: text.Version, Given: given, Method: "profile_update", Now: now,
	}); err != nil {
		return sim.ConsentRecord{}, fmt.Errorf("record consent: %w", interpretError(err))
	}
	return sim.ConsentRecord{Purpose: sim.ConsentPurposeSharing, TextVersion: text.Version, Given: given, Method: "profile_update", RecordedAt: now}, nil
}

// CandidateWithdraw closes the signed-in candidate's record as withdrawn
// ("no longer interested"): from now on only the operator sees it.
// ECONFLICT unless the record is open.
func (tx *Tx) CandidateWithdraw(ctx context.Context, now time.Time) error {
	if err := tx.authorize(sim.PermChooseOrganisations); err != nil {
		return err
	}
	c, err := tx.lockOwnCandidate(ctx)
	if err != nil {
		return err
	}
	j, events, err := sim.Transition(journeyOf(c), sim.Command{Kind: sim.CmdWithdraw}, now)
	if err != nil {
		return err
	}
	if err := tx.q.CandidateSetStatus(ctx, tx.tx, dbgen.CandidateSetStatusParams{ID: c.ID, Status: string(j.Status), Now: now}); err != nil {
		return fmt.Errorf("withdraw: %w", interpretError(err))
	}
	return tx.journeyEvent(ctx, c.ID, events[0])
}
