package httpapi

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// The candidate journey with organisations: a candidate's choice of
// organisations, consent and withdrawal; the employer's candidate list,
// profiles and the support it records.

func interestsOut(in []sim.InterestSummary) api.Interests {
	out := api.Interests{Interests: make([]api.Interest, len(in))}
	for i, x := range in {
		out.Interests[i] = api.Interest{
			Id: uuid.MustParse(x.ID), OrgId: uuid.MustParse(x.OrgID), OrgName: x.OrgName, State: api.InterestState(x.State),
			OpenedAt: x.OpenedAt, UpdatedAt: x.UpdatedAt,
		}
	}
	return out
}

// ListMyInterests lists the organisations the signed-in candidate chose.
func (s *server) ListMyInterests(ctx context.Context, _ api.ListMyInterestsRequestObject) (api.ListMyInterestsResponseObject, error) {
	in, err := within(s, ctx, func(tx *db.Tx) ([]sim.InterestSummary, error) { return tx.InterestsMine(ctx) })
	if err != nil {
		return nil, err
	}
	return api.ListMyInterests200JSONResponse(interestsOut(in)), nil
}

// ChooseOrganisations adds organisations to the signed-in candidate's choice.
func (s *server) ChooseOrganisations(ctx context.Context, req api.ChooseOrganisationsRequestObject) (api.ChooseOrganisationsResponseObject, error) {
	ids := make([]string, len(req.Body.OrgIds))
	for i, id := range req.Body.OrgIds {
		ids[i] = id.String()
	}
	in, err := within(s, ctx, func(tx *db.Tx) ([]sim.InterestSummary, error) {
		return tx.InterestsChoose(ctx, ids, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.ChooseOrganisations200JSONResponse(interestsOut(in)), nil
}

// RemoveInterest takes an organisation out of the signed-in candidate's choice.
func (s *server) RemoveInterest(ctx context.Context, req api.RemoveInterestRequestObject) (api.RemoveInterestResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.InterestRemove(ctx, req.OrgId.String(), s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.RemoveInterest204Response{}, nil
}

// ChangeConsent gives or withdraws the signed-in candidate's consent to share.
func (s *server) ChangeConsent(ctx context.Context, req api.ChangeConsentRequestObject) (api.ChangeConsentResponseObject, error) {
	c, err := within(s, ctx, func(tx *db.Tx) (sim.ConsentRecord, error) {
		return tx.ConsentChange(ctx, req.Body.TextVersion, req.Body.Given, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.ChangeConsent200JSONResponse{TextVersion: c.TextVersion, Given: c.Given, RecordedAt: c.RecordedAt}, nil
}

// Withdraw closes the signed-in candidate's record: no longer interested.
func (s *server) Withdraw(ctx context.Context, _ api.WithdrawRequestObject) (api.WithdrawResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.CandidateWithdraw(ctx, s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.Withdraw204Response{}, nil
}

func orgCandidateOut(c sim.OrgCandidate) api.OrgCandidate {
	skills := c.Skills
	if skills == nil {
		skills = []string{}
	}
	return api.OrgCandidate{
		CandidateId: uuid.MustParse(c.CandidateID), InterestId: uuid.MustParse(c.InterestID),
		FirstName: c.FirstName, LastName: c.LastName, Connection: string(c.Connection), Region: string(c.Region),
		Skills: skills, State: api.InterestState(c.State), OpenedAt: c.OpenedAt, UpdatedAt: c.UpdatedAt,
	}
}

// ListOrganisationCandidates lists a page of the candidates an organisation sees.
func (s *server) ListOrganisationCandidates(ctx context.Context, req api.ListOrganisationCandidatesRequestObject) (api.ListOrganisationCandidatesResponseObject, error) {
	p := req.Params
	f := sim.CandidateFilter{
		Region: sim.Region(deref(p.Region)), Connection: sim.Connection(deref(p.Connection)),
		Skill: deref(p.Skill), JobPreferences: deref(p.JobPreferences),
		Oldest: p.Sort != nil && *p.Sort == api.Oldest, Limit: deref(p.Limit),
	}
	if p.State != nil {
		for _, st := range *p.State {
			f.States = append(f.States, sim.InterestState(st))
		}
	}
	if p.Since != nil {
		f.Since = *p.Since
	}
	if p.Until != nil {
		f.Until = *p.Until
	}
	// The cursor is bound to the organisation, the filters and the sort.
	states := make([]string, len(f.States))
	for i, st := range f.States {
		states[i] = string(st)
	}
	sc := scope("candidates", req.OrgId.String(), strconv.FormatBool(f.Oldest), sortedScope(states), string(f.Region),
		string(f.Connection), f.Skill, f.JobPreferences, timeScope(f.Since), timeScope(f.Until))
	c, err := s.cursors.read(sc, p.Cursor)
	if err != nil {
		return nil, err
	}
	if c != nil {
		f.After = sim.CandidateCursor{At: c.At, ID: c.ID}
	}
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.OrgCandidate, error) {
		return tx.OrgCandidates(ctx, req.OrgId.String(), f)
	})
	if err != nil {
		return nil, err
	}
	out := api.ListOrganisationCandidates200JSONResponse{Candidates: make([]api.OrgCandidate, len(list))}
	for i, c := range list {
		out.Candidates[i] = orgCandidateOut(c)
	}
	out.NextCursor = page(s.cursors, sc, list, pageLimit(p.Limit), func(c sim.OrgCandidate) position {
		return position{At: c.OpenedAt, ID: c.InterestID}
	})
	return out, nil
}

func interventionOut(r sim.RecordedIntervention) api.Intervention {
	out := api.Intervention{
		Id: uuid.MustParse(r.ID), Kind: api.InterventionKind(r.Kind), On: openapi_types.Date{Time: r.On},
		RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt,
	}
	if !r.EndsOn.IsZero() {
		out.EndsOn = &openapi_types.Date{Time: r.EndsOn}
	}
	if r.Kind == sim.InterventionInfoDay {
		out.Attended = &r.Attended
	}
	if r.Kind == sim.InterventionOffer {
		out.Direct = &r.Direct
	}
	if r.Reason != "" {
		reason := string(r.Reason)
		out.Reason = &reason
	}
	return out
}

func kindsOut(ks []sim.InterventionKind) []api.InterventionKind {
	out := make([]api.InterventionKind, len(ks))
	for i, k := range ks {
		out[i] = api.InterventionKind(k)
	}
	return out
}

// GetOrganisationCandidate returns a candidate's profile as the organisation sees it.
func (s *server) GetOrganisationCandidate(ctx context.Context, req api.GetOrganisationCandidateRequestObject) (api.GetOrganisationCandidateResponseObject, error) {
	p, err := within(s, ctx, func(tx *db.Tx) (sim.OrgCandidateProfile, error) {
		return tx.OrgCandidate(ctx, req.OrgId.String(), req.CandidateId, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	out := api.GetOrganisationCandidate200JSONResponse{
		Candidate: orgCandidateOut(p.OrgCandidate), Email: p.Email, Phone: p.Phone, JobPreferences: p.JobPreferences,
		Interviewed: p.Interviewed, WorkPlaced: p.WorkPlaced, Interventions: make([]api.Intervention, len(p.Interventions)),
		Allowed: kindsOut(p.Allowed),
	}
	if !p.RegisteredAt.IsZero() {
		out.RegisteredAt = &p.RegisteredAt
	}
	for i, r := range p.Interventions {
		out.Interventions[i] = interventionOut(r)
	}
	return out, nil
}

// RecordIntervention records support an organisation gave a candidate.
func (s *server) RecordIntervention(ctx context.Context, req api.RecordInterventionRequestObject) (api.RecordInterventionResponseObject, error) {
	b := req.Body
	iv := sim.Intervention{
		Kind: sim.InterventionKind(b.Kind), On: b.On.Time, Attended: deref(b.Attended), Direct: deref(b.Direct),
	}
	if b.EndsOn != nil {
		iv.EndsOn = b.EndsOn.Time
	}
	if b.Reason != nil {
		iv.Reason = sim.NotProgressedReason(*b.Reason)
	}
	type recorded struct {
		iv    sim.RecordedIntervention
		state sim.InterestState
	}
	r, err := within(s, ctx, func(tx *db.Tx) (recorded, error) {
		iv, state, err := tx.InterventionRecord(ctx, req.OrgId.String(), req.CandidateId, iv, s.cfg.Now())
		return recorded{iv, state}, err
	})
	if err != nil {
		return nil, err
	}
	return api.RecordIntervention201JSONResponse{
		Intervention: interventionOut(r.iv), State: api.InterestState(r.state), Allowed: kindsOut(sim.AllowedInterventions(r.state)),
	}, nil
}
