package httpapi

import (
	"context"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// A placed candidate's check-ins: whether they are still in post.

func followUpOut(f sim.FollowUp) api.FollowUp {
	out := api.FollowUp{
		Id: uuid.MustParse(f.ID), OrgId: uuid.MustParse(f.OrgID), Months: f.Months,
		DueOn: openapi_types.Date{Time: f.DueOn}, AskedAt: f.AskedAt,
	}
	if f.OrgName != "" {
		name := f.OrgName
		out.OrgName = &name
	}
	if !f.RemindedAt.IsZero() {
		at := f.RemindedAt
		out.RemindedAt = &at
	}
	if f.Answer != "" {
		answer, at := api.FollowUpAnswer(f.Answer), f.AnsweredAt
		out.Answer, out.AnsweredAt = &answer, &at
	}
	return out
}

// ListMyFollowUps lists the signed-in candidate's check-ins.
func (s *server) ListMyFollowUps(ctx context.Context, _ api.ListMyFollowUpsRequestObject) (api.ListMyFollowUpsResponseObject, error) {
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.FollowUp, error) { return tx.FollowUpsMine(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.ListMyFollowUps200JSONResponse{FollowUps: make([]api.FollowUp, len(list))}
	for i, f := range list {
		out.FollowUps[i] = followUpOut(f)
	}
	return out, nil
}

// AnswerFollowUp records the signed-in candidate's answer to a check-in.
func (s *server) AnswerFollowUp(ctx context.Context, req api.AnswerFollowUpRequestObject) (api.AnswerFollowUpResponseObject, error) {
	f, err := within(s, ctx, func(tx *db.Tx) (sim.FollowUp, error) {
		return tx.FollowUpAnswer(ctx, req.FollowUpId, req.Body.StillInPost, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.AnswerFollowUp200JSONResponse(followUpOut(f)), nil
}
