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

// Spot checks: a share of new registrations, and every one a rule in sim
// flags, wait in the operator's queue to be verified or rejected. A
// rejection hides the candidate from every organisation at once (org_sees
// reads candidates.verification) and tells the candidate, without the
// reason, through the outbox.

// sampleRegistration puts a new registration in the verification queue
// when the store's policy samples it.
func (tx *Tx) sampleRegistration(ctx context.Context, candidateID uuid.UUID, p sim.Profile, now time.Time) error {
	flags := tx.store.spotChecks.Sample(candidateID.String(), p)
	if len(flags) == 0 {
		return nil
	}
	names := make([]string, len(flags))
	for i, f := range flags {
		names[i] = string(f)
	}
	if _, err := tx.q.CandidateSetSampled(ctx, tx.tx, candidateID); err != nil {
		return fmt.Errorf("sample registration: %w", interpretError(err))
	}
	if err := tx.q.SpotCheckCreate(ctx, tx.tx, dbgen.SpotCheckCreateParams{ID: uuid.New(), CandidateID: candidateID, Flags: names, SampledAt: now}); err != nil {
		return fmt.Errorf("queue spot check: %w", interpretError(err))
	}
	return nil
}

// SpotChecks returns the open spot checks, oldest first, after the
// cursor (nil for the first page), at most limit (see PageSize). The
// operator's.
func (tx *Tx) SpotChecks(ctx context.Context, after *sim.SpotCheckCursor, limit int) ([]sim.SpotCheck, error) {
	if err := tx.authorize(sim.PermVerify); err != nil {
		return nil, err
	}
	var at time.Time
	var id string
	if after != nil {
		at, id = after.SampledAt, after.ID
	}
	at, key, err := keysetAfter(at, id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.SpotChecksOpen(ctx, tx.tx, dbgen.SpotChecksOpenParams{AfterAt: at, AfterID: key, MaxRows: pageSize(limit)})
	if err != nil {
		return nil, fmt.Errorf("list spot checks: %w", interpretError(err))
	}
	out := make([]sim.SpotCheck, len(rows))
	for i, r := range rows {
		flags := make([]sim.SpotCheckFlag, len(r.Flags))
		for j, f := range r.Flags {
			flags[j] = sim.SpotCheckFlag(f)
		}
		out[i] = sim.SpotCheck{
			ID: r.ID.String(), CandidateID: r.CandidateID.String(), Flags: flags, SampledAt: r.SampledAt,
			FirstName: deref(r.FirstName), LastName: deref(r.LastName), Connection: sim.Connection(deref(r.Connection)),
			Region: sim.Region(deref(r.Region)), RegisteredAt: deref(r.RegisteredAt),
		}
	}
	return out, nil
}

// SpotCheckDecide records the operator's decision on the spot check
// spotCheckID: verified, or rejected with a reason. A rejection hides the
// candidate from every organisation at once and starts the notice that
// tells them. An audit event either way. ENOTFOUND for an unknown check;
// ECONFLICT once decided.
func (tx *Tx) SpotCheckDecide(ctx context.Context, spotCheckID string, outcome sim.Verification, reason string, now time.Time) error {
	if err := tx.authorize(sim.PermVerify); err != nil {
		return err
	}
	id, err := uuid.Parse(spotCheckID)
	if err != nil {
		return sim.ErrNotFound
	}
	r, err := tx.q.SpotCheckForUpdate(ctx, tx.tx, id)
	if err != nil {
		return wrapNotFound("load spot check", err)
	}
	if r.Outcome != nil {
		return sim.Errorf(sim.ECONFLICT, "this registration was already checked: %s", *r.Outcome)
	}
	v, err := sim.DecideVerification(sim.Verification(r.Verification), outcome, reason)
	if err != nil {
		return err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return err
	}
	var why *string
	if v == sim.VerificationRejected {
		why = ptr(strings.TrimSpace(reason))
	}
	if err := tx.q.SpotCheckDecide(ctx, tx.tx, dbgen.SpotCheckDecideParams{ID: id, Outcome: string(v), Reason: why, DecidedBy: uid, DecidedAt: now}); err != nil {
		return fmt.Errorf("record decision: %w", interpretError(err))
	}
	if err := tx.q.CandidateSetVerification(ctx, tx.tx, dbgen.CandidateSetVerificationParams{ID: r.CandidateID, Verification: string(v)}); err != nil {
		return fmt.Errorf("record verification: %w", interpretError(err))
	}
	if err := tx.audit(ctx, sim.AuditSpotCheckDecided, sim.ObjectSpotCheck, id, nil, now); err != nil {
		return err
	}
	if v == sim.VerificationRejected {
		return tx.enqueue(ctx, sim.StartSpotCheckNotice(id.String()))
	}
	return nil
}

// SpotCheckNotice returns the account of the candidate whose spot check
// spotCheckID was rejected, or "" when there is nobody to tell (the
// account is gone, or the rejection no longer stands). Engine only.
func (tx *Tx) SpotCheckNotice(ctx context.Context, spotCheckID string) (string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	id, err := parseID("spot_check_id", spotCheckID)
	if err != nil {
		return "", err
	}
	r, err := tx.q.SpotCheckNotice(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("load spot check: %w", err)
	}
	if !r.Rejected {
		return "", nil
	}
	return idString(r.UserID), nil
}
