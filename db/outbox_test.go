package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
)

func (b *testBundle) claim(t *testing.T, lease time.Duration) []db.OutboxItem {
	t.Helper()
	items, err := b.store.OutboxClaim(context.Background(), 10, lease)
	require.NoError(t, err)
	return items
}

func (b *testBundle) backlog(t *testing.T) db.OutboxBacklog {
	t.Helper()
	backlog, err := b.store.OutboxBacklog(context.Background())
	require.NoError(t, err)
	return backlog
}

// The relay's side of the outbox: intents are claimed oldest first, a
// signal waits while its workflow's start is undelivered, a refused one is
// tried again after a backoff, a claimed one is leased, and delivered ones
// are pruned.
func TestOutboxClaimAndSettle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inv, token := b.invite(t, "one@example.org") // a start for invitation/<inv>
	_, err := b.register(t, token, b.now)        // a signal for the same workflow
	require.NoError(t, err)
	other, _ := b.invite(t, "two@example.org")

	items := b.claim(t, time.Minute)
	require.Len(t, items, 2, "the signal waits behind its workflow's start")
	require.Equal(t, "invitation/"+inv.ID, items[0].WorkflowID)
	require.Equal(t, "Invitation", items[0].Workflow)
	require.Equal(t, "invitation/"+other.ID, items[1].WorkflowID)
	require.Empty(t, b.claim(t, time.Minute), "leased: nobody else gets them")

	require.NoError(t, b.store.OutboxFailed(ctx, items[0].ID, errors.New("temporal: connection refused")))
	require.NoError(t, b.store.OutboxDelivered(ctx, items[1].ID))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM workflow_outbox WHERE attempts = 1 AND last_error = 'temporal: connection refused' AND next_attempt_at > now()"))
	require.EqualValues(t, 2, b.backlog(t).Pending)
	require.Empty(t, b.claim(t, time.Minute), "not due until its backoff ends")

	// Due again: the start, then (once it is delivered) its signal.
	_, err = b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET next_attempt_at = now() WHERE delivered_at IS NULL")
	require.NoError(t, err)
	var seen []string
	for range 2 {
		for _, it := range b.claim(t, time.Minute) {
			seen = append(seen, it.Workflow+it.Signal)
			require.NoError(t, b.store.OutboxDelivered(ctx, it.ID))
		}
	}
	require.Equal(t, []string{"Invitation", "registered"}, seen)
	require.Equal(t, db.OutboxBacklog{}, b.backlog(t))

	_, err = b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET delivered_at = now() - interval '2 days'")
	require.NoError(t, err)
	n, err := b.store.OutboxPrune(ctx, 24*time.Hour)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
}

// A relay that dies with intents claimed leaves them pending: they are due
// again when the lease ends. Handed back untried, they are due at once.
// An intent that keeps failing is counted as failing, never dropped.
func TestOutboxLeasesAndFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.invite(t, "x@example.org")
	b.invite(t, "y@example.org")
	claimed := b.claim(t, 200*time.Millisecond) // and the relay dies
	require.Len(t, claimed, 2)
	require.Empty(t, b.claim(t, time.Minute))
	require.Eventually(t, func() bool { return len(b.claim(t, time.Minute)) == 2 }, 10*time.Second, 20*time.Millisecond,
		"due again after the lease")

	_, err := b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET next_attempt_at = now()")
	require.NoError(t, err)
	again := b.claim(t, time.Minute)
	require.NoError(t, b.store.OutboxRelease(ctx, []int64{again[0].ID, again[1].ID}, 0))
	require.Len(t, b.claim(t, time.Minute), 2, "released: due at once")

	_, err = b.db.Admin.Exec(ctx, "UPDATE workflow_outbox SET attempts = $1 WHERE id = $2", db.OutboxFailingAfter, again[0].ID)
	require.NoError(t, err)
	backlog := b.backlog(t)
	require.EqualValues(t, 2, backlog.Pending)
	require.EqualValues(t, 1, backlog.Failing)
	require.Positive(t, backlog.OldestAge)
}
