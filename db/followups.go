package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Placement follow-up: the check-ins a PlacementFollowUp asks, the
// candidate's answers, and the engine's reminder and "no answer".

func followUpOf(r dbgen.FollowUp, orgID uuid.UUID, orgName string) sim.FollowUp {
	return sim.FollowUp{
		ID: r.ID.String(), InterestID: r.InterestID.String(), OrgID: orgID.String(), OrgName: orgName,
		Months: int(r.Months), DueOn: r.DueOn, AskedAt: r.AskedAt, RemindedAt: deref(r.RemindedAt),
		Answer: sim.FollowUpAnswer(deref(r.Answer)), AnsweredAt: deref(r.AnsweredAt),
	}
}

// FollowUpNotice is what a check-in's email needs.
type FollowUpNotice struct {
	CandidateUserID string // "" once the account is gone
	OrgName         string
}

// FollowUpAsk records that the check-in months after the placement on
// interestID was asked, once: asking again returns it as it is (answered,
// maybe). Engine only; ENOTFOUND when the interest is gone (the
// candidate's data was erased).
func (tx *Tx) FollowUpAsk(ctx context.Context, interestID string, months int, dueOn, now time.Time) (sim.FollowUp, FollowUpNotice, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.FollowUp{}, FollowUpNotice{}, err
	}
	id, err := parseID("interest_id", interestID)
	if err != nil {
		return sim.FollowUp{}, FollowUpNotice{}, err
	}
	n, err := tx.q.FollowUpNotice(ctx, tx.tx, id)
	if err != nil {
		return sim.FollowUp{}, FollowUpNotice{}, wrapNotFound("load interest", err)
	}
	if _, err := tx.q.FollowUpAsk(ctx, tx.tx, dbgen.FollowUpAskParams{ID: uuid.New(), InterestID: id, Months: int32(months), DueOn: dateValue(dueOn), AskedAt: now}); err != nil {
		return sim.FollowUp{}, FollowUpNotice{}, fmt.Errorf("record check-in: %w", interpretError(err))
	}
	r, err := tx.q.FollowUpOf(ctx, tx.tx, dbgen.FollowUpOfParams{InterestID: id, Months: int32(months)})
	if err != nil {
		return sim.FollowUp{}, FollowUpNotice{}, fmt.Errorf("load check-in: %w", interpretError(err))
	}
	f := followUpOf(r, uuid.Nil, n.OrgName)
	return f, FollowUpNotice{CandidateUserID: idString(n.UserID), OrgName: n.OrgName}, nil
}

// FollowUpRemind records the one reminder of an open check-in and
// reports whether it was recorded now (false once answered, or already
// reminded). It holds the check-in until the transaction ends, so an
// answer being committed is seen, not raced. Engine only.
func (tx *Tx) FollowUpRemind(ctx context.Context, followUpID string, now time.Time) (sim.FollowUp, bool, error) {
	f, err := tx.followUp(ctx, followUpID)
	if err != nil || !f.Open() {
		return f, false, err
	}
	n, err := tx.q.FollowUpSetReminded(ctx, tx.tx, dbgen.FollowUpSetRemindedParams{ID: uuid.MustParse(f.ID), RemindedAt: now})
	if err != nil {
		return sim.FollowUp{}, false, fmt.Errorf("record reminder: %w", interpretError(err))
	}
	if n == 1 {
		f.RemindedAt = now
	}
	return f, n == 1, nil
}

// FollowUpClose records no answer for a check-in still open, and returns
// how it ended: the candidate's answer when theirs committed first (the
// check-in is held while it is read). Engine only.
func (tx *Tx) FollowUpClose(ctx context.Context, followUpID string, now time.Time) (sim.FollowUp, error) {
	f, err := tx.followUp(ctx, followUpID)
	if err != nil || !f.Open() {
		return f, err
	}
	if _, err := tx.q.FollowUpSetAnswer(ctx, tx.tx, dbgen.FollowUpSetAnswerParams{ID: uuid.MustParse(f.ID), Answer: string(sim.FollowUpNoAnswer), AnsweredAt: now}); err != nil {
		return sim.FollowUp{}, fmt.Errorf("record no answer: %w", interpretError(err))
	}
	f.Answer, f.AnsweredAt = sim.FollowUpNoAnswer, now
	return f, nil
}

func (tx *Tx) followUp(ctx context.Context, followUpID string) (sim.FollowUp, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return sim.FollowUp{}, err
	}
	id, err := parseID("follow_up_id", followUpID)
	if err != nil {
		return sim.FollowUp{}, err
	}
	r, err := tx.q.FollowUpByID(ctx, tx.tx, id)
	if err != nil {
		return sim.FollowUp{}, wrapNotFound("load check-in", err)
	}
	return followUpOf(r, uuid.Nil, ""), nil
}

// FollowUpsMine lists the signed-in candidate's check-ins, newest first.
func (tx *Tx) FollowUpsMine(ctx context.Context) ([]sim.FollowUp, error) {
	if err := tx.authorize(sim.PermAnswerFollowUp); err != nil {
		return nil, err
	}
	c, err := tx.ownCandidate(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.FollowUpsForCandidate(ctx, tx.tx, c)
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", interpretError(err))
	}
	out := make([]sim.FollowUp, len(rows))
	for i, r := range rows {
		out[i] = followUpOf(r.FollowUp, r.OrgID, r.OrgName)
	}
	return out, nil
}

// FollowUpAnswer records the signed-in candidate's answer to their open
// check-in followUpID: a journey event, and a signal through the outbox
// that wakes the follow-up. ENOTFOUND for a check-in not theirs;
// ECONFLICT once it has an answer.
func (tx *Tx) FollowUpAnswer(ctx context.Context, followUpID string, stillInPost bool, now time.Time) (sim.FollowUp, error) {
	if err := tx.authorize(sim.PermAnswerFollowUp); err != nil {
		return sim.FollowUp{}, err
	}
	id, err := uuid.Parse(followUpID)
	if err != nil {
		return sim.FollowUp{}, sim.ErrNotFound
	}
	c, err := tx.ownCandidate(ctx)
	if err != nil {
		return sim.FollowUp{}, err
	}
	r, err := tx.q.FollowUpForAnswer(ctx, tx.tx, dbgen.FollowUpForAnswerParams{ID: id, CandidateID: c})
	if err != nil {
		return sim.FollowUp{}, wrapNotFound("load check-in", err)
	}
	f := followUpOf(r.FollowUp, r.OrgID, "")
	if f, err = sim.AnswerFollowUp(f, stillInPost, now); err != nil {
		return sim.FollowUp{}, err
	}
	if _, err := tx.q.FollowUpSetAnswer(ctx, tx.tx, dbgen.FollowUpSetAnswerParams{ID: id, Answer: string(f.Answer), AnsweredAt: now}); err != nil {
		return sim.FollowUp{}, fmt.Errorf("record answer: %w", interpretError(err))
	}
	if _, err := tx.journeyRow(ctx, c, tx.actor, sim.EventFollowUpAnswered, "", string(f.Answer), now, &r.OrgID, &r.FollowUp.InterestID); err != nil {
		return sim.FollowUp{}, err
	}
	return f, tx.enqueue(ctx, sim.SignalFollowUp(f.InterestID, sim.FollowUpAnswered{Months: f.Months, Answer: f.Answer}))
}
