package httpapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// The register of information requests: the operator logs a request,
// acknowledges it, and supplies a release made under disclosure control
// (stored with its SHA-256), or denies it.

// LogInformationRequest logs a request for information.
func (s *server) LogInformationRequest(ctx context.Context, req api.LogInformationRequestRequestObject) (api.LogInformationRequestResponseObject, error) {
	b := req.Body
	now := s.cfg.Now().Truncate(time.Microsecond) // as Postgres keeps it: the days left count from what is stored
	r, err := within(s, ctx, func(tx *db.Tx) (sim.InfoRequest, error) {
		return tx.InfoRequestLog(ctx, sim.Requester(b.Requester), b.Who, b.Purpose, b.Asked, deref(b.CommercialGain), now)
	})
	if err != nil {
		return nil, err
	}
	return api.LogInformationRequest201JSONResponse(infoRequestOut(r, now)), nil
}

// ListInformationRequests is the register.
func (s *server) ListInformationRequests(ctx context.Context, req api.ListInformationRequestsRequestObject) (api.ListInformationRequestsResponseObject, error) {
	now := s.cfg.Now()
	sc := scope("information-requests")
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *db.InfoRequestCursor
	if c != nil {
		after = &db.InfoRequestCursor{Closed: c.Seq == 1, At: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.InfoRequest, error) { return tx.InfoRequests(ctx, after, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListInformationRequests200JSONResponse{Requests: make([]api.InfoRequest, len(list))}
	for i, r := range list {
		out.Requests[i] = infoRequestOut(r, now)
	}
	out.NextCursor = page(s.cursors, sc, list, n, func(r sim.InfoRequest) position {
		p := db.InfoRequestCursorOf(r)
		if p.Closed {
			return position{Seq: 1, At: p.At, ID: p.ID}
		}
		return position{At: p.At, ID: p.ID}
	})
	return out, nil
}

// DecideInformationRequest acknowledges, denies or supplies a request.
func (s *server) DecideInformationRequest(ctx context.Context, req api.DecideInformationRequestRequestObject) (api.DecideInformationRequestResponseObject, error) {
	b := req.Body
	now := s.cfg.Now().Truncate(time.Microsecond)
	id := req.RequestId
	r, err := within(s, ctx, func(tx *db.Tx) (sim.InfoRequest, error) {
		switch b.Action {
		case api.Acknowledge:
			return tx.InfoRequestAcknowledge(ctx, id, now)
		case api.Deny:
			return tx.InfoRequestDeny(ctx, id, deref(b.Reason), now)
		}
		if b.Report == nil {
			return sim.InfoRequest{}, sim.FieldError("report", "say which report to supply")
		}
		files, err := releaseFiles(ctx, tx, *b.Report, now)
		if err != nil {
			return sim.InfoRequest{}, err
		}
		return tx.InfoRequestSupply(ctx, id, files, now)
	})
	if err != nil {
		return nil, err
	}
	return api.DecideInformationRequest200JSONResponse(infoRequestOut(r, now)), nil
}

// releaseFiles makes the report a supply releases: the operator's figures
// through disclosure control, as PDF and XLSX.
func releaseFiles(ctx context.Context, tx *db.Tx, rep api.InfoReleaseReport, now time.Time) (db.InfoReleaseFiles, error) {
	period, err := reportPeriod(now, rep.From, rep.To)
	if err != nil {
		return db.InfoReleaseFiles{}, sim.WithFieldPrefix(err, "report")
	}
	var pdf, xlsx bytes.Buffer
	switch rep.Kind {
	case api.Funnel:
		r, err := tx.ReleaseFunnel(ctx, period, now)
		if err != nil {
			return db.InfoReleaseFiles{}, err
		}
		if err := render.FunnelPDF(&pdf, r); err != nil {
			return db.InfoReleaseFiles{}, fmt.Errorf("render the release: %w", err)
		}
		if err := render.FunnelXLSX(&xlsx, r); err != nil {
			return db.InfoReleaseFiles{}, fmt.Errorf("render the release: %w", err)
		}
		return db.InfoReleaseFiles{Report: "funnel " + periodName(period), PDF: pdf.Bytes(), XLSX: xlsx.Bytes()}, nil
	}
	if rep.By == nil {
		return db.InfoReleaseFiles{}, sim.FieldError("report.by", "a breakdown needs by")
	}
	r, err := tx.ReleaseBreakdown(ctx, period, sim.BreakdownDimension(*rep.By), now)
	if err != nil {
		return db.InfoReleaseFiles{}, err
	}
	if err := render.BreakdownPDF(&pdf, r); err != nil {
		return db.InfoReleaseFiles{}, fmt.Errorf("render the release: %w", err)
	}
	if err := render.BreakdownXLSX(&xlsx, r); err != nil {
		return db.InfoReleaseFiles{}, fmt.Errorf("render the release: %w", err)
	}
	return db.InfoReleaseFiles{Report: "breakdown by " + string(*rep.By) + " " + periodName(period), PDF: pdf.Bytes(), XLSX: xlsx.Bytes()}, nil
}

// GetInformationRelease is the release as it was supplied.
func (s *server) GetInformationRelease(ctx context.Context, req api.GetInformationReleaseRequestObject) (api.GetInformationReleaseResponseObject, error) {
	rel, err := within(s, ctx, func(tx *db.Tx) (db.InfoRelease, error) { return tx.InfoReleaseOf(ctx, req.RequestId) })
	if err != nil {
		return nil, err
	}
	f := releaseFile{subjectFile{body: rel.PDF, contentType: reportForms["pdf"][0], name: "muster-release-" + rel.CreatedAt.UTC().Format(time.DateOnly) + ".pdf"}, rel.PDFSHA256}
	if req.Params.Format != nil && *req.Params.Format == api.GetInformationReleaseParamsFormatXlsx {
		f = releaseFile{subjectFile{body: rel.XLSX, contentType: reportForms["xlsx"][0], name: "muster-release-" + rel.CreatedAt.UTC().Format(time.DateOnly) + ".xlsx"}, rel.XLSXSHA256}
	}
	return f, nil
}

// releaseFile is a stored release as a download, with its SHA-256.
type releaseFile struct {
	subjectFile
	sha256 []byte
}

func (f releaseFile) VisitGetInformationReleaseResponse(w http.ResponseWriter) error {
	w.Header().Set("X-Content-SHA256", hex.EncodeToString(f.sha256))
	return f.write(w)
}

func infoRequestOut(r sim.InfoRequest, now time.Time) api.InfoRequest {
	out := api.InfoRequest{
		Id: uuid.MustParse(r.ID), Requester: api.InfoRequestRequester(r.Requester), Who: r.Who, Purpose: r.Purpose, Asked: r.Asked,
		CommercialGain: r.CommercialGain, State: api.InfoRequestState(r.State), ReceivedAt: r.ReceivedAt, Flagged: r.Flagged,
	}
	if !r.AcknowledgedAt.IsZero() {
		out.AcknowledgedAt = new(r.AcknowledgedAt)
	}
	if !r.ClosedAt.IsZero() {
		out.ClosedAt = new(r.ClosedAt)
	}
	if r.Reason != "" {
		out.Reason = new(r.Reason)
	}
	if r.Open() {
		out.NextDue, out.DaysLeft = new(r.NextDue()), new(r.DaysLeft(now))
	}
	return out
}
