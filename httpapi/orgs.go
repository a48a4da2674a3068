package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Organisations, their agreements and people, the code of conduct, and
// the operator's audit and login trails.

func orgDetailsIn(b api.OrganisationDetails) sim.OrgDetails {
	d := sim.OrgDetails{Name: b.Name, Type: sim.OrgType(b.Type), Region: sim.Region(b.Region), Active: b.Active}
	if b.PledgedOn != nil {
		d.PledgeOn = b.PledgedOn.Time
	}
	return d
}

func orgOut(o sim.Organisation) api.Organisation {
	out := api.Organisation{
		Id: uuid.MustParse(o.ID), Name: o.Name, Type: api.OrganisationType(o.Type), Region: string(o.Region),
		Active: o.Active, MailboxVerified: o.MailboxVerified, Onboarding: api.OrganisationOnboarding(o.Onboarding),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
	if o.Pledged() {
		out.PledgedOn = &openapi_types.Date{Time: o.PledgeOn}
	}
	if o.Mailbox != "" {
		out.Mailbox = &o.Mailbox
	}
	return out
}

// ListPledgedOrganisations lists the active pledged organisations.
func (s *server) ListPledgedOrganisations(ctx context.Context, _ api.ListPledgedOrganisationsRequestObject) (api.ListPledgedOrganisationsResponseObject, error) {
	orgs, err := within(s, ctx, func(tx *db.Tx) ([]sim.Organisation, error) { return tx.OrgListPledged(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.ListPledgedOrganisations200JSONResponse{Organisations: make([]api.PledgedOrganisation, len(orgs))}
	for i, o := range orgs {
		out.Organisations[i] = api.PledgedOrganisation{Id: uuid.MustParse(o.ID), Name: o.Name, Type: api.PledgedOrganisationType(o.Type), Region: string(o.Region)}
	}
	return out, nil
}

// CreateOrganisation records an organisation.
func (s *server) CreateOrganisation(ctx context.Context, req api.CreateOrganisationRequestObject) (api.CreateOrganisationResponseObject, error) {
	o, err := within(s, ctx, func(tx *db.Tx) (sim.Organisation, error) {
		return tx.OrgCreate(ctx, orgDetailsIn(*req.Body), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.CreateOrganisation201JSONResponse(orgOut(o)), nil
}

// ListOrganisations lists organisations by name, a page at a time.
func (s *server) ListOrganisations(ctx context.Context, req api.ListOrganisationsRequestObject) (api.ListOrganisationsResponseObject, error) {
	var state sim.OnboardingState
	if req.Params.Onboarding != nil {
		state = sim.OnboardingState(*req.Params.Onboarding)
	}
	sc := scope("organisations", string(state))
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after db.OrgCursor
	if c != nil {
		after = db.OrgCursor{Name: c.Name, ID: c.ID}
	}
	limit := pageLimit(req.Params.Limit)
	orgs, err := within(s, ctx, func(tx *db.Tx) ([]sim.Organisation, error) { return tx.OrgList(ctx, state, after, limit) })
	if err != nil {
		return nil, err
	}
	out := api.ListOrganisations200JSONResponse{Organisations: make([]api.Organisation, len(orgs))}
	for i, o := range orgs {
		out.Organisations[i] = orgOut(o)
	}
	out.NextCursor = page(s.cursors, sc, orgs, limit, func(o sim.Organisation) position { return position{Name: o.Name, ID: o.ID} })
	return out, nil
}

// GetOrganisation returns one organisation.
func (s *server) GetOrganisation(ctx context.Context, req api.GetOrganisationRequestObject) (api.GetOrganisationResponseObject, error) {
	o, err := within(s, ctx, func(tx *db.Tx) (sim.Organisation, error) { return tx.OrgGet(ctx, req.OrgId.String()) })
	if err != nil {
		return nil, err
	}
	return api.GetOrganisation200JSONResponse(orgOut(o)), nil
}

// UpdateOrganisation replaces an organisation's details.
func (s *server) UpdateOrganisation(ctx context.Context, req api.UpdateOrganisationRequestObject) (api.UpdateOrganisationResponseObject, error) {
	o, err := within(s, ctx, func(tx *db.Tx) (sim.Organisation, error) {
		return tx.OrgUpdate(ctx, req.OrgId.String(), orgDetailsIn(*req.Body), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateOrganisation200JSONResponse(orgOut(o)), nil
}

func agreementOut(a sim.Agreement) api.Agreement {
	out := api.Agreement{
		Id: uuid.MustParse(a.ID), OrgId: uuid.MustParse(a.OrgID), Version: a.Version, SignedName: a.SignedName,
		SignatoryName: a.SignatoryName, SignatoryRole: a.SignatoryRole, SignedOn: openapi_types.Date{Time: a.SignedOn},
		RecordedAt: a.RecordedAt,
	}
	if len(a.DocumentSHA256) > 0 {
		sum := hex.EncodeToString(a.DocumentSHA256)
		out.DocumentSha256, out.DocumentType = &sum, &a.DocumentType
	}
	return out
}

func contactIn(c *api.Contact) *sim.Contact {
	if c == nil {
		return nil
	}
	return &sim.Contact{Name: c.Name, Email: c.Email}
}

// RecordAgreement records a signed data-sharing agreement.
func (s *server) RecordAgreement(ctx context.Context, req api.RecordAgreementRequestObject) (api.RecordAgreementResponseObject, error) {
	b := req.Body
	d := sim.AgreementDetails{
		Version: b.Version, SignedName: b.SignedName, SignatoryName: b.SignatoryName, SignatoryRole: b.SignatoryRole,
		SignedOn: b.SignedOn.Time,
	}
	if b.DocumentBase64 != nil {
		doc, err := base64.StdEncoding.DecodeString(*b.DocumentBase64)
		if err != nil {
			return nil, sim.FieldError("document_base64", "document_base64 must be standard base64")
		}
		d.Document = doc
		if b.DocumentType == nil {
			return nil, sim.FieldError("document_type", "document_type is required with a document")
		}
		d.DocumentType = string(*b.DocumentType)
	}
	rec, err := within(s, ctx, func(tx *db.Tx) (db.AgreementRecorded, error) {
		return tx.AgreementRecord(ctx, req.OrgId.String(), d, contactIn(b.InitialAdmin), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	out := api.RecordAgreement201JSONResponse{Agreement: agreementOut(rec.Agreement)}
	if rec.Onboarding != nil {
		id := uuid.MustParse(rec.Onboarding.ID)
		out.OnboardingInvitationId = &id
	}
	return out, nil
}

// ListAgreements lists an organisation's agreements.
func (s *server) ListAgreements(ctx context.Context, req api.ListAgreementsRequestObject) (api.ListAgreementsResponseObject, error) {
	as, err := within(s, ctx, func(tx *db.Tx) ([]sim.Agreement, error) { return tx.AgreementList(ctx, req.OrgId.String()) })
	if err != nil {
		return nil, err
	}
	out := api.ListAgreements200JSONResponse{Agreements: make([]api.Agreement, len(as))}
	for i, a := range as {
		out.Agreements[i] = agreementOut(a)
	}
	return out, nil
}

func invitationOut(inv sim.AccountInvitation) api.AccountInvitation {
	return api.AccountInvitation{
		Id: uuid.MustParse(inv.ID), OrgId: uuid.MustParse(inv.OrgID), Role: api.AccountInvitationRole(inv.Role), ExpiresAt: inv.ExpiresAt,
	}
}

// ReissueOnboarding invites an organisation's initial administrator again.
func (s *server) ReissueOnboarding(ctx context.Context, req api.ReissueOnboardingRequestObject) (api.ReissueOnboardingResponseObject, error) {
	inv, err := within(s, ctx, func(tx *db.Tx) (sim.AccountInvitation, error) {
		return tx.OnboardingReissue(ctx, req.OrgId.String(), *contactIn(&req.Body.InitialAdmin), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.ReissueOnboarding201JSONResponse(invitationOut(inv)), nil
}

func orgUserOut(p sim.OrgPerson) api.OrganisationUser {
	return api.OrganisationUser{
		Id: uuid.MustParse(p.ID), OrgId: uuid.MustParse(p.OrgID), Role: api.OrganisationUserRole(p.Role),
		Name: p.Name, Email: p.Email, Disabled: p.Disabled,
	}
}

// ListOrganisationUsers lists an organisation's users.
func (s *server) ListOrganisationUsers(ctx context.Context, req api.ListOrganisationUsersRequestObject) (api.ListOrganisationUsersResponseObject, error) {
	ps, err := within(s, ctx, func(tx *db.Tx) ([]sim.OrgPerson, error) { return tx.OrgPeople(ctx, req.OrgId.String()) })
	if err != nil {
		return nil, err
	}
	out := api.ListOrganisationUsers200JSONResponse{Users: make([]api.OrganisationUser, len(ps))}
	for i, p := range ps {
		out.Users[i] = orgUserOut(p)
	}
	return out, nil
}

// ownOrg is nil when orgID is the actor's own organisation, and otherwise
// ErrNotFound, exactly as for a missing one.
func ownOrg(ctx context.Context, orgID openapi_types.UUID) error {
	if a := actor(ctx); a.Role.OrgRole() && a.OrgID == orgID.String() {
		return nil
	}
	if err := sim.Authorize(actor(ctx), sim.PermManageOrgPeople); err != nil {
		return err
	}
	return sim.ErrNotFound
}

// UpdateOrganisationUser changes a user's role or disabled state.
func (s *server) UpdateOrganisationUser(ctx context.Context, req api.UpdateOrganisationUserRequestObject) (api.UpdateOrganisationUserResponseObject, error) {
	if err := ownOrg(ctx, req.OrgId); err != nil {
		return nil, err
	}
	p, err := within(s, ctx, func(tx *db.Tx) (sim.OrgPerson, error) {
		return tx.OrgPersonUpdate(ctx, req.UserId.String(), db.OrgPersonChange{Role: sim.Role(req.Body.Role), Disabled: req.Body.Disabled}, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateOrganisationUser200JSONResponse(orgUserOut(p)), nil
}

// InviteOrganisationUser invites a colleague to the admin's organisation.
func (s *server) InviteOrganisationUser(ctx context.Context, req api.InviteOrganisationUserRequestObject) (api.InviteOrganisationUserResponseObject, error) {
	if err := ownOrg(ctx, req.OrgId); err != nil {
		return nil, err
	}
	inv, err := within(s, ctx, func(tx *db.Tx) (sim.AccountInvitation, error) {
		return tx.OrgInvite(ctx, sim.Contact{Name: req.Body.Name, Email: req.Body.Email}, sim.Role(req.Body.Role), s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.InviteOrganisationUser201JSONResponse(invitationOut(inv)), nil
}

// AcceptAccountInvitation sets up an organisation account with a link.
func (s *server) AcceptAccountInvitation(ctx context.Context, req api.AcceptAccountInvitationRequestObject) (api.AcceptAccountInvitationResponseObject, error) {
	if err := s.registrationAttempts.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	out, err := s.cfg.Store.AcceptAccountInvitation(ctx, db.AccountSetup{Token: req.Body.Token, Password: req.Body.Password, IP: clientFrom(ctx).IP, Now: s.cfg.Now()})
	if err != nil {
		return nil, err
	}
	return api.AcceptAccountInvitation201JSONResponse{
		UserId: uuid.MustParse(out.UserID), OrgId: uuid.MustParse(out.OrgID), Role: api.AccountCreatedRole(out.Role),
	}, nil
}

func versionOut(v db.AgreementVersion) api.AgreementVersion {
	out := api.AgreementVersion{Version: v.Version, AddedAt: v.AddedAt, Accepted: v.RetiredAt.IsZero()}
	if !v.RetiredAt.IsZero() {
		out.RetiredAt = &v.RetiredAt
	}
	return out
}

// ListAgreementVersions lists the versions of the agreement.
func (s *server) ListAgreementVersions(ctx context.Context, _ api.ListAgreementVersionsRequestObject) (api.ListAgreementVersionsResponseObject, error) {
	vs, err := within(s, ctx, func(tx *db.Tx) ([]db.AgreementVersion, error) { return tx.AgreementVersions(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.ListAgreementVersions200JSONResponse{Versions: make([]api.AgreementVersion, len(vs))}
	for i, v := range vs {
		out.Versions[i] = versionOut(v)
	}
	return out, nil
}

// AddAgreementVersion adds an accepted version of the agreement.
func (s *server) AddAgreementVersion(ctx context.Context, req api.AddAgreementVersionRequestObject) (api.AddAgreementVersionResponseObject, error) {
	now := s.cfg.Now()
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.AgreementVersionAdd(ctx, req.Body.Version, now) }); err != nil {
		return nil, err
	}
	return api.AddAgreementVersion201JSONResponse(versionOut(db.AgreementVersion{Version: req.Body.Version, AddedAt: now})), nil
}

// RetireAgreementVersion stops accepting a version of the agreement.
func (s *server) RetireAgreementVersion(ctx context.Context, req api.RetireAgreementVersionRequestObject) (api.RetireAgreementVersionResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.AgreementVersionRetire(ctx, req.Version, s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.RetireAgreementVersion204Response{}, nil
}

func conductOut(c db.Conduct) api.CodeOfConduct {
	out := api.CodeOfConduct{Version: c.Version, Body: c.Body, PublishedAt: c.PublishedAt}
	if !c.AcceptedAt.IsZero() {
		out.AcceptedAt = &c.AcceptedAt
	}
	return out
}

// GetCodeOfConduct returns the code of conduct.
func (s *server) GetCodeOfConduct(ctx context.Context, _ api.GetCodeOfConductRequestObject) (api.GetCodeOfConductResponseObject, error) {
	c, err := within(s, ctx, func(tx *db.Tx) (db.Conduct, error) { return tx.ConductCurrent(ctx) })
	if err != nil {
		return nil, err
	}
	return api.GetCodeOfConduct200JSONResponse(conductOut(c)), nil
}

// AcceptCodeOfConduct records the caller's acceptance of the code of conduct.
func (s *server) AcceptCodeOfConduct(ctx context.Context, req api.AcceptCodeOfConductRequestObject) (api.AcceptCodeOfConductResponseObject, error) {
	c, err := within(s, ctx, func(tx *db.Tx) (db.Conduct, error) { return tx.ConductAccept(ctx, req.Body.Version, s.cfg.Now()) })
	if err != nil {
		return nil, err
	}
	return api.AcceptCodeOfConduct200JSONResponse(conductOut(c)), nil
}

func optUUID(p *openapi_types.UUID) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func optTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func optIDOut(s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id := uuid.MustParse(s)
	return &id
}

// ListAuditEvents returns a page of the audit trail.
func (s *server) ListAuditEvents(ctx context.Context, req api.ListAuditEventsRequestObject) (api.ListAuditEventsResponseObject, error) {
	p := req.Params
	f := sim.AuditFilter{
		UserID: optUUID(p.UserId), OrgID: optUUID(p.OrgId), ObjectID: optUUID(p.ObjectId),
		Since: optTime(p.Since), Until: optTime(p.Until), Limit: pageLimit(p.Limit),
	}
	sc := scope("audit-events", f.UserID, f.OrgID, f.ObjectID, timeScope(f.Since), timeScope(f.Until))
	c, err := s.cursors.read(sc, p.Cursor)
	if err != nil {
		return nil, err
	}
	if c != nil {
		f.After = c.Seq
	}
	es, err := within(s, ctx, func(tx *db.Tx) ([]sim.AuditEvent, error) { return tx.AuditList(ctx, f) })
	if err != nil {
		return nil, err
	}
	out := api.ListAuditEvents200JSONResponse{Events: make([]api.AuditEvent, len(es))}
	for i, e := range es {
		out.Events[i] = api.AuditEvent{
			Seq: e.Seq, OccurredAt: e.OccurredAt, ActorId: optIDOut(e.ActorID), ActorRole: string(e.ActorRole),
			ActorOrgId: optIDOut(e.ActorOrgID), Action: string(e.Action), ObjectType: string(e.ObjectType),
			ObjectId: uuid.MustParse(e.ObjectID), OrgId: optIDOut(e.OrgID), Ip: e.IP, Hash: hex.EncodeToString(e.Hash),
		}
		if e.Detail != "" {
			detail := e.Detail
			out.Events[i].Detail = &detail
		}
	}
	out.NextCursor = page(s.cursors, sc, es, f.Limit, func(e sim.AuditEvent) position { return position{Seq: e.Seq} })
	return out, nil
}

// VerifyAuditTrail recomputes the audit chain.
func (s *server) VerifyAuditTrail(ctx context.Context, _ api.VerifyAuditTrailRequestObject) (api.VerifyAuditTrailResponseObject, error) {
	v, err := within(s, ctx, func(tx *db.Tx) (db.AuditVerification, error) { return tx.AuditVerify(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.VerifyAuditTrail200JSONResponse{Intact: v.BrokenAt == 0, Rows: v.Rows}
	if v.BrokenAt != 0 {
		out.BrokenAt, out.Reason = &v.BrokenAt, &v.Reason
	}
	return out, nil
}

// ListLoginEvents returns a page of the login trail.
func (s *server) ListLoginEvents(ctx context.Context, req api.ListLoginEventsRequestObject) (api.ListLoginEventsResponseObject, error) {
	p := req.Params
	f := sim.AuditFilter{UserID: optUUID(p.UserId), OrgID: optUUID(p.OrgId), Since: optTime(p.Since), Until: optTime(p.Until), Limit: pageLimit(p.Limit)}
	sc := scope("login-events", f.UserID, f.OrgID, timeScope(f.Since), timeScope(f.Until))
	c, err := s.cursors.read(sc, p.Cursor)
	if err != nil {
		return nil, err
	}
	var before db.LoginCursor
	if c != nil {
		before = db.LoginCursor{At: c.At, ID: c.ID}
	}
	es, err := within(s, ctx, func(tx *db.Tx) ([]db.LoginRecord, error) { return tx.LoginTrail(ctx, f, before) })
	if err != nil {
		return nil, err
	}
	out := api.ListLoginEvents200JSONResponse{Events: make([]api.LoginEvent, len(es))}
	for i, e := range es {
		out.Events[i] = api.LoginEvent{
			Id: uuid.MustParse(e.ID), UserId: optIDOut(e.UserID), Outcome: api.LoginEventOutcome(e.Outcome),
			Ip: e.IP, UserAgent: e.UserAgent, OccurredAt: e.OccurredAt,
		}
	}
	out.NextCursor = page(s.cursors, sc, es, f.Limit, func(e db.LoginRecord) position { return position{At: e.OccurredAt, ID: e.ID} })
	return out, nil
}

const resetAccepted = "If this address has an account, a link to reset its password is on its way to it."

// RequestPasswordReset records a request for a reset link and answers at
// once, the same way for every address: the PasswordReset workflow
// decides afterwards whether to send one.
func (s *server) RequestPasswordReset(ctx context.Context, req api.RequestPasswordResetRequestObject) (api.RequestPasswordResetResponseObject, error) {
	if err := s.resetRequests.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.ResetRequestCreate(ctx, req.Body.Email, s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.RequestPasswordReset202JSONResponse{Message: resetAccepted}, nil
}

// CompletePasswordReset sets a new password with a reset link.
func (s *server) CompletePasswordReset(ctx context.Context, req api.CompletePasswordResetRequestObject) (api.CompletePasswordResetResponseObject, error) {
	if err := s.registrationAttempts.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.ResetPassword(ctx, req.Body.Token, req.Body.Password, clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	return api.CompletePasswordReset204Response{}, nil
}

// ChangePassword changes the signed-in user's password.
func (s *server) ChangePassword(ctx context.Context, req api.ChangePasswordRequestObject) (api.ChangePasswordResponseObject, error) {
	sess, _ := ctx.Value(sessionKey).(sim.Session)
	if err := s.cfg.Store.ChangePassword(ctx, actor(ctx), sess.ID, req.Body.CurrentPassword, req.Body.NewPassword, s.cfg.Now()); err != nil {
		return nil, err
	}
	return api.ChangePassword204Response{}, nil
}

// StartMfaEnrolment gives the caller a new pending TOTP secret.
func (s *server) StartMfaEnrolment(ctx context.Context, _ api.StartMfaEnrolmentRequestObject) (api.StartMfaEnrolmentResponseObject, error) {
	e, err := within(s, ctx, func(tx *db.Tx) (db.MFAEnrolment, error) { return tx.MFAEnrolStart(ctx, s.cfg.Issuer, s.cfg.Now()) })
	if err != nil {
		return nil, err
	}
	return api.StartMfaEnrolment201JSONResponse{Secret: e.Secret, OtpauthUrl: e.URL}, nil
}

// ConfirmMfaEnrolment turns two-factor sign-in on.
func (s *server) ConfirmMfaEnrolment(ctx context.Context, req api.ConfirmMfaEnrolmentRequestObject) (api.ConfirmMfaEnrolmentResponseObject, error) {
	codes, err := within(s, ctx, func(tx *db.Tx) ([]string, error) { return tx.MFAEnrolConfirm(ctx, req.Body.Code, s.cfg.Now()) })
	if err != nil {
		return nil, err
	}
	return api.ConfirmMfaEnrolment200JSONResponse{RecoveryCodes: codes}, nil
}

// RemoveMfa turns two-factor sign-in off.
func (s *server) RemoveMfa(ctx context.Context, req api.RemoveMfaRequestObject) (api.RemoveMfaResponseObject, error) {
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.MFARemove(ctx, req.Body.Code, s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.RemoveMfa204Response{}, nil
}

// SetOrganisationMailbox sets the organisation's group mailbox.
func (s *server) SetOrganisationMailbox(ctx context.Context, req api.SetOrganisationMailboxRequestObject) (api.SetOrganisationMailboxResponseObject, error) {
	if err := ownOrg(ctx, req.OrgId); err != nil {
		return nil, err
	}
	o, err := within(s, ctx, func(tx *db.Tx) (sim.Organisation, error) {
		return tx.MailboxSet(ctx, req.OrgId.String(), req.Body.Email, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.SetOrganisationMailbox200JSONResponse(orgOut(o)), nil
}

// VerifyMailbox verifies a group mailbox with its link.
func (s *server) VerifyMailbox(ctx context.Context, req api.VerifyMailboxRequestObject) (api.VerifyMailboxResponseObject, error) {
	if err := s.registrationAttempts.allow(clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.VerifyMailbox(ctx, req.Body.Token, clientFrom(ctx).IP, s.cfg.Now()); err != nil {
		return nil, err
	}
	return api.VerifyMailbox204Response{}, nil
}
