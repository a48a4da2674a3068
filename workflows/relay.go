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
	// Lease is how long a claimed intent is this relay's before another
	// may take it (after a crash, say); zero means one minute. It must be
	// longer than a batch takes to deliver.
	Lease time.Duration
	// BacklogWarning: the relay logs a warning while the oldest
	// undelivered intent is older than this; zero means one minute.
	BacklogWarning time.Duration

	// afterDeliver, when set (by tests), runs after an intent reached
	// Temporal and before it is marked done.
	afterDeliver func(db.OutboxItem)
}

const (
	relayBatch   = 32
	relayTimeout = 5 * time.Second // one start or signal
)

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
			more, err := r.deliverBatch(ctx, logger)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("outbox relay", "error", err.Error())
				}
				break
			}
			if !more {
				break
			}
		}
		if time.Since(lastReport) >= warnAfter/2 {
			lastReport = time.Now()
			if b, err := r.Store.OutboxBacklog(ctx); err == nil {
				if b.OldestAge >= warnAfter && b.Pending >= lastPending {
					logger.Warn("outbox backlog is growing: is Temporal reachable?",
						"pending", b.Pending, "failing", b.Failing, "oldest_pending_seconds", int64(b.OldestAge.Seconds()))
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

// deliverBatch claims a batch and delivers it, marking each intent as it
// goes; no database transaction is open while Temporal is called. When
// Temporal cannot be reached, the rest of the batch is handed back untried
// (it would fail the same way) rather than each waiting out a timeout. It
// reports whether another batch may be waiting: not when this one was
// short, and not when Temporal is unreachable (the next poll tries again,
// rather than walking the whole backlog now).
func (r *Relay) deliverBatch(ctx context.Context, logger *slog.Logger) (more bool, err error) {
	lease := r.Lease
	if lease <= 0 {
		lease = time.Minute
	}
	items, err := r.Store.OutboxClaim(ctx, relayBatch, lease)
	if err != nil {
		return false, err
	}
	for i, it := range items {
		derr := r.deliver(ctx, it)
		if ctx.Err() != nil {
			return false, nil // stopping: what was claimed is due again when its lease ends
		}
		if derr == nil {
			if err := r.Store.OutboxDelivered(ctx, it.ID); err != nil {
				return false, err
			}
			continue
		}
		if err := r.Store.OutboxFailed(ctx, it.ID, derr); err != nil {
			return false, err
		}
		level := slog.LevelWarn
		if it.Attempts+1 >= db.OutboxFailingAfter {
			level = slog.LevelError
		}
		logger.Log(ctx, level, "outbox intent not delivered; it will be tried again",
			"workflow_id", it.WorkflowID, "attempts", it.Attempts+1, "error", derr.Error())
		if unreachable(derr) {
			var rest []int64
			for _, later := range items[i+1:] {
				rest = append(rest, later.ID)
			}
			return false, r.Store.OutboxRelease(ctx, rest, time.Second)
		}
	}
	return len(items) == relayBatch, nil
}

// unreachable reports an error that says Temporal could not be reached,
// rather than that it refused this one intent.
func unreachable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &unavailable) || errors.As(err, &deadline)
}

// deliver starts or signals one intent's workflow. A workflow that was
// already started under the ID, running or closed, counts as delivered;
// so does a signal for a workflow that no longer exists (its work is over).
func (r *Relay) deliver(ctx context.Context, it db.OutboxItem) error {
	callCtx, cancel := context.WithTimeout(ctx, relayTimeout)
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
