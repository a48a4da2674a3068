package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// GetFunnelReport is the programme's funnel of the people who registered
// in a span of months. What each caller sees exactly and what through
// disclosure control is the Store's decision (db.Tx.ReportFunnel).
func (s *server) GetFunnelReport(ctx context.Context, req api.GetFunnelReportRequestObject) (api.GetFunnelReportResponseObject, error) {
	r, err := s.funnelReport(ctx, req.Params.From, req.Params.To, "")
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return funnelFile(f, r)
	}
	return api.GetFunnelReport200JSONResponse(funnelJSON(r)), nil
}

// GetOrganisationFunnelReport is an organisation's funnel beside the
// programme's.
func (s *server) GetOrganisationFunnelReport(ctx context.Context, req api.GetOrganisationFunnelReportRequestObject) (api.GetOrganisationFunnelReportResponseObject, error) {
	r, err := s.funnelReport(ctx, req.Params.From, req.Params.To, req.OrgId.String())
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return funnelFile(f, r)
	}
	return api.GetOrganisationFunnelReport200JSONResponse(funnelJSON(r)), nil
}

// reportPeriod is a report's months (YYYY-MM): by default the twelve
// months to this one, or to the one given.
func reportPeriod(now time.Time, fromParam, toParam *string) (sim.ReportPeriod, error) {
	period := sim.DefaultReportPeriod(now)
	to, from := period.To, period.From
	if toParam != nil {
		t, err := time.Parse("2006-01", *toParam)
		if err != nil {
			return sim.ReportPeriod{}, sim.FieldError("to", "a month is YYYY-MM")
		}
		to, from = t, t.AddDate(0, -11, 0)
	}
	if fromParam != nil {
		f, err := time.Parse("2006-01", *fromParam)
		if err != nil {
			return sim.ReportPeriod{}, sim.FieldError("from", "a month is YYYY-MM")
		}
		from = f
	}
	return sim.NewReportPeriod(from, to)
}

// funnelReport is the funnel of the period asked for.
func (s *server) funnelReport(ctx context.Context, fromParam, toParam *string, orgID string) (sim.FunnelReport, error) {
	now := s.cfg.Now()
	period, err := reportPeriod(now, fromParam, toParam)
	if err != nil {
		return sim.FunnelReport{}, err
	}
	return within(s, ctx, func(tx *db.Tx) (sim.FunnelReport, error) { return tx.ReportFunnel(ctx, period, orgID, now) })
}

// funnelJSON is a funnel as the API answers it.
func funnelJSON(r sim.FunnelReport) api.FunnelReport {
	out := api.FunnelReport{
		AsOf: r.AsOf.UTC(), From: r.Period.From.Format("2006-01"), To: r.Period.To.Format("2006-01"),
		Released: r.Released, Programme: funnelOut(r.Programme), Notes: r.Notes(),
	}
	if r.OrgID != "" {
		id := uuid.MustParse(r.OrgID)
		org := funnelOut(r.Organisation)
		out.OrganisationId, out.Organisation = &id, &org
	}
	return out
}

// GetBreakdownReport is the people of a span of months by one of their
// facts (or by organisation) and the furthest stage they reached.
func (s *server) GetBreakdownReport(ctx context.Context, req api.GetBreakdownReportRequestObject) (api.GetBreakdownReportResponseObject, error) {
	now := s.cfg.Now()
	period, err := reportPeriod(now, req.Params.From, req.Params.To)
	if err != nil {
		return nil, err
	}
	d := sim.BreakdownDimension(req.Params.By)
	r, err := within(s, ctx, func(tx *db.Tx) (sim.BreakdownReport, error) { return tx.ReportBreakdown(ctx, period, d, now) })
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return reportFileOf(f, "muster-"+string(d)+"-"+periodName(r.Period), r, render.BreakdownCSV, render.BreakdownXLSX, render.BreakdownPDF)
	}
	out := api.GetBreakdownReport200JSONResponse{
		AsOf: r.AsOf.UTC(), From: r.Period.From.Format("2006-01"), To: r.Period.To.Format("2006-01"),
		By: api.BreakdownReportBy(r.Dimension), Released: r.Released, Notes: r.Notes(),
		Columns: make([]api.BreakdownReportColumns, len(r.Columns)), Rows: make([]api.BreakdownRow, len(r.Rows)),
		ColumnTotals: releasedCountsOut(r.Table.ColTotals), Total: releasedCountOut(r.Table.Total),
	}
	for i, c := range r.Columns {
		out.Columns[i] = api.BreakdownReportColumns(c)
	}
	for i, key := range r.Rows {
		out.Rows[i] = api.BreakdownRow{Key: key, Label: r.Labels[i], Cells: releasedCountsOut(r.Table.Cells[i]), Total: releasedCountOut(r.Table.RowTotals[i])}
	}
	return out, nil
}

