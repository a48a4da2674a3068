package db

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/sim"
)

// AuditForTest writes one audit event as the transaction's actor, for the
// chain's benchmarks and tests.
func (tx *Tx) AuditForTest(ctx context.Context, action sim.AuditAction, objectID uuid.UUID, now time.Time) error {
	return tx.audit(ctx, action, sim.ObjectOrganisation, objectID, &objectID, now)
}
