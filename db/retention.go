package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The retention schedule, as data, and the sweep that applies it.

// RetentionSchedule reads the schedule in force. The operator and the
// engine.
func (tx *Tx) RetentionSchedule(ctx context.Context) (sim.RetentionSchedule, error) {
	if tx.actor.Role != sim.RoleSystem {
		if err := tx.authorize(sim.PermManageRetention); err != nil {
			return nil, err
		}
	}
	rows, err := tx.q.RetentionRules(ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("read retention schedule: %w", interpretError(err))
	}
	byCategory := map[sim.RetentionCategory]sim.RetentionRule{}
	for _, r := range rows {
		byCategory[sim.RetentionCategory(r.Category)] = retentionRuleOf(r)
	}
	out := make(sim.RetentionSchedule, 0, len(sim.RetentionCategories))
	for _, c := range sim.RetentionCategories {
		r, ok := byCategory[c]
		if !ok {
			r = sim.DefaultRetention.Rule(c)
		}
		out = append(out, r)
	}
	return out, nil
}

func retentionRuleOf(r dbgen.RetentionRule) sim.RetentionRule {
	return sim.RetentionRule{
		Category: sim.RetentionCategory(r.Category), Action: sim.RetentionAction(r.Action),
		Keep: time.Duration(r.KeepSeconds) * time.Second, OrgVisible: time.Duration(r.OrgVisibleSeconds) * time.Second,
	}
}

// RetentionRuleSet changes one category's periods within
// sim.RetentionBounds (EINVALID naming the field and the bounds
// otherwise; ECONFLICT for a category that is not a setting), as an
// audited act. Operator only.
func (tx *Tx) RetentionRuleSet(ctx context.Context, r sim.RetentionRule, now time.Time) (sim.RetentionRule, error) {
	if err := tx.authorize(sim.PermManageRetention); err != nil {
		return sim.RetentionRule{}, err
	}
	cur, err := tx.RetentionSchedule(ctx)
	if err != nil {
		return sim.RetentionRule{}, err
	}
	if r.Action == "" {
		r.Action = cur.Rule(r.Category).Action
	}
	if _, err := cur.With(r); err != nil {
		return sim.RetentionRule{}, err
	}
	row, err := tx.q.RetentionRuleSet(ctx, tx.tx, dbgen.RetentionRuleSetParams{
		Category: string(r.Category), KeepSeconds: int64(r.Keep / time.Second), OrgVisibleSeconds: int64(r.OrgVisible / time.Second), Now: now,
	})
	if err != nil {
		return sim.RetentionRule{}, wrapNotFound("change retention rule", err)
	}
	if err := tx.audit(ctx, sim.AuditRetentionChanged, sim.ObjectRetention, retentionObjectID(r.Category), nil, now); err != nil {
		return sim.RetentionRule{}, err
	}
	return retentionRuleOf(row), nil
}

// retentionObjectID names a retention category in the audit trail, whose
// objects are UUIDs: one derived from the category's name, the same every
// time.
func retentionObjectID(c sim.RetentionCategory) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("muster:retention:"+string(c)))
}

// SweepTables lists the tables the retention sweep deletes from by their
// clock, in the order it does.
func SweepTables() []string {
	out := make([]string, len(sweeps))
	for i, s := range sweeps {
		out[i] = s.Table
	}
	return out
}

// RetentionSweep deletes up to a batch of table's rows whose retention
// period under schedule is over at now, and returns how many went (fewer
// than a batch: nothing more is due). ENOTFOUND for a table the sweep does
// not delete from by its clock. Engine only.
func (tx *Tx) RetentionSweep(ctx context.Context, schedule sim.RetentionSchedule, table string, now time.Time) (int64, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return 0, err
	}
	i := slices.IndexFunc(sweeps, func(s sweep) bool { return s.Table == table })
	if i < 0 {
		return 0, sim.Errorf(sim.ENOTFOUND, "the retention sweep does not delete from %s", table)
	}
	due := schedule.Rule(sweeps[i].Category).Due(now)
	if due.IsZero() {
		return 0, nil
	}
	n, err := sweeps[i].Query(tx.q, ctx, tx.tx, due)
	if err != nil {
		return 0, fmt.Errorf("sweep %s: %w", table, interpretError(err))
	}
	return n, nil
}

