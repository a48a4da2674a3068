package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The register of data requests, each followed to its deadline by a
// DataRequest workflow started through the outbox in the transaction that
// logs it.

func dataRequestOf(r dbgen.DataRequest) sim.DataRequest {
	out := sim.DataRequest{
		ID: r.ID.String(), Kind: sim.DataRequestKind(r.Kind), CandidateID: idString(r.CandidateID), State: sim.DataRequestState(r.State),
		ReceivedAt: r.ReceivedAt.UTC(), DueAt: r.DueAt.UTC(), Extension: derefString(r.Extension),
	}
	if r.AnsweredAt != nil {
		out.AnsweredAt = r.AnsweredAt.UTC()
	}
	return out
}

// DataRequestMake records a data request of kind k: the signed-in
// candidate's own (candidateID "" or their own ID), or one the operator
// logs on a candidate's behalf. Its deadline follows from the kind; the
// DataRequest workflow that follows it starts through the outbox.
// EINVALID for an unknown kind; ENOTFOUND for a candidate the caller may
// not name; ECONFLICT while a request of the kind from the candidate is
// open (one at a time: asking again adds nothing).
func (tx *Tx) DataRequestMake(ctx context.Context, k sim.DataRequestKind, candidateID string, now time.Time) (sim.DataRequest, error) {
	if err := k.Validate(); err != nil {
		return sim.DataRequest{}, err
	}
	var cand uuid.UUID
	var loggedBy *uuid.UUID
	if tx.actor.Role == sim.RoleCandidate {
		if err := tx.authorize(sim.PermOwnData); err != nil {
			return sim.DataRequest{}, err
		}
		own, err := tx.ownCandidate(ctx)
		if err != nil {
			return sim.DataRequest{}, err
		}
		if candidateID != "" && candidateID != own.String() {
			return sim.DataRequest{}, sim.ErrNotFound
		}
		cand = own
	} else {
		if err := tx.authorize(sim.PermDataRequests); err != nil {
			return sim.DataRequest{}, err
		}
		id, err := uuid.Parse(candidateID)
		if err != nil {
			return sim.DataRequest{}, sim.FieldError("candidate_id", "candidate_id must be a candidate's ID")
		}
		if _, err := tx.q.CandidateGet(ctx, tx.tx, id); err != nil {
			if notFound(interpretError(err)) {
				return sim.DataRequest{}, sim.Errorf(sim.ENOTFOUND, "no candidate has that ID")
			}
			return sim.DataRequest{}, fmt.Errorf("load candidate: %w", interpretError(err))
		}
		cand = id
		uid, err := uuid.Parse(tx.actor.UserID)
		if err == nil {
			loggedBy = &uid
		}
	}
	row, err := tx.q.DataRequestCreate(ctx, tx.tx, dbgen.DataRequestCreateParams{
		ID: uuid.New(), Kind: string(k), CandidateID: &cand, ReceivedAt: now, DueAt: sim.DataRequestDue(k, now), LoggedBy: loggedBy,
	})
	if constraint(err) == "data_requests_one_open_idx" {
		return sim.DataRequest{}, sim.Errorf(sim.ECONFLICT, "a %s request from this candidate is open already: it is answered before another is made", strings.ReplaceAll(string(k), "_", " "))
	} else if err != nil {
		return sim.DataRequest{}, fmt.Errorf("record data request: %w", interpretError(err))
	}
	r := dataRequestOf(row)
	if err := tx.audit(ctx, sim.AuditDataRequestLogged, sim.ObjectDataRequest, row.ID, nil, now); err != nil {
		return sim.DataRequest{}, err
	}
	return r, tx.enqueue(ctx, sim.StartDataRequest(r))
}

// DataRequestChange extends (months > 0, with a reason) or answers
// (months == 0) the request requestID, signalling its workflow through
// the outbox, as an audited act. Operator only; ENOTFOUND for an unknown
// request; EINVALID or ECONFLICT as sim.DataRequest.Extend and Answer say.
func (tx *Tx) DataRequestChange(ctx context.Context, requestID string, months int, reason string, now time.Time) (sim.DataRequest, error) {
	if err := tx.authorize(sim.PermDataRequests); err != nil {
		return sim.DataRequest{}, err
	}
	r, err := tx.dataRequest(ctx, requestID, true)
	if err != nil {
		return sim.DataRequest{}, err
	}
	action, intent := sim.AuditDataRequestAnswered, sim.SignalDataRequestAnswer
	if months > 0 {
		r, err = r.Extend(months, reason, now)
		action, intent = sim.AuditDataRequestExtended, sim.SignalDataRequestExtension
	} else {
		r, err = r.Answer(now)
	}
	if err != nil {
		return sim.DataRequest{}, err
	}
	return tx.dataRequestSet(ctx, r, action, intent, now)
}

