package httpapi

import (
	"context"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Versions of the consent wording, and where a candidate stands with
// them. Agreeing to a new version is PUT /v1/me/consent (ChangeConsent).

// PublishConsentText publishes a new version of the consent wording.
func (s *server) PublishConsentText(ctx context.Context, req api.PublishConsentTextRequestObject) (api.PublishConsentTextResponseObject, error) {
	t, err := within(s, ctx, func(tx *db.Tx) (db.ConsentText, error) {
		return tx.ConsentTextPublish(ctx, req.Body.Version, req.Body.Body, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.PublishConsentText201JSONResponse{Version: t.Version, Purpose: t.Purpose, Body: t.Body}, nil
}

func consentOut(c sim.ConsentRecord) api.Consent {
	return api.Consent{TextVersion: c.TextVersion, Given: c.Given, RecordedAt: c.RecordedAt}
}

// GetMyConsent returns where the signed-in candidate stands with the
// consent wording.
func (s *server) GetMyConsent(ctx context.Context, _ api.GetMyConsentRequestObject) (api.GetMyConsentResponseObject, error) {
	st, err := within(s, ctx, func(tx *db.Tx) (sim.ConsentStatus, error) { return tx.ConsentMine(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.GetMyConsent200JSONResponse{
		CurrentVersion: st.CurrentVersion, CurrentBody: st.CurrentBody, UpToDate: st.UpToDate, History: make([]api.Consent, len(st.History)),
	}
	for i, c := range st.History {
		out.History[i] = consentOut(c)
	}
	if st.Latest.TextVersion != "" {
		latest := consentOut(st.Latest)
		out.Latest = &latest
	}
	return out, nil
}
