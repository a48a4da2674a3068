package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// RetentionInput starts (or continues) a Retention run: the moment the
// whole run applies the schedule as of (zero: when it starts), the step it
// is on, where that step stopped, and what the run has done so far.
type RetentionInput struct {
	AsOf  time.Time
	Steps []string
	Step  int
	After string
	// Done counts, by step, the rows (or candidates) the run removed.
	Done map[string]int64
}

// RetentionResult is what a run did, by step: counts only.
type RetentionResult struct {
	AsOf time.Time
	Done map[string]int64
}

// retentionActivity gives each step's activity a heartbeat, so that a
// worker that dies is noticed within 20 seconds, and retries it for a day.
var retentionActivity = workflow.ActivityOptions{
	StartToCloseTimeout:    10 * time.Minute,
	HeartbeatTimeout:       20 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
}

// retentionHistoryLimit is how many steps a run takes before it continues
// as new, so its history stays small however much is due.
const retentionHistoryLimit = 200

// Retention applies the retention schedule once, as of the moment it
// starts: it expires invitations nobody used, deletes what each table
// keeps past its period (by the table's retention clock), and anonymises
// the candidates whose record's period has passed since their last
// activity into ghost records. Each step runs as activities that work in
// keyset batches with heartbeats; the run continues as new before its
// history grows large. A rerun (or a retry after a crash) finds nothing
// more to do for what was done. It returns counts per step, never
// personal data. A Temporal Schedule starts it daily (see
// EnsureRetentionSchedule).
func Retention(ctx workflow.Context, in RetentionInput) (RetentionResult, error) {
	if in.AsOf.IsZero() {
		in.AsOf = workflow.Now(ctx).UTC()
	}
	if in.Done == nil {
		in.Done = map[string]int64{}
	}
	actx := workflow.WithActivityOptions(ctx, retentionActivity)
	if in.Steps == nil {
		if err := workflow.ExecuteActivity(actx, activityRef.RetentionPlan).Get(ctx, &in.Steps); err != nil {
			return RetentionResult{}, err
		}
	}
	for taken := 0; in.Step < len(in.Steps); taken++ {
		if taken == retentionHistoryLimit {
			return RetentionResult{}, workflow.NewContinueAsNewError(ctx, sim.WorkflowRetention, in)
		}
		step := in.Steps[in.Step]
		var res activities.RetentionStepResult
		err := workflow.ExecuteActivity(actx, activityRef.RetentionStep,
			activities.RetentionStepInput{Step: step, AsOf: in.AsOf, After: in.After}).Get(ctx, &res)
		if err != nil {
			return RetentionResult{}, err
		}
		in.Done[step] += res.Done
		if res.More {
			in.After = res.After
			continue
		}
		in.Step, in.After = in.Step+1, ""
	}
	workflow.GetLogger(ctx).Info("retention run done", "as_of", in.AsOf)
	return RetentionResult{AsOf: in.AsOf, Done: in.Done}, nil
}

// RetentionScheduleID is the Temporal Schedule that starts Retention.
const RetentionScheduleID = "muster-retention"

// RetentionWorkflowID is the ID of the workflows the schedule starts
// (Temporal adds the time each starts).
const RetentionWorkflowID = "retention"

// EnsureRetentionSchedule creates the Temporal Schedule that runs
// Retention every day at 02:00 UTC on taskQueue, skipping a run while the
// last is still going. It is idempotent: a schedule that exists is left
// as it is, so an operator's pause or trigger in the Temporal UI stands.
// It reports whether it created it.
func EnsureRetentionSchedule(ctx context.Context, c client.Client, taskQueue string) (bool, error) {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: RetentionScheduleID,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: 2}}}},
		},
		// No arguments: a run starts from a zero RetentionInput, and the
		// schedule, created by a client with or without the payload codec,
		// carries no payload at all.
		Action:  &client.ScheduleWorkflowAction{ID: RetentionWorkflowID, Workflow: sim.WorkflowRetention, TaskQueue: taskQueue},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    "Muster applies its retention schedule daily: expires invitations, deletes what is past its period, anonymises candidates into ghost records.",
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create retention schedule: %w", err)
	}
	return true, nil
}
