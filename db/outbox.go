package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The transactional outbox, as the relay sees it. Intents are written by
// Tx.enqueue in the transaction of the change that causes them; these
// methods claim, settle and report on them, each in a short transaction of
// its own (no transaction is held open while Temporal is called). They run
// as the engine.

// OutboxItem is one pending intent: a workflow start or signal.
type OutboxItem struct {
	ID         int64
	WorkflowID string
	Workflow   string // type to start; empty for a signal
	Signal     string // signal to send; empty for a start
	Args       []byte // JSON, or nil
	Attempts   int    // failed deliveries so far
}

// MaxOutboxBackoff caps the wait between two tries of one intent.
const MaxOutboxBackoff = time.Minute

// OutboxFailingAfter is how many failed deliveries make an intent count
// as failing (in OutboxBacklog, and in the relay's error logs). It is
// still tried: work is never dropped, but someone should look.
const OutboxFailingAfter = 10

// OutboxClaim leases up to max due intents for lease, oldest first, in a
// short transaction of its own; an intent waits while an earlier one for
// the same workflow is undelivered, so a signal never overtakes its
// workflow's start. The caller delivers each outside any transaction and
// reports it with OutboxDelivered, OutboxFailed or OutboxRelease. An intent
// never reported (its relay died) is due again when its lease ends, and is
// delivered again: delivery must be idempotent (Temporal's workflow-ID
// deduplication makes it so).
func (s *Store) OutboxClaim(ctx context.Context, max int, lease time.Duration) ([]OutboxItem, error) {
	var items []OutboxItem
	// The relay is the engine's own work (sim.System).
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		rows, err := tx.q.OutboxClaim(ctx, tx.tx, dbgen.OutboxClaimParams{MaxRows: int32(max), LeaseSeconds: lease.Seconds()})
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		for _, r := range rows {
			items = append(items, OutboxItem{
				ID: r.ID, WorkflowID: r.WorkflowID, Workflow: deref(r.Workflow), Signal: deref(r.Signal),
				Args: r.Args, Attempts: int(r.Attempts),
			})
		}
		return nil
	})
	slices.SortFunc(items, func(a, b OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return items, err
}

// OutboxDelivered marks an intent done.
func (s *Store) OutboxDelivered(ctx context.Context, id int64) error {
	// The relay is the engine's own work (sim.System).
	return s.InTx(ctx, sim.System, func(tx *Tx) error {
		if err := tx.q.OutboxMarkDelivered(ctx, tx.tx, id); err != nil {
			return fmt.Errorf("mark intent delivered: %w", err)
		}
		return nil
	})
}

// OutboxFailed records a failed delivery: the intent is tried again after
// a backoff that doubles up to MaxOutboxBackoff, and the error (which must
// hold no personal data) is kept for operators.
func (s *Store) OutboxFailed(ctx context.Context, id int64, reason error) error {
	msg := sim.CleanHeader(reason.Error(), 1000)
	// The relay is the engine's own work (sim.System).
	return s.InTx(ctx, sim.System, func(tx *Tx) error {
		if err := tx.q.OutboxMarkFailed(ctx, tx.tx, dbgen.OutboxMarkFailedParams{
			ID: id, LastError: &msg, MaxBackoff: MaxOutboxBackoff.Seconds(),
		}); err != nil {
			return fmt.Errorf("record failed delivery: %w", err)
		}
		return nil
	})
}

// OutboxRelease hands claimed intents back untried, due after delay.
func (s *Store) OutboxRelease(ctx context.Context, ids []int64, delay time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	// The relay is the engine's own work (sim.System).
	return s.InTx(ctx, sim.System, func(tx *Tx) error {
		if err := tx.q.OutboxRelease(ctx, tx.tx, dbgen.OutboxReleaseParams{Ids: ids, DelaySeconds: delay.Seconds()}); err != nil {
			return fmt.Errorf("release intents: %w", err)
		}
		return nil
	})
}

// OutboxBacklog is how much the relay has still to deliver.
type OutboxBacklog struct {
	Pending   int64
	Failing   int64         // of those, how many have failed OutboxFailingAfter times or more
	OldestAge time.Duration // age of the oldest undelivered intent; zero when none
}

// OutboxBacklog reports the undelivered intents.
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	var out OutboxBacklog
	// The engine reporting on its own queue (sim.System): counts, no rows.
	err := s.InTx(ctx, sim.System, func(tx *Tx) error {
		b, err := tx.q.OutboxBacklog(ctx, tx.tx, OutboxFailingAfter)
		if err != nil {
			return fmt.Errorf("outbox backlog: %w", err)
		}
		out = OutboxBacklog{Pending: b.Pending, Failing: b.Failing, OldestAge: time.Duration(b.OldestAgeSeconds * float64(time.Second))}
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
