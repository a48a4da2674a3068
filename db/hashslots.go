package db

import (
	"context"
	"sync"
)

// hashSlots bounds the argon2id computations in progress (each takes 19
// MiB and a core) and decides who goes next when all are taken. There are
// two queues: the first is for work by someone the programme already
// trusts (a sign-in from a network the account has signed in from, a
// signed-in person changing their password), the second for everything
// an outsider can cause (sign-ins from new networks or for unknown
// addresses, registrations). A freed slot goes to the first queue's
// oldest waiter, if any, else the second's: so however many outsiders
// hammer sign-in and registration, the owner at their usual desk waits for
// at most one hash to finish, not behind every guess in line. With more
// than one slot, one is kept for trusted work: the others' queue may hold
// all but one at once, so a trusted sign-in finds a slot free even while
// outsiders keep every other busy. Each queue is first come, first served.
type hashSlots struct {
	mu        sync.Mutex
	free      int
	othersMax int // slots the others' queue may hold at once
	othersIn  int // slots it holds
	trusted   []chan struct{}
	others    []chan struct{}
}

func newHashSlots(n int) *hashSlots { return &hashSlots{free: n, othersMax: max(1, n-1)} }

// acquire takes a slot, waiting in the trusted or the other queue, or
// returns ctx's error, holding nothing, if ctx ends first.
func (h *hashSlots) acquire(ctx context.Context, trusted bool) error {
	h.mu.Lock()
	switch {
	case trusted && h.free > 0:
		h.free--
		h.mu.Unlock()
		return nil
	case !trusted && h.free > 0 && len(h.trusted) == 0 && h.othersIn < h.othersMax:
		h.free--
		h.othersIn++
		h.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	if trusted {
		h.trusted = append(h.trusted, ready)
	} else {
		h.others = append(h.others, ready)
	}
	h.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		h.mu.Lock()
		waiting := remove(&h.trusted, ready) || remove(&h.others, ready)
		h.mu.Unlock()
		if !waiting {
			h.release(trusted) // granted as ctx ended: pass it on
		}
		return ctx.Err()
	}
}

// release gives back a slot taken in trusted's queue: to the oldest
// trusted waiter, else to the oldest other if the others may hold one
// more, else it is freed.
func (h *hashSlots) release(trusted bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !trusted {
		h.othersIn--
	}
	switch {
	case len(h.trusted) > 0:
		next := h.trusted[0]
		h.trusted = h.trusted[1:]
		close(next)
	case len(h.others) > 0 && h.othersIn < h.othersMax:
		next := h.others[0]
		h.others = h.others[1:]
		h.othersIn++
		close(next)
	default:
		h.free++
	}
}

// remove takes ch out of q, reporting whether it was there.
func remove(q *[]chan struct{}, ch chan struct{}) bool {
	for i, c := range *q {
		if c == ch {
			*q = append((*q)[:i], (*q)[i+1:]...)
			return true
		}
	}
	return false
}
