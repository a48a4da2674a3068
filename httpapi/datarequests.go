package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Data requests: a candidate's own, and the operator's register of every
// request with its deadline, each followed by a DataRequest workflow
// started and signalled through the outbox.

func dataRequestOut(r sim.DataRequest, now time.Time) api.DataRequest {
	out := api.DataRequest{
		Id: uuid.MustParse(r.ID), Kind: api.DataRequestKind(r.Kind), State: api.DataRequestState(r.State),
		ReceivedAt: r.ReceivedAt, DueAt: r.DueAt, DaysLeft: r.DaysLeft(now), CandidateId: optIDOut(r.CandidateID),
	}
	if r.Extension != "" {
		reason := r.Extension
		out.Extension = &reason
	}
	if !r.AnsweredAt.IsZero() {
		at := r.AnsweredAt
		out.AnsweredAt = &at
	}
	return out
}

func dataRequestsOut(list []sim.DataRequest, now time.Time) []api.DataRequest {
	out := make([]api.DataRequest, len(list))
	for i, r := range list {
		out[i] = dataRequestOut(r, now)
	}
	return out
}

// dataRequest is the answer with one request: as it stands after fn.
func (s *server) dataRequest(ctx context.Context, fn func(tx *db.Tx, now time.Time) (sim.DataRequest, error)) (api.DataRequestJSONResponse, error) {
	now := s.cfg.Now()
	r, err := within(s, ctx, func(tx *db.Tx) (sim.DataRequest, error) { return fn(tx, now) })
	if err != nil {
		return api.DataRequestJSONResponse{}, err
	}
	return api.DataRequestJSONResponse(dataRequestOut(r, now)), nil
}

// ListMyDataRequests lists the signed-in candidate's requests.
func (s *server) ListMyDataRequests(ctx context.Context, _ api.ListMyDataRequestsRequestObject) (api.ListMyDataRequestsResponseObject, error) {
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.DataRequest, error) { return tx.DataRequestsMine(ctx) })
	if err != nil {
		return nil, err
	}
	return api.ListMyDataRequests200JSONResponse{DataRequests: dataRequestsOut(list, s.cfg.Now())}, nil
}

// MakeDataRequest records the signed-in candidate's own request.
func (s *server) MakeDataRequest(ctx context.Context, req api.MakeDataRequestRequestObject) (api.MakeDataRequestResponseObject, error) {
	r, err := s.dataRequest(ctx, func(tx *db.Tx, now time.Time) (sim.DataRequest, error) {
		// A route of the candidate's own: anyone else is refused as on the
		// others, where the data layer would ask them for a candidate_id.
		if err := sim.Authorize(tx.Actor(), sim.PermOwnData); err != nil {
			return sim.DataRequest{}, err
		}
		return tx.DataRequestMake(ctx, sim.DataRequestKind(req.Body.Kind), "", now)
	})
	if err != nil {
		return nil, err
	}
	return api.MakeDataRequest201JSONResponse{DataRequestJSONResponse: r}, nil
}

// ListDataRequests returns a page of the register, soonest deadline first.
// Its cursor is bound to the filter.
func (s *server) ListDataRequests(ctx context.Context, req api.ListDataRequestsRequestObject) (api.ListDataRequestsResponseObject, error) {
	answered := deref(req.Params.Answered)
	sc := scope("data-requests", strconv.FormatBool(answered))
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *db.DataRequestCursor
	if c != nil {
		after = &db.DataRequestCursor{DueAt: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.DataRequest, error) { return tx.DataRequests(ctx, answered, after, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListDataRequests200JSONResponse{DataRequests: dataRequestsOut(list, s.cfg.Now())}
	out.NextCursor = page(s.cursors, sc, list, n, func(r sim.DataRequest) position { return position{At: r.DueAt, ID: r.ID} })
	return out, nil
}

// LogDataRequest records a request a candidate made to the programme team.
func (s *server) LogDataRequest(ctx context.Context, req api.LogDataRequestRequestObject) (api.LogDataRequestResponseObject, error) {
	r, err := s.dataRequest(ctx, func(tx *db.Tx, now time.Time) (sim.DataRequest, error) {
		return tx.DataRequestMake(ctx, sim.DataRequestKind(req.Body.Kind), req.Body.CandidateId.String(), now)
	})
	if err != nil {
		return nil, err
	}
	return api.LogDataRequest201JSONResponse{DataRequestJSONResponse: r}, nil
}

// GetDataRequest returns one request of the register.
func (s *server) GetDataRequest(ctx context.Context, req api.GetDataRequestRequestObject) (api.GetDataRequestResponseObject, error) {
	r, err := s.dataRequest(ctx, func(tx *db.Tx, _ time.Time) (sim.DataRequest, error) { return tx.DataRequestGet(ctx, req.RequestId) })
	if err != nil {
		return nil, err
	}
	return api.GetDataRequest200JSONResponse{DataRequestJSONResponse: r}, nil
}

// ExtendDataRequest moves a request's deadline, for a reason.
func (s *server) ExtendDataRequest(ctx context.Context, req api.ExtendDataRequestRequestObject) (api.ExtendDataRequestResponseObject, error) {
	months := req.Body.Months
	if months < 1 {
		// The document refuses it first; to the data layer, no months
		// would mean the request was answered.
		return nil, sim.FieldError("months", "an extension is 1 or %d months", sim.MaxExtensionMonths)
	}
	r, err := s.dataRequest(ctx, func(tx *db.Tx, now time.Time) (sim.DataRequest, error) {
		return tx.DataRequestChange(ctx, req.RequestId, months, req.Body.Reason, now)
	})
	if err != nil {
		return nil, err
	}
	return api.ExtendDataRequest200JSONResponse{DataRequestJSONResponse: r}, nil
}

// AnswerDataRequest records that a request was answered.
func (s *server) AnswerDataRequest(ctx context.Context, req api.AnswerDataRequestRequestObject) (api.AnswerDataRequestResponseObject, error) {
	r, err := s.dataRequest(ctx, func(tx *db.Tx, now time.Time) (sim.DataRequest, error) {
		return tx.DataRequestChange(ctx, req.RequestId, 0, "", now)
	})
	if err != nil {
		return nil, err
	}
	return api.AnswerDataRequest200JSONResponse{DataRequestJSONResponse: r}, nil
}

// ExportDataRequestSubject downloads everything held about the person a
// request is from, for the operator to answer it.
func (s *server) ExportDataRequestSubject(ctx context.Context, req api.ExportDataRequestSubjectRequestObject) (api.ExportDataRequestSubjectResponseObject, error) {
	now := s.cfg.Now()
	d, err := within(s, ctx, func(tx *db.Tx) (sim.SubjectAccess, error) { return tx.DataRequestExport(ctx, req.RequestId, now) })
	if err != nil {
		return nil, err
	}
	return exportFile(string(deref(req.Params.Format)), d)
}
