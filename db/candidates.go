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

// Me is what a signed-in user sees about themselves. Candidate is nil for
// an operator.
type Me struct {
	User      sim.User
	Candidate *sim.Candidate
}

// Me returns the signed-in actor's own account and, for a candidate, their
// record with the latest consent decision.
func (s *Store) Me(ctx context.Context, actor sim.Actor) (Me, error) {
	uid, err := parseID("user_id", actor.UserID)
	if err != nil {
		return Me{}, sim.Errorf(sim.EUNAUTHORIZED, "sign in first")
	}
	var me Me
	err = s.inTx(ctx, actor, func(tx pgx.Tx) error {
		u, err := s.q.UserGet(ctx, tx, uid)
		if err != nil {
			return fmt.Errorf("load user: %w", interpretError(err))
		}
		me.User = sim.User{ID: u.ID.String(), Role: sim.Role(u.Role), Email: u.Email}
		if actor.Role != sim.RoleCandidate {
			return nil
		}
		c, err := s.q.CandidateGetByUser(ctx, tx, &uid)
		if err != nil {
			return fmt.Errorf("load candidate: %w", interpretError(err))
		}
		cand := candidateFromRow(c)
		cand.Email = u.Email
		consent, err := s.q.ConsentLatest(ctx, tx, c.ID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("load consent: %w", err)
		}
		if err == nil {
			cand.Consent = sim.ConsentRecord{
				Purpose: sim.ConsentPurposeSharing, TextVersion: consent.TextVersion, Given: consent.Given,
				Method: consent.Method, RecordedAt: consent.RecordedAt,
			}
		}
		me.Candidate = &cand
		return nil
	})
	return me, err
}

// UpdateProfile replaces the signed-in candidate's profile. EFORBIDDEN for
// anyone but a candidate; EINVALID for a bad profile; ECONFLICT once the
// record is closed (placed, withdrawn or anonymised).
func (s *Store) UpdateProfile(ctx context.Context, actor sim.Actor, p sim.Profile, now time.Time) (sim.Candidate, error) {
	if actor.Role != sim.RoleCandidate {
		return sim.Candidate{}, sim.Errorf(sim.EFORBIDDEN, "only a candidate has a profile to update")
	}
	uid, err := parseID("user_id", actor.UserID)
	if err != nil {
		return sim.Candidate{}, sim.Errorf(sim.EUNAUTHORIZED, "sign in first")
	}
	p = p.Normalize()
	if err := p.Validate(now); err != nil {
		return sim.Candidate{}, err
	}
	var out sim.Candidate
	err = s.inTx(ctx, actor, func(tx pgx.Tx) error {
		c, err := s.q.CandidateGetByUser(ctx, tx, &uid)
		if err != nil {
			return fmt.Errorf("load candidate: %w", interpretError(err))
		}
		if sim.Status(c.Status) != sim.StatusRegistered {
			return sim.Errorf(sim.ECONFLICT, "a %s record can no longer be edited", c.Status)
		}
		err = s.q.CandidateUpdateProfile(ctx, tx, profileParams(c.ID, p, now))
		if err != nil {
			return fmt.Errorf("update profile: %w", err)
		}
		c, err = s.q.CandidateGet(ctx, tx, c.ID)
		if err != nil {
			return fmt.Errorf("reload candidate: %w", err)
		}
		out = candidateFromRow(c)
		return nil
	})
	return out, err
}

// CandidateStatus returns a candidate's status as the engine sees it, or
// sim.ErrNotFound when the record no longer exists (for instance after an
// invitation expired). For the engine and tests; not for people.
func (s *Store) CandidateStatus(ctx context.Context, candidateID string) (sim.Status, error) {
	id, err := uuid.Parse(candidateID)
	if err != nil {
		return "", sim.FieldError("candidate_id", "candidate_id must be a UUID")
	}
	var st sim.Status
	err = s.inTx(ctx, sim.System, func(tx pgx.Tx) error {
		c, err := s.q.CandidateGet(ctx, tx, id)
		if err != nil {
			return interpretError(err)
		}
		st = sim.Status(c.Status)
		return nil
	})
	return st, err
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
