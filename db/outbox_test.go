package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
)

// The relay's side of the outbox: intents are delivered oldest first,
// each once, a refused one is tried again after a backoff, and a signal
// waits for its workflow's start.
func TestOutboxDeliver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "one@example.org") // a start for invitation/<inv>
	_, err := b.register(t, token, b.now)        // a signal for the same workflow
	require.NoError(t, err)
	b.invite(t, "two@example.org")

	var seen []string
	refuseFirst := true
	res, err := b.store.OutboxDeliver(ctx, 10, func(_ context.Context, it db.OutboxItem) error {
		seen = append(seen, it.Workflow+it.Signal+" "+it.WorkflowID)
		if refuseFirst {
			refuseFirst = false
			return errors.New("temporal: connection refused")
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, db.OutboxResult{Delivered: 1, Failed: 1}, res)
	require.Len(t, seen, 2, "the signal waits behind its refused start")
	require.Equal(t, "Invitation invitation/"+inv.ID, seen[0])

	backlog, err := b.store.OutboxBacklog(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, backlog.Pending)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE attempts = 1 AND last_error = 'temporal: connection refused' AND next_attempt_at > now()"))

	// Not due yet: nothing is tried.
	res, err = b.store.OutboxDeliver(ctx, 10, func(context.Context, db.OutboxItem) error { return nil })
	require.NoError(t, err)
	require.Equal(t, db.OutboxResult{}, res)

	// Due again: the start, then its signal.
	_, err = b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET next_attempt_at = now() WHERE delivered_at IS NULL")
	require.NoError(t, err)
	seen = nil
	for range 2 {
		_, err = b.store.OutboxDeliver(ctx, 10, func(_ context.Context, it db.OutboxItem) error {
			seen = append(seen, it.Workflow+it.Signal)
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, []string{"Invitation", "registered"}, seen)
	backlog, err = b.store.OutboxBacklog(ctx)
	require.NoError(t, err)
	require.Equal(t, db.OutboxBacklog{}, backlog)

	_, err = b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET delivered_at = now() - interval '2 days'")
	require.NoError(t, err)
	n, err := b.store.OutboxPrune(ctx, 24*time.Hour)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
}

// A relay that dies between delivering and marking leaves its intents
// pending (they will be delivered again, which Temporal deduplicates);
// while one relay holds an intent, another skips it.
func TestOutboxClaimsAreExclusiveAndSurviveACrash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	testfactory.Invitation(t, b.db, testfactory.InvitationOpts{})
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		_, err := tx.InvitationCreate(ctx, db.InvitationRequest{Email: "x@example.org", Window: time.Hour, Now: b.now})
		return err
	}))
	killed, kill := context.WithCancel(ctx)
	inside := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := b.store.OutboxDeliver(killed, 10, func(context.Context, db.OutboxItem) error {
			close(inside)
			<-killed.Done() // delivered, then the process dies before marking
			return killed.Err()
		})
		done <- err
	}()
	<-inside
	res, err := b.store.OutboxDeliver(ctx, 10, func(context.Context, db.OutboxItem) error {
		t.Error("a claimed intent was handed to a second relay")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, db.OutboxResult{}, res)
	kill()
	require.ErrorIs(t, <-done, context.Canceled)

	// Once the dead relay's connection is gone (at once, here; when the
	// server notices, after a real crash), the intent is delivered again.
	delivered := 0
	require.Eventually(t, func() bool {
		_, err := b.store.OutboxDeliver(ctx, 10, func(context.Context, db.OutboxItem) error { delivered++; return nil })
		require.NoError(t, err)
		return delivered > 0
	}, 10*time.Second, 10*time.Millisecond, "still pending after the crash")
	require.Equal(t, 1, delivered)
	backlog, err := b.store.OutboxBacklog(ctx)
	require.NoError(t, err)
	require.Zero(t, backlog.Pending)
}
