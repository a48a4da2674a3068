package httpapi

import (
	"context"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Handlers are thin: decode, call the data layer in one transaction as
// the request's actor, encode. The workflows a change causes are written
// to the outbox in that transaction; no handler calls Temporal.

// Login signs in and returns a new session token.
func (s *server) Login(ctx context.Context, req api.LoginRequestObject) (api.LoginResponseObject, error) {
	c := clientFrom(ctx)
	res, err := s.cfg.Store.Login(ctx, db.LoginAttempt{
		Email: req.Body.Email, Password: req.Body.Password, IP: c.IP, UserAgent: c.UserAgent, Now: s.cfg.Now(),
		OTP: deref(req.Body.Otp),
	})
	if err != nil {
		return nil, err
	}
	return api.Login201JSONResponse{Token: res.Token, ExpiresAt: res.Session.ExpiresAt, User: userOut(res.User, res.Session.Restriction)}, nil
}

// Logout ends the caller's session.
func (s *server) Logout(ctx context.Context, _ api.LogoutRequestObject) (api.LogoutResponseObject, error) {
	sess, _ := ctx.Value(sessionKey).(sim.Session)
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.SessionEnd(ctx, sess.ID) }); err != nil {
		return nil, err
	}
	return api.Logout204Response{}, nil
}

// CreateInvitation lets the operator invite a person by email. The
// Invitation workflow, which sends the link and enforces the window, is
// started through the outbox.
func (s *server) CreateInvitation(ctx context.Context, req api.CreateInvitationRequestObject) (api.CreateInvitationResponseObject, error) {
	window := s.cfg.InvitationWindow
	if ws := req.Body.WindowSeconds; ws != nil {
		window = time.Duration(*ws) * time.Second // the document bounds it
	}
	inv, err := within(s, ctx, func(tx *db.Tx) (sim.Invitation, error) {
		return tx.InvitationCreate(ctx, db.InvitationRequest{Email: req.Body.Email, Window: window, Now: s.cfg.Now()})
	})
	if err != nil {
		return nil, err
	}
	return api.CreateInvitation201JSONResponse{Id: uuid.MustParse(inv.ID), ExpiresAt: inv.ExpiresAt}, nil
}

const registrationAccepted = "If this address can register, a registration link is on its way to it."

// RequestRegistration records a person's request for a registration link
// and answers at once, the same way for every address: the
// RegistrationRequest workflow decides afterwards whether to send a new
// link, a further one, or nothing.
func (s *server) RequestRegistration(ctx context.Context, req api.RequestRegistrationRequestObject) (api.RequestRegistrationResponseObject, error) {
	if err := s.registrationRequests.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	if err := s.inTx(ctx, func(tx *db.Tx) error {
		return tx.RegistrationRequestCreate(ctx, req.Body.Email, s.cfg.Now())
	}); err != nil {
		return nil, err
	}
	return api.RequestRegistration202JSONResponse{Message: registrationAccepted}, nil
}

// GetConsentText returns the consent wording to show at registration.
func (s *server) GetConsentText(ctx context.Context, _ api.GetConsentTextRequestObject) (api.GetConsentTextResponseObject, error) {
	t, err := within(s, ctx, func(tx *db.Tx) (db.ConsentText, error) { return tx.ConsentTextCurrent(ctx) })
	if err != nil {
		return nil, err
	}
	return api.GetConsentText200JSONResponse{Version: t.Version, Purpose: t.Purpose, Body: t.Body}, nil
}

// Register completes a registration with the token from the link. The
// Invitation workflow hears of it through the outbox.
func (s *server) Register(ctx context.Context, req api.RegisterRequestObject) (api.RegisterResponseObject, error) {
	if err := s.registrationAttempts.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	b := req.Body
	out, err := s.cfg.Store.Register(ctx, db.Registration{
		Token: b.Token, Password: b.Password, Profile: profileIn(b.Profile),
		ConsentVersion: b.Consent.TextVersion, ConsentGiven: b.Consent.Given, Now: s.cfg.Now(),
	})
	if err != nil {
		return nil, err
	}
	return api.Register201JSONResponse{CandidateId: uuid.MustParse(out.CandidateID)}, nil
}

// GetMe returns the signed-in user and, for a candidate, their record.
func (s *server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	me, err := within(s, ctx, func(tx *db.Tx) (db.Me, error) { return tx.Me(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.GetMe200JSONResponse{User: userOut(me.User, me.Restriction)}
	if me.Candidate != nil {
		c := candidateOut(*me.Candidate)
		out.Candidate = &c
	}
	return out, nil
}

// UpdateProfile replaces the signed-in candidate's whole profile.
func (s *server) UpdateProfile(ctx context.Context, req api.UpdateProfileRequestObject) (api.UpdateProfileResponseObject, error) {
	c, err := within(s, ctx, func(tx *db.Tx) (sim.Candidate, error) {
		return tx.ProfileReplace(ctx, profileIn(*req.Body), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateProfile200JSONResponse(candidateOut(c)), nil
}

// userOut is a user as the API shows them to themselves: who they are,
// their organisation, and what holds them back, if anything.
func userOut(u sim.User, r sim.Restriction) api.User {
	out := api.User{Id: uuid.MustParse(u.ID), Role: api.UserRole(u.Role), Email: u.Email}
	if u.Name != "" {
		out.Name = &u.Name
	}
	if u.OrgID != "" {
		id := uuid.MustParse(u.OrgID)
		out.OrgId = &id
		out.OrgName = &u.OrgName
	}
	if r != "" {
		out.Restriction = &api.Restriction{Code: api.RestrictionCode(r), Message: r.Message()}
	}
	return out
}

func profileIn(p api.Profile) sim.Profile {
	out := sim.Profile{
		FirstName:   p.FirstName,
		LastName:    p.LastName,
		DateOfBirth: p.DateOfBirth.Time,
		Connection:  sim.Connection(p.Connection),
		Region:      sim.Region(p.Region),
		HeardAbout:  sim.Source(p.HeardAbout),
	}
	if p.Phone != nil {
		out.Phone = *p.Phone
	}
	if p.Skills != nil {
		out.Skills = *p.Skills
	}
	if p.JobPreferences != nil {
		out.JobPreferences = *p.JobPreferences
	}
	return out
}

func profileOut(p sim.Profile) api.Profile {
	out := api.Profile{
		FirstName:   p.FirstName,
		LastName:    p.LastName,
		DateOfBirth: openapi_types.Date{Time: p.DateOfBirth},
		Connection:  api.ProfileConnection(p.Connection),
		Region:      api.ProfileRegion(p.Region),
		HeardAbout:  api.ProfileHeardAbout(p.HeardAbout),
	}
	skills := append([]string{}, p.Skills...)
	out.Skills = &skills
	if p.Phone != "" {
		out.Phone = &p.Phone
	}
	if p.JobPreferences != "" {
		out.JobPreferences = &p.JobPreferences
	}
	return out
}

func candidateOut(c sim.Candidate) api.Candidate {
	out := api.Candidate{
		Id:        uuid.MustParse(c.ID),
		Status:    api.CandidateStatus(c.Status),
		Profile:   profileOut(c.Profile),
		InvitedAt: c.InvitedAt,
	}
	if !c.RegisteredAt.IsZero() {
		t := c.RegisteredAt
		out.RegisteredAt = &t
	}
	if c.Consent.TextVersion != "" {
		out.Consent = &api.Consent{TextVersion: c.Consent.TextVersion, Given: c.Consent.Given, RecordedAt: c.Consent.RecordedAt}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