func releasedCountsOut(cs []sim.ReleasedCount) []api.ReleasedCount {
	out := make([]api.ReleasedCount, len(cs))
	for i, c := range cs {
		out[i] = releasedCountOut(c)
	}
	return out
}

func funnelOut(figures []sim.FunnelFigure) []api.FunnelFigure {
	out := make([]api.FunnelFigure, len(figures))
	for i, f := range figures {
		out[i] = api.FunnelFigure{Stage: api.FunnelFigureStage(f.Stage), People: releasedCountOut(f.People)}
		if i == 0 {
			continue
		}
		if f.Conversion.Withheld != sim.Shown {
			out[i].ConversionWithheld = new(true)
		} else {
			out[i].Conversion = new(f.Conversion.Value)
		}
		if m := f.MedianDays; m != nil && m.Withheld != sim.Shown {
			out[i].MedianWithheld = new(true)
		} else if m != nil {
			out[i].MedianDays = new(int64(m.Value))
		}
	}
	return out
}

func releasedCountOut(c sim.ReleasedCount) api.ReleasedCount {
	out := api.ReleasedCount{Shown: c.String()}
	if c.Withheld == sim.Shown {
		out.Value = new(c.Value)
	} else {
		w := api.ReleasedCountWithheld(c.Withheld)
		out.Withheld = &w
	}
	return out
}

// reportFile is a report as a download.
type reportFile struct{ subjectFile }

func (f reportFile) VisitGetFunnelReportResponse(w http.ResponseWriter) error { return f.write(w) }
func (f reportFile) VisitGetOrganisationFunnelReportResponse(w http.ResponseWriter) error {
	return f.write(w)
}
func (f reportFile) VisitGetBreakdownReportResponse(w http.ResponseWriter) error { return f.write(w) }

// reportForms are the files a report downloads as: content type and
// extension.
var reportForms = map[string][2]string{
	"csv":  {"text/csv; charset=utf-8", "csv"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	"pdf":  {"application/pdf", "pdf"},
}

// reportFileOf renders report r in form (one of reportForms) by its
// renderer for that form, as a download named name.
func reportFileOf[R any](form, name string, r R, csv, xlsx, pdf func(io.Writer, R) error) (reportFile, error) {
	f, ok := reportForms[form]
	if !ok { // the document refuses it first
		return reportFile{}, malformed("format must be one of json, csv, xlsx, pdf", "format")
	}
	write := map[string]func(io.Writer, R) error{"csv": csv, "xlsx": xlsx, "pdf": pdf}[form]
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		return reportFile{}, fmt.Errorf("render the %s report: %w", form, err)
	}
	return reportFile{subjectFile{body: buf.Bytes(), contentType: f[0], name: name + "." + f[1]}}, nil
}

// funnelFile is a funnel as a download.
func funnelFile(form string, r sim.FunnelReport) (reportFile, error) {
	return reportFileOf(form, "muster-funnel-"+periodName(r.Period), r, render.FunnelCSV, render.FunnelXLSX, render.FunnelPDF)
}

// periodName is a period in a file name: 2026-01-2026-12.
func periodName(p sim.ReportPeriod) string {
	return p.From.Format("2006-01") + "-" + p.To.Format("2006-01")
}

// GetFollowUpReport is the programme's placement follow-up.
func (s *server) GetFollowUpReport(ctx context.Context, req api.GetFollowUpReportRequestObject) (api.GetFollowUpReportResponseObject, error) {
	r, err := s.followUpReport(ctx, req.Params.From, req.Params.To, "")
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return followUpFile(f, r)
	}
	return api.GetFollowUpReport200JSONResponse(followUpJSON(r)), nil
}