func (tx *Tx) dataRequestSet(ctx context.Context, r sim.DataRequest, action sim.AuditAction, intent func(sim.DataRequest) sim.Intent, now time.Time) (sim.DataRequest, error) {
	id := uuid.MustParse(r.ID)
	var ext *string
	if r.Extension != "" {
		ext = &r.Extension
	}
	var answered *time.Time
	if !r.AnsweredAt.IsZero() {
		answered = &r.AnsweredAt
	}
	row, err := tx.q.DataRequestSet(ctx, tx.tx, dbgen.DataRequestSetParams{ID: id, State: string(r.State), DueAt: r.DueAt, Extension: ext, AnsweredAt: answered})
	if err != nil {
		return sim.DataRequest{}, fmt.Errorf("update data request: %w", interpretError(err))
	}
	if action != "" {
		if err := tx.audit(ctx, action, sim.ObjectDataRequest, id, nil, now); err != nil {
			return sim.DataRequest{}, err
		}
	}
	out := dataRequestOf(row)
	if intent == nil {
		return out, nil
	}
	return out, tx.enqueue(ctx, intent(out))
}

// DataRequestOverdue records, for the engine, that the request requestID
// passed its deadline unanswered (state overdue). It returns the request;
// nothing changes once answered or when its deadline moved on.
func (tx *Tx) DataRequestOverdue(ctx context.Context, requestID string, now time.Time) (sim.DataRequest, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.DataRequest{}, err
	}
	r, err := tx.dataRequest(ctx, requestID, true)
	if err != nil {
		return sim.DataRequest{}, err
	}
	if r.State == sim.RequestAnswered || r.State == sim.RequestOverdue || r.DueAt.After(now) {
		return r, nil
	}
	r.State = sim.RequestOverdue
	return tx.dataRequestSet(ctx, r, "", nil, now)
}

// DataRequestGet reads one request: the operator any, the engine any.
func (tx *Tx) DataRequestGet(ctx context.Context, requestID string) (sim.DataRequest, error) {
	if tx.actor.Role != sim.RoleSystem {
		if err := tx.authorize(sim.PermDataRequests); err != nil {
			return sim.DataRequest{}, err
		}
	}
	return tx.dataRequest(ctx, requestID, false)
}

// dataRequest loads the request requestID, locked for update when lock:
// ENOTFOUND for a malformed or unknown ID.
func (tx *Tx) dataRequest(ctx context.Context, requestID string, lock bool) (sim.DataRequest, error) {
	id, err := uuid.Parse(requestID)
	if err != nil {
		return sim.DataRequest{}, sim.ErrNotFound
	}
	load := tx.q.DataRequestGet
	if lock {
		load = tx.q.DataRequestGetForUpdate
	}
	row, err := load(ctx, tx.tx, id)
	if err != nil {
		return sim.DataRequest{}, wrapNotFound("load data request", err)
	}
	return dataRequestOf(row), nil
}

// DataRequestCursor is a position in the register: after a deadline and ID.
type DataRequestCursor struct {
	DueAt time.Time
	ID    string
}

// DataRequests is a page of the register, soonest deadline first:
// unanswered requests, or all when answered is true; after cursor (nil
// for the first page), at most limit. Operator only.
func (tx *Tx) DataRequests(ctx context.Context, answered bool, after *DataRequestCursor, limit int) ([]sim.DataRequest, error) {
	if err := tx.authorize(sim.PermDataRequests); err != nil {
		return nil, err
	}
	p := dbgen.DataRequestsOpenFirstParams{IncludeAnswered: answered, AfterDue: time.Time{}, MaxRows: pageSize(limit)}
	if after != nil {
		id, err := uuid.Parse(after.ID)
		if err != nil {
			return nil, sim.FieldError("cursor", "cursor is not one this API gave for this list")
		}
		p.AfterDue, p.AfterID = after.DueAt, id
	}
	rows, err := tx.q.DataRequestsOpenFirst(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("list data requests: %w", interpretError(err))
	}
	out := make([]sim.DataRequest, len(rows))
	for i, r := range rows {
		out[i] = dataRequestOf(r)
	}
	return out, nil
}

// DataRequestsMine lists the signed-in candidate's own requests, newest
// first.
func (tx *Tx) DataRequestsMine(ctx context.Context) ([]sim.DataRequest, error) {
	if err := tx.authorize(sim.PermOwnData); err != nil {
		return nil, err
	}
	own, err := tx.ownCandidate(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.DataRequestsForCandidate(ctx, tx.tx, &own)
	if err != nil {
		return nil, fmt.Errorf("list data requests: %w", interpretError(err))
	}
	out := make([]sim.DataRequest, len(rows))
	for i, r := range rows {
		out[i] = dataRequestOf(r)
	}
	return out, nil
}
