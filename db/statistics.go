package db

import (
	"context"
	"fmt"

	"github.com/muster-cms/muster/sim"
)

// Statistics: anonymous counts that survive the people they count.

// ExpiredInvitationCount returns how many invitations have expired unused,
// in all. EFORBIDDEN unless the actor is the operator or the engine.
func (tx *Tx) ExpiredInvitationCount(ctx context.Context) (int64, error) {
	if err := tx.authorize(sim.PermViewStatistics); err != nil {
		return 0, err
	}
	n, err := tx.q.ExpiredInvitationCountTotal(ctx, tx.tx)
	if err != nil {
		return 0, fmt.Errorf("count expired invitations: %w", err)
	}
	return n, nil
}
