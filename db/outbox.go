package db

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The transactional outbox, as the relay sees it. Intents are written by
// Tx.enqueue in the transaction of the change that causes them; these
// methods claim, settle and report on them. They run as the engine.

// OutboxItem is one pending intent: a workflow start or signal.
type OutboxItem struct {
	ID         int64
	WorkflowID string
	Workflow   string // type to start; empty for a signal
	Signal     string // signal to send; empty for a start
	Args       []byte // JSON, or nil
	Attempts   int    // failed deliveries so far
}

// OutboxResult counts what one OutboxDeliver did.
type OutboxResult struct {
	Delivered int
	Failed    int
}

// MaxOutboxBackoff caps the wait between two tries of one intent.
const MaxOutboxBackoff = time.Minute

// OutboxDeliver claims up to max due intents, oldest first, and hands each
// to deliver. One that deliver accepts is marked done; one it refuses is
// tried again after a backoff that doubles up to MaxOutboxBackoff, with
// the error (which must hold no personal data) kept for operators. An
// intent waits while an earlier one for the same workflow is undelivered,
// so a signal never overtakes its workflow's start. Claimed rows stay
// locked until this returns, so relays in other processes skip them; if
// ctx ends or the process dies before the commit, nothing is marked and the
// claimed intents are delivered again later (deliver must therefore be
// idempotent: Temporal's workflow-ID deduplication makes it so).
func (s *Store) OutboxDeliver(ctx context.Context, max int, deliver func(context.Context, OutboxItem) error) (OutboxResult, error) {
	var res OutboxResult
	// The relay is the engine's own work (sim.System).
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		rows, err := tx.q.OutboxClaim(ctx, tx.tx, int32(max))
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		for _, r := range rows {
			item := OutboxItem{
				ID: r.ID, WorkflowID: r.WorkflowID, Workflow: deref(r.Workflow), Signal: deref(r.Signal),
				Args: r.Args, Attempts: int(r.Attempts),
			}
			if derr := deliver(ctx, item); derr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				msg := sim.CleanHeader(derr.Error(), 1000)
				if err := tx.q.OutboxMarkFailed(ctx, tx.tx, dbgen.OutboxMarkFailedParams{
					ID: r.ID, LastError: &msg, MaxBackoff: MaxOutboxBackoff.Seconds(),
				}); err != nil {
					return fmt.Errorf("record failed delivery: %w", err)
				}
				res.Failed++
				continue
			}
			if err := tx.q.OutboxMarkDelivered(ctx, tx.tx, r.ID); err != nil {
				return fmt.Errorf("mark delivered: %w", err)
			}
			res.Delivered++
		}
		return nil
	})
	if err != nil {
		return OutboxResult{}, err
	}
	return res, nil
}

// OutboxBacklog is how much the relay has still to deliver.
type OutboxBacklog struct {
	Pending   int64
	OldestAge time.Duration // age of the oldest undelivered intent; zero when none
}

// OutboxBacklog reports the undelivered intents.
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	var out OutboxBacklog
	// The engine reporting on its own queue (sim.System): counts, no rows.
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		b, err := tx.q.OutboxBacklog(ctx, tx.tx)
		if err != nil {
			return fmt.Errorf("outbox backlog: %w", err)
		}
		out = OutboxBacklog{Pending: b.Pending, OldestAge: time.Duration(b.OldestAgeSeconds * float64(time.Second))}
		return nil
	})
	return out, err
}

// OutboxPrune deletes intents delivered more than olderThan ago and says
// how many.
func (s *Store) OutboxPrune(ctx context.Context, olderThan time.Duration) (int64, error) {
	var n int64
	// The relay tidying up after itself (sim.System).
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		var err error
		n, err = tx.q.OutboxPrune(ctx, tx.tx, olderThan.Seconds())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return n, nil
}
