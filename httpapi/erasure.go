package httpapi

import (
	"context"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
)

// Erasure: a candidate's right to be forgotten, asked by them or by the
// operator on their behalf. The request ends their sessions and starts
// the Erasure workflow through the outbox, in its one transaction; the
// workflow sends the receipt, erases and tells the organisations. Asking
// again while it runs changes nothing and answers the same: a client that
// retries after a lost answer is told what happened, not refused.

const (
	myErasureStarted = "Your erasure has started and you have been signed out: a receipt with its number is being emailed to you, then your record is erased."
	erasureStarted   = "The erasure has started: a receipt with its number is being emailed to the candidate's address, then their record is erased."
)

// RequestMyErasure erases the signed-in candidate.
func (s *server) RequestMyErasure(ctx context.Context, _ api.RequestMyErasureRequestObject) (api.RequestMyErasureResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ErasureRequest(ctx, "", s.cfg.Now())
		return err
	}); err != nil {
		return nil, err
	}
	return api.RequestMyErasure202JSONResponse{ErasureStartedJSONResponse: api.ErasureStartedJSONResponse{Message: myErasureStarted}}, nil
}

// RequestErasure erases a candidate on their behalf.
func (s *server) RequestErasure(ctx context.Context, req api.RequestErasureRequestObject) (api.RequestErasureResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ErasureRequest(ctx, req.CandidateId, s.cfg.Now())
		return err
	}); err != nil {
		return nil, err
	}
	return api.RequestErasure202JSONResponse{ErasureStartedJSONResponse: api.ErasureStartedJSONResponse{Message: erasureStarted}}, nil
}
