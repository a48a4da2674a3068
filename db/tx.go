package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Tx is one tenant-scoped transaction, opened by Store.InTx as one actor.
// Each aggregate (accounts, invitations, candidates, ...) adds its methods
// to Tx in a file of its own; they ask sim whether the actor may act, run
// their queries, and compose: several methods called in one InTx commit or
// roll back together. A Tx must not be used after its InTx returns.
type Tx struct {
	tx       *lazyTx
	q        *dbgen.Queries
	actor    sim.Actor
	store    *Store
	enqueued bool
	audited  bool // wrote an audit event: link it after commit
}

// Actor is who this transaction runs as.
func (tx *Tx) Actor() sim.Actor { return tx.actor }

// authorize asks sim whether this transaction's actor holds p.
func (tx *Tx) authorize(p sim.Permission) error { return sim.Authorize(tx.actor, p) }

// enqueue writes a workflow intent to the outbox in this transaction: it is
// delivered to Temporal once, and only if, the transaction commits.
func (tx *Tx) enqueue(ctx context.Context, in sim.Intent) error {
	if err := in.Validate(); err != nil {
		return err
	}
	var args []byte
	if in.Args != nil {
		var err error
		if args, err = json.Marshal(in.Args); err != nil {
			return fmt.Errorf("encode intent for %s: %w", in.WorkflowID, err)
		}
	}
	err := tx.q.OutboxInsert(ctx, tx.tx, dbgen.OutboxInsertParams{
		WorkflowID: in.WorkflowID, Workflow: ptr(in.Workflow), Signal: ptr(in.Signal), Args: args,
	})
	if err != nil {
		return fmt.Errorf("write intent for %s: %w", in.WorkflowID, interpretError(err))
	}
	tx.enqueued = true
	return nil
}

// journeyEvent records one accepted journey transition for a candidate,
// made by this transaction's actor.
func (tx *Tx) journeyEvent(ctx context.Context, candidateID uuid.UUID, ev sim.Event) error {
	return tx.journeyEventBy(ctx, candidateID, tx.actor, ev)
}

// journeyEventBy records a transition made by actor.
func (tx *Tx) journeyEventBy(ctx context.Context, candidateID uuid.UUID, actor sim.Actor, ev sim.Event) error {
	_, err := tx.journeyRow(ctx, candidateID, actor, ev.Type, string(ev.From), string(ev.To), ev.At, nil, nil)
	return err
}

// journeyRow writes one journey_events row, the only place that does: a
// change of the candidate's status, or of one of their interests (then
// with the organisation and the interest, and from and to are the
// interest's states). It returns the event's ID.
func (tx *Tx) journeyRow(ctx context.Context, candidateID uuid.UUID, actor sim.Actor, typ sim.EventType, from, to string, at time.Time, orgID, interestID *uuid.UUID) (uuid.UUID, error) {
	id := uuid.New()
	err := tx.q.JourneyEventCreate(ctx, tx.tx, dbgen.JourneyEventCreateParams{
		ID: id, CandidateID: candidateID, Type: string(typ), FromStatus: ptr(from), ToStatus: to,
		ActorID: optionalID(actor.UserID), OccurredAt: at, OrgID: orgID, InterestID: interestID,
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("record journey event %s: %w", typ, interpretError(err))
	}
	if hooks := tx.store.hooks; len(hooks) > 0 {
		if err := tx.enqueue(ctx, sim.StartJourneyHooks(id.String(), idString(orgID), hooks)); err != nil {
			return uuid.Nil, err
		}
	}
	return id, nil
}

// JourneyEventForHook returns the journey event eventID as a journey hook
// receives it, keyed for the hook named hook. Engine only; ENOTFOUND when
// the event is gone (its candidate's data was deleted).
func (tx *Tx) JourneyEventForHook(ctx context.Context, eventID, hook string) (sim.HookEvent, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.HookEvent{}, err
	}
	id, err := parseID("event_id", eventID)
	if err != nil {
		return sim.HookEvent{}, err
	}
	r, err := tx.q.JourneyEventForHook(ctx, tx.tx, id)
	if err != nil {
		return sim.HookEvent{}, wrapNotFound("load journey event", err)
	}
	return sim.HookEvent{
		Key: sim.HookKey(r.ID.String(), hook), EventID: r.ID.String(), Type: sim.EventType(r.Type),
		CandidateID: r.CandidateID.String(), OrgID: idString(r.OrgID), InterestID: idString(r.InterestID),
		From: r.FromStatus, To: r.ToStatus, At: r.OccurredAt,
	}, nil
}
