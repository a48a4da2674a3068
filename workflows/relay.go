package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster/db"
)

// Relay delivers the workflow intents that committed changes wrote to the
// outbox: it starts or signals each workflow on Temporal and marks the
// intent done. While Temporal is unreachable it retries each intent with a
// backoff, and nothing is lost; if it dies between delivering and marking,
// the intent is delivered again and Temporal's workflow-ID deduplication
// (a workflow ID is never reused, even after its workflow closed) makes
// that a no-op. Several relays, in several processes, may run at once.
type Relay struct {
	Store     *db.Store
	Client    client.Client
	TaskQueue string
	Logger    *slog.Logger // nil means slog.Default()
	// Interval is how often the outbox is polled for intents written by
	// other processes; zero means one second. Intents written by this
	// process's Store are delivered at once.
	Interval time.Duration
	// BacklogWarning: the relay logs a warning while the oldest
	// undelivered intent is older than this; zero means one minute.
	BacklogWarning time.Duration

	// afterDeliver, when set (by tests), runs after an intent reached
	// Temporal and before it is marked done.
	afterDeliver func(db.OutboxItem)
}

const relayBatch = 32

// Run delivers intents until ctx ends, then returns nil.
func (r *Relay) Run(ctx context.Context) error {
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	interval := r.Interval
	if interval <= 0 {
		interval = time.Second
	}
	warnAfter := r.BacklogWarning
	if warnAfter <= 0 {
		warnAfter = time.Minute
	}
	var lastReport, lastPrune time.Time
	var lastPending int64
	for ctx.Err() == nil {
		for {
			res, err := r.Store.OutboxDeliver(ctx, relayBatch, r.deliver)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("outbox relay", "error", err.Error())
				}
				break
			}
			if res.Failed > 0 {
				logger.Warn("outbox relay: some intents could not be delivered and will be tried again",
					"delivered", res.Delivered, "failed", res.Failed)
			}
			if res.Delivered+res.Failed < relayBatch {
				break
			}
		}
		if time.Since(lastReport) >= warnAfter/2 {
			lastReport = time.Now()
			if b, err := r.Store.OutboxBacklog(ctx); err == nil {
				if b.OldestAge >= warnAfter && b.Pending >= lastPending {
					logger.Warn("outbox backlog is growing: is Temporal reachable?",
						"pending", b.Pending, "oldest_pending_seconds", int64(b.OldestAge.Seconds()))
				}
				lastPending = b.Pending
			}
		}
		if time.Since(lastPrune) >= time.Hour {
			lastPrune = time.Now()
			if n, err := r.Store.OutboxPrune(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
				logger.Warn("outbox prune", "error", err.Error())
			} else if n > 0 {
				logger.Info("outbox pruned", "deleted", n)
			}
		}
		select {
		case <-ctx.Done():
		case <-r.Store.Enqueued():
		case <-time.After(interval):
		}
	}
	return nil
}

// deliver starts or signals one intent's workflow. A workflow that was
// already started under the ID, running or closed, counts as delivered;
// so does a signal for a workflow that no longer exists (its work is over).
func (r *Relay) deliver(ctx context.Context, it db.OutboxItem) error {
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var err error
	if it.Workflow != "" {
		var args []any
		if it.Args != nil {
			args = append(args, json.RawMessage(it.Args))
		}
		_, err = r.Client.ExecuteWorkflow(callCtx, client.StartWorkflowOptions{
			ID:                                       it.WorkflowID,
			TaskQueue:                                r.TaskQueue,
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, it.Workflow, args...)
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			err = nil
		}
	} else {
		var arg any
		if it.Args != nil {
			arg = json.RawMessage(it.Args)
		}
		err = r.Client.SignalWorkflow(callCtx, it.WorkflowID, "", it.Signal, arg)
		var gone *serviceerror.NotFound
		if errors.As(err, &gone) {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	if r.afterDeliver != nil {
		r.afterDeliver(it)
	}
	return nil
}
