package httpapi

import (
	"context"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Login signs in and returns a new session token.
func (s *Server) Login(ctx context.Context, req LoginRequestObject) (LoginResponseObject, error) {
	c := clientFrom(ctx)
	res, err := s.cfg.Store.Login(ctx, db.LoginAttempt{
		Email: req.Body.Email, Password: req.Body.Password, IP: c.IP, UserAgent: c.UserAgent, Now: s.cfg.Now(),
	})
	if err != nil {
		return nil, err
	}
	return Login201JSONResponse{Token: res.Token, ExpiresAt: res.Session.ExpiresAt, User: userOut(res.User)}, nil
}

// Logout ends the caller's session.
func (s *Server) Logout(ctx context.Context, _ LogoutRequestObject) (LogoutResponseObject, error) {
	if err := s.cfg.Store.Logout(ctx, sessionFrom(ctx)); err != nil {
		return nil, err
	}
	return Logout204Response{}, nil
}

// CreateInvitation lets the operator invite a person by email and starts
// the Invitation workflow that sends the link and enforces the window.
func (s *Server) CreateInvitation(ctx context.Context, req CreateInvitationRequestObject) (CreateInvitationResponseObject, error) {
	window := s.cfg.InvitationWindow
	if ws := req.Body.WindowSeconds; ws != nil {
		if *ws < 1 || *ws > int64(sim.MaxInvitationWindow/time.Second) {
			return nil, sim.CheckInvitationWindow(0) // the out-of-range error
		}
		window = time.Duration(*ws) * time.Second
	}
	inv, err := s.cfg.Store.CreateInvitation(ctx, sessionFrom(ctx).Actor(), db.InvitationRequest{
		Email: req.Body.Email, Window: window, Now: s.cfg.Now(),
	})
	if err != nil {
		return nil, err
	}
	if err := s.startInvitation(ctx, inv); err != nil {
		return nil, err
	}
	return CreateInvitation201JSONResponse{Id: uuid.MustParse(inv.ID), ExpiresAt: inv.ExpiresAt}, nil
}

// startInvitation starts the workflow; if it cannot, the invitation is
// discarded so nothing is left that no workflow would ever send or expire.
func (s *Server) startInvitation(ctx context.Context, inv sim.Invitation) error {
	err := s.cfg.Engine.StartInvitation(ctx, inv)
	if err == nil {
		return nil
	}
	s.log.ErrorContext(ctx, "start invitation workflow", "invitation_id", inv.ID, "error", err.Error())
	if derr := s.cfg.Store.DiscardInvitation(context.WithoutCancel(ctx), inv.ID); derr != nil {
		s.log.ErrorContext(ctx, "discard invitation after failed start", "invitation_id", inv.ID, "error", derr.Error())
	}
	return unavailable("the workflow engine is not available, so nothing was saved: try again shortly")
}

const registrationAccepted = "If this address can register, a registration link is on its way to it."

// RequestRegistration sends a registration link to a person who asked for
// one, or a fresh one if their address already has an unused invitation
// (they may have lost the email). It answers the same whether or not the
// address is known.
func (s *Server) RequestRegistration(ctx context.Context, req RequestRegistrationRequestObject) (RequestRegistrationResponseObject, error) {
	if err := s.registrationRequests.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	inv, outcome, err := s.cfg.Store.RequestRegistration(ctx, db.InvitationRequest{
		Email: req.Body.Email, Window: s.cfg.InvitationWindow, Now: s.cfg.Now(),
	})
	if err != nil {
		return nil, err
	}
	switch {
	case outcome == db.RequestCreated:
		if err := s.startInvitation(ctx, inv); err != nil {
			return nil, err
		}
	case outcome == db.RequestPending && inv.ID != "":
		// Failing here is logged, not answered: a different answer would
		// tell the caller that the address has an invitation.
		if err := s.cfg.Engine.ResendInvitation(ctx, inv.ID); err != nil {
			s.log.ErrorContext(ctx, "start invitation resend", "invitation_id", inv.ID, "error", err.Error())
		}
	}
	return RequestRegistration202JSONResponse{Message: registrationAccepted}, nil
}

// GetConsentText returns the consent wording to show at registration.
func (s *Server) GetConsentText(ctx context.Context, _ GetConsentTextRequestObject) (GetConsentTextResponseObject, error) {
	t, err := s.cfg.Store.CurrentConsentText(ctx)
	if err != nil {
		return nil, err
	}
	return GetConsentText200JSONResponse{Version: t.Version, Purpose: t.Purpose, Body: t.Body}, nil
}

// Register completes a registration with the token from the link.
func (s *Server) Register(ctx context.Context, req RegisterRequestObject) (RegisterResponseObject, error) {
	b := req.Body
	out, err := s.cfg.Store.Register(ctx, db.Registration{
		Token: b.Token, Password: b.Password, Profile: profileIn(b.Profile),
		ConsentVersion: b.Consent.TextVersion, ConsentGiven: b.Consent.Given, Now: s.cfg.Now(),
	})
	if err != nil {
		return nil, err
	}
	// The registration is committed; if the signal is lost, the workflow
	// learns of it from the database when its timer fires.
	if err := s.cfg.Engine.SignalRegistered(ctx, out.InvitationID); err != nil {
		s.log.WarnContext(ctx, "signal invitation workflow", "invitation_id", out.InvitationID, "error", err.Error())
	}
	return Register201JSONResponse{CandidateId: uuid.MustParse(out.CandidateID)}, nil
}

// GetMe returns the signed-in user and, for a candidate, their record.
func (s *Server) GetMe(ctx context.Context, _ GetMeRequestObject) (GetMeResponseObject, error) {
	me, err := s.cfg.Store.Me(ctx, sessionFrom(ctx).Actor())
	if err != nil {
		return nil, err
	}
	out := GetMe200JSONResponse{User: userOut(me.User)}
	if me.Candidate != nil {
		c := candidateOut(*me.Candidate)
		out.Candidate = &c
	}
	return out, nil
}

// UpdateProfile replaces the signed-in candidate's profile.
func (s *Server) UpdateProfile(ctx context.Context, req UpdateProfileRequestObject) (UpdateProfileResponseObject, error) {
	c, err := s.cfg.Store.UpdateProfile(ctx, sessionFrom(ctx).Actor(), profileIn(*req.Body), s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return UpdateProfile200JSONResponse(candidateOut(c)), nil
}

func userOut(u sim.User) User {
	return User{Id: uuid.MustParse(u.ID), Role: UserRole(u.Role), Email: u.Email}
}

func profileIn(p Profile) sim.Profile {
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

func profileOut(p sim.Profile) Profile {
	out := Profile{
		FirstName:   p.FirstName,
		LastName:    p.LastName,
		DateOfBirth: openapi_types.Date{Time: p.DateOfBirth},
		Connection:  ProfileConnection(p.Connection),
		Region:      ProfileRegion(p.Region),
		HeardAbout:  ProfileHeardAbout(p.HeardAbout),
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

func candidateOut(c sim.Candidate) Candidate {
	out := Candidate{
		Id:        uuid.MustParse(c.ID),
		Status:    CandidateStatus(c.Status),
		Profile:   profileOut(c.Profile),
		InvitedAt: c.InvitedAt,
	}
	if !c.RegisteredAt.IsZero() {
		t := c.RegisteredAt
		out.RegisteredAt = &t
	}
	if c.Consent.TextVersion != "" {
		out.Consent = &Consent{TextVersion: c.Consent.TextVersion, Given: c.Consent.Given, RecordedAt: c.Consent.RecordedAt}
	}
	return out
}