// RetentionExpireInvitations does what the Invitation workflow does when
// an invitation's window passes, for up to max invitations it has not
// (their invitees' details go; the anonymous count grows), and returns how
// many. Engine only.
func (tx *Tx) RetentionExpireInvitations(ctx context.Context, now time.Time, max int) (int64, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return 0, err
	}
	n, err := tx.q.RetentionInvitationsExpire(ctx, tx.tx, dbgen.RetentionInvitationsExpireParams{Now: now, MaxRows: int32(max)})
	if err != nil {
		return 0, fmt.Errorf("expire invitations: %w", interpretError(err))
	}
	return n, nil
}

// RetentionCandidatesDue lists up to max registered candidates whose last
// activity is older than the candidate record's period under schedule at
// now, after the ID after ("" from the start), in ID order: a keyset
// batch. Engine only.
func (tx *Tx) RetentionCandidatesDue(ctx context.Context, schedule sim.RetentionSchedule, now time.Time, after string, max int) ([]string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return nil, err
	}
	due := schedule.Rule(sim.RetainCandidateRecord).Due(now)
	if due.IsZero() {
		return nil, nil
	}
	var from uuid.UUID
	if after != "" {
		var err error
		if from, err = parseID("after", after); err != nil {
			return nil, err
		}
	}
	ids, err := tx.q.RetentionCandidatesDue(ctx, tx.tx, dbgen.RetentionCandidatesDueParams{After: from, Before: due, MaxRows: int32(max)})
	if err != nil {
		return nil, fmt.Errorf("list candidates due: %w", interpretError(err))
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, nil
}

// RetentionLapseInterests closes up to max open interests (not
// placements) on which nothing has happened, neither support recorded nor
// a message, for the organisations' view of the candidate record under
// schedule at now (sim.InterestLapsed, a journey event each): the
// organisation no longer sees the candidate through them. It returns how
// many. Engine only.
func (tx *Tx) RetentionLapseInterests(ctx context.Context, schedule sim.RetentionSchedule, now time.Time, max int) (int64, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return 0, err
	}
	visible := schedule.Rule(sim.RetainCandidateRecord).OrgVisible
	if visible <= 0 {
		return 0, nil
	}
	n, err := tx.q.InterestsLapse(ctx, tx.tx, dbgen.InterestsLapseParams{Before: now.Add(-visible), Now: now, MaxRows: int32(max)})
	if err != nil {
		return 0, fmt.Errorf("lapse interests: %w", interpretError(err))
	}
	return n, nil
}

// AnonymiseDue anonymises one keyset batch of the candidates due under
// schedule at now (up to limit, after the ID after), as actor (the
// engine): it lists them in one transaction, then anonymises them in
// parts transactions side by side, each a contiguous share of the batch,
// so the work uses as many cores as the database has to give. A
// candidate is a ghost or untouched, never half; on an error some parts
// may have committed, and a rerun of the same batch finds only those
// still due. It returns how many became ghosts, the batch's last ID (the
// next batch starts after it) and whether the batch was full.
func (s *Store) AnonymiseDue(ctx context.Context, actor sim.Actor, schedule sim.RetentionSchedule, now time.Time, after string, limit, parts int) (done int, next string, full bool, err error) {
	var ids []string
	if err := s.InTx(ctx, actor, func(tx *Tx) error {
		var err error
		ids, err = tx.RetentionCandidatesDue(ctx, schedule, now, after, limit)
		return err
	}); err != nil || len(ids) == 0 {
		return 0, after, false, err
	}
	parts = max(1, min(parts, len(ids)))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	size := (len(ids) + parts - 1) / parts
	for part := range slices.Chunk(ids, size) {
		wg.Go(func() {
			err := s.InTx(ctx, actor, func(tx *Tx) error {
				res, err := tx.Anonymise(ctx, part)
				if err == nil {
					mu.Lock()
					done += res.Candidates
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return done, after, false, first
	}
	return done, ids[len(ids)-1], len(ids) == limit, nil
}
