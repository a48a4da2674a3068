package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// The operator's spot checks of registrations.

// ListSpotChecks lists a page of the registrations waiting for a check.
func (s *server) ListSpotChecks(ctx context.Context, req api.ListSpotChecksRequestObject) (api.ListSpotChecksResponseObject, error) {
	sc := scope("spot-checks")
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *sim.SpotCheckCursor
	if c != nil {
		after = &sim.SpotCheckCursor{SampledAt: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.SpotCheck, error) { return tx.SpotChecks(ctx, after, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListSpotChecks200JSONResponse{SpotChecks: make([]api.SpotCheck, len(list))}
	for i, sc := range list {
		flags := make([]api.SpotCheckFlags, len(sc.Flags))
		for j, f := range sc.Flags {
			flags[j] = api.SpotCheckFlags(f)
		}
		out.SpotChecks[i] = api.SpotCheck{
			Id: uuid.MustParse(sc.ID), CandidateId: uuid.MustParse(sc.CandidateID), Flags: flags, SampledAt: sc.SampledAt,
			FirstName: sc.FirstName, LastName: sc.LastName, Connection: string(sc.Connection), Region: string(sc.Region),
		}
		if !sc.RegisteredAt.IsZero() {
			at := sc.RegisteredAt
			out.SpotChecks[i].RegisteredAt = &at
		}
	}
	out.NextCursor = page(s.cursors, sc, list, n, func(c sim.SpotCheck) position { return position{At: c.SampledAt, ID: c.ID} })
	return out, nil
}

// DecideSpotCheck verifies or rejects a sampled registration.
func (s *server) DecideSpotCheck(ctx context.Context, req api.DecideSpotCheckRequestObject) (api.DecideSpotCheckResponseObject, error) {
	outcome, reason := sim.Verification(req.Body.Outcome), deref(req.Body.Reason)
	if err := s.inTx(ctx, func(tx *db.Tx) error {
		return tx.SpotCheckDecide(ctx, req.SpotCheckId, outcome, reason, s.cfg.Now())
	}); err != nil {
		return nil, err
	}
	return api.DecideSpotCheck204Response{}, nil
}
