package db

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// queued is how many wait in each queue.
func (h *hashSlots) queued() (trusted, others int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.trusted), len(h.others)
}

// With every slot taken and outsiders queued first, a trusted waiter gets
// the next slot freed; the outsiders then get theirs in the order they
// came; a waiter whose context ends leaves the queue holding nothing.
func TestHashSlotsServeTrustedFirst(t *testing.T) {
	h := newHashSlots(1)
	ctx := context.Background()
	require.NoError(t, h.acquire(ctx, false)) // busy hashing

	order := make(chan string, 4)
	wait := func(name string, trusted bool) {
		go func() {
			if err := h.acquire(ctx, trusted); err != nil {
				order <- "error: " + err.Error()
				return
			}
			order <- name
		}()
	}
	waitQueued := func(trusted, others int) {
		require.Eventually(t, func() bool {
			tr, ot := h.queued()
			return tr == trusted && ot == others
		}, 5*time.Second, time.Millisecond)
	}
	wait("outsider 1", false)
	waitQueued(0, 1)
	wait("outsider 2", false)
	waitQueued(0, 2)

	gone, cancel := context.WithCancel(ctx)
	given := make(chan error, 1)
	go func() { given <- h.acquire(gone, false) }()
	waitQueued(0, 3)
	cancel()
	require.ErrorIs(t, <-given, context.Canceled)
	waitQueued(0, 2) // the one that gave up left the queue

	wait("owner", true)
	waitQueued(1, 2)

	h.release(false) // the busy one ends
	require.Equal(t, "owner", <-order)
	h.release(true)
	require.Equal(t, "outsider 1", <-order)
	h.release(false)
	require.Equal(t, "outsider 2", <-order)
	h.release(false)
	require.Equal(t, 1, h.free, "every slot is back")
	// An outsider takes a free slot at once when no trusted work waits.
	require.NoError(t, h.acquire(ctx, false))
}

// With two slots, outsiders hold at most one at once: the other is there
// for a trusted sign-in the moment it comes, however many outsiders wait.
func TestHashSlotsKeepOneForTrustedWork(t *testing.T) {
	h := newHashSlots(2)
	ctx := context.Background()
	require.NoError(t, h.acquire(ctx, false))
	got := make(chan struct{})
	go func() {
		if h.acquire(ctx, false) == nil {
			close(got)
		}
	}()
	require.Eventually(t, func() bool { _, others := h.queued(); return others == 1 }, 5*time.Second, time.Millisecond,
		"a second outsider waits although a slot is free")
	require.Equal(t, 1, h.free)
	require.NoError(t, h.acquire(ctx, true), "a trusted sign-in takes the kept slot at once")
	h.release(true)
	h.release(false)
	<-got // the waiting outsider goes once the first outsider's slot is back
	h.release(false)
	require.Equal(t, 2, h.free)
}