// GetOrganisationFollowUpReport is an organisation's placement follow-up.
func (s *server) GetOrganisationFollowUpReport(ctx context.Context, req api.GetOrganisationFollowUpReportRequestObject) (api.GetOrganisationFollowUpReportResponseObject, error) {
	r, err := s.followUpReport(ctx, req.Params.From, req.Params.To, req.OrgId.String())
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return followUpFile(f, r)
	}
	return api.GetOrganisationFollowUpReport200JSONResponse(followUpJSON(r)), nil
}

// followUpFile is a follow-up as a download.
func followUpFile(form string, r sim.FollowUpReport) (reportFile, error) {
	return reportFileOf(form, "muster-follow-up-"+periodName(r.Period), r, render.FollowUpCSV, render.FollowUpXLSX, render.FollowUpPDF)
}

func (f reportFile) VisitGetFollowUpReportResponse(w http.ResponseWriter) error { return f.write(w) }
func (f reportFile) VisitGetProgrammeViewResponse(w http.ResponseWriter) error  { return f.write(w) }
func (f reportFile) VisitGetOrganisationFollowUpReportResponse(w http.ResponseWriter) error {
	return f.write(w)
}

func (s *server) followUpReport(ctx context.Context, fromParam, toParam *string, orgID string) (sim.FollowUpReport, error) {
	now := s.cfg.Now()
	period, err := reportPeriod(now, fromParam, toParam)
	if err != nil {
		return sim.FollowUpReport{}, err
	}
	return within(s, ctx, func(tx *db.Tx) (sim.FollowUpReport, error) { return tx.ReportFollowUps(ctx, period, orgID, now) })
}

func followUpJSON(r sim.FollowUpReport) api.FollowUpReport {
	out := api.FollowUpReport{
		AsOf: r.AsOf.UTC(), From: r.Period.From.Format("2006-01"), To: r.Period.To.Format("2006-01"), Released: r.Released,
		Checkins: make([]api.FollowUpCheckin, len(r.Rows)), Notes: r.Notes(),
	}
	if r.OrgID != "" {
		out.OrganisationId = new(uuid.MustParse(r.OrgID))
	}
	for i, f := range r.Rows {
		c := api.FollowUpCheckin{Months: f.Months, Placed: releasedCountOut(f.Placed), Answered: releasedCountOut(f.Answered),
			InPost: releasedCountOut(f.InPost), NoAnswer: releasedCountOut(f.NoAnswer)}
		if f.StillInPost.Withheld != sim.Shown {
			c.StillInPostWithheld = new(true)
		} else {
			c.StillInPost = new(f.StillInPost.Value)
		}
		out.Checkins[i] = c
	}
	return out
}

// GetProgrammeView is the operator's view of the programme.
func (s *server) GetProgrammeView(ctx context.Context, req api.GetProgrammeViewRequestObject) (api.GetProgrammeViewResponseObject, error) {
	now := s.cfg.Now()
	v, err := within(s, ctx, func(tx *db.Tx) (sim.ProgrammeView, error) { return tx.ProgrammeView(ctx, now) })
	if err != nil {
		return nil, err
	}
	if f := deref((*string)(req.Params.Format)); f != "" && f != "json" {
		return reportFileOf(f, "muster-programme-"+v.AsOf.UTC().Format("2006-01-02"), v, render.ProgrammeCSV, render.ProgrammeXLSX, render.ProgrammePDF)
	}
	out := api.GetProgrammeView200JSONResponse{AsOf: v.AsOf.UTC()}
	out.Organisations.ByOnboarding = v.OrganisationsBy["onboarding"]
	out.Organisations.ByAgreement = v.OrganisationsBy["agreement"]
	out.Organisations.ByStatus = v.OrganisationsBy["organisations"]
	out.Open.SpotChecks, out.Open.Moderation, out.Open.FlaggedInfoRequests = v.OpenSpotChecks, v.OpenModeration, v.FlaggedInfoRequests
	out.Open.DataRequests = map[string]int64{}
	for k, n := range v.OpenDataRequests {
		out.Open.DataRequests[string(k)] = n
	}
	out.Open.InfoRequests = map[string]int64{}
	for k, n := range v.OpenInfoRequests {
		out.Open.InfoRequests[string(k)] = n
	}
	return out, nil
}
