package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Erasure: a candidate's right to be forgotten. The request is recorded,
// their sessions end and the Erasure workflow is started, in the
// request's own transaction; the workflow then sends the receipt to their
// address, anonymises them into a ghost record, ends their follow-ups and
// tells the organisations they had chosen (see workflows.Erasure).

// ErasureRequest records that the candidate candidateID asks to be erased
// (the signed-in candidate, naming themselves or "" for themselves; or the
// operator on their behalf), ends every session of their account and starts the Erasure
// workflow through the outbox. Asking again changes nothing and reports
// false. ENOTFOUND for a candidate the caller may not name or who is not
// registered.
func (tx *Tx) ErasureRequest(ctx context.Context, candidateID string, now time.Time) (bool, error) {
	var id uuid.UUID
	by := sim.ErasureByOperator
	if tx.actor.Role == sim.RoleCandidate {
		if err := tx.authorize(sim.PermOwnData); err != nil {
			return false, err
		}
		own, err := tx.ownCandidate(ctx)
		if err != nil {
			return false, err
		}
		if candidateID != "" && candidateID != own.String() {
			return false, sim.ErrNotFound
		}
		id, by = own, sim.ErasureByCandidate
	} else if candidateID == "" {
		return false, tx.authorize(sim.PermOwnData) // erasing oneself: a candidate's right
	} else if err := tx.authorize(sim.PermDataRequests); err != nil {
		return false, err
	} else if id, err = uuid.Parse(candidateID); err != nil {
		return false, sim.ErrNotFound
	}
	c, err := tx.q.CandidateGet(ctx, tx.tx, id)
	if err != nil {
		return false, wrapNotFound("load candidate", err)
	}
	if c.RegisteredAt == nil {
		return false, sim.ErrNotFound
	}
	made, err := tx.q.ErasureRequestCreate(ctx, tx.tx, dbgen.ErasureRequestCreateParams{CandidateID: id, Now: now, RequestedBy: string(by)})
	if err != nil {
		return false, fmt.Errorf("record erasure request: %w", interpretError(err))
	}
	if !made {
		return false, nil
	}
	if c.UserID != nil && tx.actor.Role == sim.RoleCandidate {
		if _, err := tx.q.SessionDeleteAllForUser(ctx, tx.tx, *c.UserID); err != nil {
			return false, fmt.Errorf("end sessions: %w", interpretError(err))
		}
	}
	if err := tx.audit(ctx, sim.AuditErasureRequested, sim.ObjectCandidate, id, nil, now); err != nil {
		return false, err
	}
	return true, tx.enqueue(ctx, sim.StartErasure(id.String(), by))
}

// ErasurePlan is what the Erasure workflow needs before it erases a
// candidate: which organisations to tell and which follow-ups to end.
// Gone when the candidate is erased already.
type ErasurePlan struct {
	Gone bool
	// OrgIDs had an open interest of the candidate.
	OrgIDs []string
	// PlacedInterests each have a PlacementFollowUp to end.
	PlacedInterests []string
}

// ErasurePrepare disables the account of the candidate candidateID (no
// new session can start, every one ends) and returns the erasure's plan.
// Engine only.
func (tx *Tx) ErasurePrepare(ctx context.Context, candidateID string, now time.Time) (ErasurePlan, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return ErasurePlan{}, err
	}
	id, err := parseID("candidate_id", candidateID)
	if err != nil {
		return ErasurePlan{}, err
	}
	s, err := tx.q.ErasureSubject(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return ErasurePlan{Gone: true}, nil
	} else if err != nil {
		return ErasurePlan{}, fmt.Errorf("load candidate: %w", err)
	}
	var plan ErasurePlan
	if s.UserID != nil {
		if err := tx.q.UserDisable(ctx, tx.tx, dbgen.UserDisableParams{ID: *s.UserID, Now: now}); err != nil {
			return ErasurePlan{}, fmt.Errorf("disable account: %w", interpretError(err))
		}
		if _, err := tx.q.SessionDeleteAllForUser(ctx, tx.tx, *s.UserID); err != nil {
			return ErasurePlan{}, fmt.Errorf("end sessions: %w", interpretError(err))
		}
	}
	orgs, err := tx.q.ErasureOpenInterestOrgs(ctx, tx.tx, id)
	if err != nil {
		return ErasurePlan{}, fmt.Errorf("list organisations: %w", interpretError(err))
	}
	for _, o := range orgs {
		plan.OrgIDs = append(plan.OrgIDs, o.String())
	}
	placed, err := tx.q.ErasurePlacedInterests(ctx, tx.tx, id)
	if err != nil {
		return ErasurePlan{}, fmt.Errorf("list placements: %w", interpretError(err))
	}
	for _, p := range placed {
		plan.PlacedInterests = append(plan.PlacedInterests, p.String())
	}
	return plan, nil
}

// ErasureAddress is where the receipt of the candidate candidateID's
// erasure goes: their address, or "" once it is wiped. Engine only.
func (tx *Tx) ErasureAddress(ctx context.Context, candidateID string) (string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", err
	}
	id, err := parseID("candidate_id", candidateID)
	if err != nil {
		return "", err
	}
	s, err := tx.q.ErasureSubject(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("load candidate: %w", err)
	}
	return derefString(s.Email), nil
}

// Erase anonymises the candidate candidateID into a ghost record and
// keeps the erasure's receipt (its number, when, who asked: nothing about
// the person), in one transaction. Once done, again does nothing.
// Engine only.
func (tx *Tx) Erase(ctx context.Context, candidateID, receipt string, by sim.ErasureRequester, now time.Time) (bool, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return false, err
	}
	if !sim.ValidReceipt(receipt) {
		return false, sim.FieldError("receipt", "receipt must look like ER-XXXX-XXXX-XXXX")
	}
	id, err := parseID("candidate_id", candidateID)
	if err != nil {
		return false, err
	}
	res, err := tx.anonymise(ctx, []uuid.UUID{id})
	if err != nil {
		return false, err
	}
	if err := tx.q.ErasureReceiptCreate(ctx, tx.tx, dbgen.ErasureReceiptCreateParams{Receipt: receipt, ErasedAt: now, RequestedBy: string(by)}); err != nil {
		return false, fmt.Errorf("keep receipt: %w", interpretError(err))
	}
	return res.Candidates > 0, nil
}

// OrgAudience is everyone at the organisation orgID who is told about its
// candidates: its active users' IDs, then db.MailboxRecipient if its group
// mailbox is verified; and the organisation's name. Engine only.
func (tx *Tx) OrgAudience(ctx context.Context, orgID string) (string, []string, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return "", nil, err
	}
	id, err := parseID("org_id", orgID)
	if err != nil {
		return "", nil, err
	}
	org, err := tx.q.OrgGet(ctx, tx.tx, id)
	if err != nil {
		return "", nil, wrapNotFound("load organisation", err)
	}
	recipients, err := tx.orgRecipients(ctx, id)
	return org.Name, recipients, err
}
