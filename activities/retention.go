package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// The retention sweep's steps: each applies one part of the retention
// schedule in batches, one transaction a batch, heartbeating, until
// nothing more is due or its time is up; the Retention workflow runs them
// in order and again until each is done.

// Retention steps besides sweeping a table by its clock.
const (
	StepExpireInvitations = "expire_invitations" // invitations past their window nobody used
	StepLapseInterests    = "lapse_interests"    // interests idle past the organisations' view: they no longer see the candidate
	StepAnonymise         = "anonymise"          // candidates past their record's period become ghosts
	stepSweepPrefix       = "sweep:"             // + a table: rows past their period by its clock
)

// RetentionPlan is the retention sweep's steps, in the order it runs
// them: expiring invitations (their candidates' rows go), then each table by its clock, lapsing the
// interests idle past the organisations' view, then anonymisation.
func (a *Activities) RetentionPlan(ctx context.Context) ([]string, error) {
	steps := []string{StepExpireInvitations}
	for _, t := range db.SweepTables() {
		steps = append(steps, stepSweepPrefix+t)
	}
	return append(steps, StepLapseInterests, StepAnonymise), nil
}

// RetentionStepInput is one run of one step: which, as of when (the whole
// sweep uses one moment, so a rerun finds no more due), and where a
// keyset step stopped.
type RetentionStepInput struct {
	Step  string
	AsOf  time.Time
	After string
}

// RetentionStepResult is what one run of a step did: how many rows (or
// candidates) went, where it stopped, and whether it is done.
type RetentionStepResult struct {
	Done  int64
	After string
	More  bool
}

// RetentionBatch is how many candidates one transaction anonymises, and
// how many invitations it expires: large enough that each batch's fixed
// cost (the reporting views, a round trip per table) is small beside its
// rows (docs/benchmarks.md), small enough that a retry repeats little.
const RetentionBatch = 2000

// AnonymiseParts is how many transactions anonymise one batch side by side
// (db.Store.AnonymiseDue): the database's cores, not the worker's, decide
// how many help; two is what the machine the benchmarks ran on has.
const AnonymiseParts = 2

// retentionBudget is how long one activity works before it hands back to
// the workflow, which runs it again: short enough that a retry after a
// crash repeats little, long enough that few activities run.
var retentionBudget = 20 * time.Second

// RetentionStep runs one step of the retention sweep in batches, one
// transaction each, heartbeating its progress (a retry resumes from the
// last heartbeat), until nothing more is due or its budget is spent. A
// batch that committed is never undone and never repeated: each is
// idempotent (a row deleted or a candidate anonymised is not found
// again). Counts only, no personal data.
func (a *Activities) RetentionStep(ctx context.Context, in RetentionStepInput) (RetentionStepResult, error) {
	out := RetentionStepResult{After: in.After}
	if activity.HasHeartbeatDetails(ctx) {
		var saved RetentionStepResult
		if err := activity.GetHeartbeatDetails(ctx, &saved); err == nil {
			out = saved
		}
	}
	var schedule sim.RetentionSchedule
	if err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		schedule, err = tx.RetentionSchedule(ctx)
		return err
	}); err != nil {
		return out, fmt.Errorf("read retention schedule: %w", err)
	}
	deadline := time.Now().Add(retentionBudget)
	for {
		n, next, more, err := a.retentionBatch(ctx, schedule, in.Step, in.AsOf, out.After)
		if err != nil {
			return out, err
		}
		out.Done += n
		out.After = next
		out.More = more
		activity.RecordHeartbeat(ctx, out)
		if !more || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
	}
	activity.GetLogger(ctx).Info("retention step", "step", in.Step, "done", out.Done, "more", out.More)
	return out, nil
}

// retentionBatch runs one batch of a step in one transaction.
func (a *Activities) retentionBatch(ctx context.Context, schedule sim.RetentionSchedule, step string, asOf time.Time, after string) (n int64, next string, more bool, err error) {
	next = after
	if step == StepAnonymise {
		done, next, more, err := a.Store.AnonymiseDue(ctx, sim.System, schedule, asOf, after, RetentionBatch, AnonymiseParts)
		if err != nil {
			return int64(done), after, false, fmt.Errorf("retention %s: %w", step, err)
		}
		return int64(done), next, more, nil
	}
	err = a.asEngine(ctx, func(tx *db.Tx) error {
		switch {
		case step == StepExpireInvitations:
			var err error
			n, err = tx.RetentionExpireInvitations(ctx, asOf, RetentionBatch)
			more = n == RetentionBatch
			return err
		case step == StepLapseInterests:
			var err error
			n, err = tx.RetentionLapseInterests(ctx, schedule, asOf, RetentionBatch)
			more = n == RetentionBatch
			return err
		case len(step) > len(stepSweepPrefix) && step[:len(stepSweepPrefix)] == stepSweepPrefix:
			var err error
			n, err = tx.RetentionSweep(ctx, schedule, step[len(stepSweepPrefix):], asOf)
			more = n > 0
			return err
		}
		return sim.Errorf(sim.EINVALID, "unknown retention step %q", step)
	})
	if err != nil {
		return 0, after, false, fmt.Errorf("retention %s: %w", step, err)
	}
	return n, next, more, nil
}
