package muster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Reapplied is what ReapplyErasures found and did.
type Reapplied struct {
	// Erasures is how many erasures completed in the period.
	Erasures int
	// ErasedAgain is how many of their candidates the database held again
	// and are now anonymised.
	ErasedAgain int
}

// reapplyBatch is how many candidates one transaction anonymises.
const reapplyBatch = 500

// ReapplyErasures erases again, after the database was restored from a
// backup, every candidate erased since since: a backup taken before an
// erasure brings the person back, and nothing in the restored database
// knows they asked to be forgotten. Temporal does: it lists the Erasure
// workflows of namespace that completed since then (their IDs name the
// candidate: sim.ErasureWorkflowID), and anonymises those candidates the
// database holds, as the engine, in batches. Run it after a restore and
// before anyone uses the system; since is the time of the backup (or
// earlier). It needs Temporal's retention (of closed workflows) to be at
// least as long as the oldest backup kept. Running it again changes
// nothing more: a candidate already gone is skipped.
func ReapplyErasures(ctx context.Context, store *db.Store, tc client.Client, namespace string, since time.Time) (Reapplied, error) {
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Completed' AND CloseTime >= '%s'",
		sim.WorkflowErasure, since.UTC().Format(time.RFC3339))
	var out Reapplied
	var ids []string
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: query, NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return out, fmt.Errorf("list erasures: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			out.Erasures++
			id, ok := strings.CutPrefix(e.GetExecution().GetWorkflowId(), sim.ErasureWorkflowID(""))
			if _, err := uuid.Parse(id); ok && err == nil {
				ids = append(ids, id)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(reapplyBatch, len(ids))]
		ids = ids[len(batch):]
		var n int
		err := store.InTx(ctx, sim.System, func(tx *db.Tx) error {
			res, err := tx.Anonymise(ctx, batch)
			n = res.Candidates
			return err
		})
		if err != nil {
			return out, fmt.Errorf("erase again: %w", err)
		}
		out.ErasedAgain += n
	}
	return out, nil
}
