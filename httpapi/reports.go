package httpapi

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
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
	return api.GetFunnelReport200JSONResponse(r), nil
}

// GetOrganisationFunnelReport is an organisation's funnel beside the
// programme's.
func (s *server) GetOrganisationFunnelReport(ctx context.Context, req api.GetOrganisationFunnelReportRequestObject) (api.GetOrganisationFunnelReportResponseObject, error) {
	r, err := s.funnelReport(ctx, req.Params.From, req.Params.To, req.OrgId.String())
	if err != nil {
		return nil, err
	}
	return api.GetOrganisationFunnelReport200JSONResponse(r), nil
}

// funnelReport reads the period (YYYY-MM months; by default the twelve
// months to this one, or to the one given) and the funnel.
func (s *server) funnelReport(ctx context.Context, fromParam, toParam *string, orgID string) (api.FunnelReport, error) {
	now := s.cfg.Now()
	period := sim.DefaultReportPeriod(now)
	to, from := period.To, period.From
	if toParam != nil {
		t, err := time.Parse("2006-01", *toParam)
		if err != nil {
			return api.FunnelReport{}, sim.FieldError("to", "a month is YYYY-MM")
		}
		to, from = t, t.AddDate(0, -11, 0)
	}
	if fromParam != nil {
		f, err := time.Parse("2006-01", *fromParam)
		if err != nil {
			return api.FunnelReport{}, sim.FieldError("from", "a month is YYYY-MM")
		}
		from = f
	}
	period, err := sim.NewReportPeriod(from, to)
	if err != nil {
		return api.FunnelReport{}, err
	}
	r, err := within(s, ctx, func(tx *db.Tx) (sim.FunnelReport, error) { return tx.ReportFunnel(ctx, period, orgID, now) })
	if err != nil {
		return api.FunnelReport{}, err
	}
	out := api.FunnelReport{
		AsOf: r.AsOf.UTC(), From: r.Period.From.Format("2006-01"), To: r.Period.To.Format("2006-01"),
		Released: r.Released, Programme: funnelOut(r.Programme), Notes: r.Notes(),
	}
	if r.OrgID != "" {
		id := uuid.MustParse(r.OrgID)
		org := funnelOut(r.Organisation)
		out.OrganisationId, out.Organisation = &id, &org
	}
	return out, nil
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
