package db

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Organisations: the operator records them and their signed data-sharing
// agreements; anyone lists the active pledged ones; the first agreement
// that matches an organisation starts its onboarding.

func orgFromInternal(o dbgen.Organisation) sim.Organisation {
	return sim.Organisation{
		ID: o.ID.String(), Name: o.Name, Type: sim.OrgType(o.Type), Region: sim.Region(o.Region),
		PledgeOn: deref(o.PledgedOn), Active: o.Active, Mailbox: deref(o.Mailbox), MailboxVerified: o.MailboxVerifiedAt != nil,
		Onboarding: sim.OnboardingState(o.Onboarding), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
}

var errOrgNameTaken = sim.FieldError("name", "an organisation with that name is already on record")

// OrgCreate records an organisation. Operator only. EINVALID for bad
// details, including a name another organisation has (in any case).
func (tx *Tx) OrgCreate(ctx context.Context, d sim.OrgDetails, now time.Time) (sim.Organisation, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return sim.Organisation{}, err
	}
	d = d.Normalize()
	if err := d.Validate(now); err != nil {
		return sim.Organisation{}, err
	}
	o, err := tx.q.OrgCreate(ctx, tx.tx, dbgen.OrgCreateParams{
		ID: uuid.New(), Name: d.Name, Type: string(d.Type), Region: string(d.Region),
		PledgedOn: optionalTime(d.PledgeOn), Active: d.Active, Now: now,
	})
	if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
		return sim.Organisation{}, errOrgNameTaken
	} else if err != nil {
		return sim.Organisation{}, fmt.Errorf("insert organisation: %w", err)
	}
	if err := tx.audit(ctx, sim.AuditOrgCreated, sim.ObjectOrganisation, o.ID, &o.ID, now); err != nil {
		return sim.Organisation{}, err
	}
	return orgFromInternal(o), nil
}

// OrgUpdate replaces an organisation's details. Operator only. Renaming
// it suspends its users until an agreement in the new name is recorded.
func (tx *Tx) OrgUpdate(ctx context.Context, orgID string, d sim.OrgDetails, now time.Time) (sim.Organisation, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return sim.Organisation{}, err
	}
	id, err := parseID("org_id", orgID)
	if err != nil {
		return sim.Organisation{}, sim.ErrNotFound
	}
	d = d.Normalize()
	if err := d.Validate(now); err != nil {
		return sim.Organisation{}, err
	}
	old, err := tx.q.OrgGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return sim.Organisation{}, wrapNotFound("load organisation", err)
	}
	o, err := tx.q.OrgUpdate(ctx, tx.tx, dbgen.OrgUpdateParams{
		ID: id, Name: d.Name, Type: string(d.Type), Region: string(d.Region),
		PledgedOn: optionalTime(d.PledgeOn), Active: d.Active, Now: now,
	})
	if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
		return sim.Organisation{}, errOrgNameTaken
	} else if err != nil {
		return sim.Organisation{}, fmt.Errorf("update organisation: %w", err)
	}
	action := sim.AuditOrgUpdated
	if old.Name != o.Name {
		action = sim.AuditOrgRenamed
	}
	if err := tx.audit(ctx, action, sim.ObjectOrganisation, o.ID, &o.ID, now); err != nil {
		return sim.Organisation{}, err
	}
	return orgFromInternal(o), nil
}

// wrapNotFound passes ErrNotFound through as it is and wraps anything else.
func wrapNotFound(what string, err error) error {
	if err = interpretError(err); notFound(err) {
		return sim.ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}

// orgIDFor parses orgID and checks that the actor may see that
// organisation at all: the operator any, an organisation's people their
// own. Anything else is ErrNotFound, exactly as a missing organisation,
// so that nobody learns what exists elsewhere.
func (tx *Tx) orgIDFor(orgID string) (uuid.UUID, error) {
	id, err := uuid.Parse(orgID)
	if err != nil {
		return uuid.Nil, sim.ErrNotFound
	}
	if tx.actor.Role.OrgRole() && id.String() != tx.actor.OrgID {
		return uuid.Nil, sim.ErrNotFound
	}
	return id, nil
}

// OrgGet returns an organisation: to the operator, or to its own people.
func (tx *Tx) OrgGet(ctx context.Context, orgID string) (sim.Organisation, error) {
	if err := tx.authorize(sim.PermViewOrgPeople); err != nil {
		return sim.Organisation{}, err
	}
	id, err := tx.orgIDFor(orgID)
	if err != nil {
		return sim.Organisation{}, err
	}
	o, err := tx.q.OrgGet(ctx, tx.tx, id)
	if err != nil {
		return sim.Organisation{}, wrapNotFound("load organisation", err)
	}
	return orgFromInternal(o), nil
}

// OrgCursor is where a page of organisations continues: after this name
// and ID. The zero cursor starts at the first.
type OrgCursor struct {
	Name string
	ID   string
}

// OrgList returns a page of organisations in name order after the
// cursor, optionally only those in one onboarding state (escalated, for
// the operator's queue). Operator only.
func (tx *Tx) OrgList(ctx context.Context, onboarding sim.OnboardingState, after OrgCursor, limit int) ([]sim.Organisation, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return nil, err
	}
	p := dbgen.OrgListParams{AfterName: after.Name, MaxRows: pageSize(limit)}
	if after.ID != "" {
		id, err := parseID("cursor", after.ID)
		if err != nil {
			return nil, err
		}
		p.AfterID = id
	}
	if onboarding != "" {
		p.Onboarding = ptr(string(onboarding))
	}
	rows, err := tx.q.OrgList(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", interpretError(err))
	}
	out := make([]sim.Organisation, len(rows))
	for i, r := range rows {
		out[i] = orgFromInternal(r)
	}
	return out, nil
}

// OrgListPledged returns the active pledged organisations a candidate may
// choose from: ID, name, type and region only. Anyone may list them.
func (tx *Tx) OrgListPledged(ctx context.Context) ([]sim.Organisation, error) {
	if err := tx.authorize(sim.PermListPledged); err != nil {
		return nil, err
	}
	rows, err := tx.q.OrgListPledged(ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("list pledged organisations: %w", interpretError(err))
	}
	out := make([]sim.Organisation, len(rows))
	for i, r := range rows {
		out[i] = sim.Organisation{ID: r.ID.String(), Name: r.Name, Type: sim.OrgType(r.Type), Region: sim.Region(r.Region)}
	}
	return out, nil
}

func agreementFromInternal(id, orgID uuid.UUID, version, signedName, signatoryName, signatoryRole string, signedOn time.Time, sum []byte, docType *string, recordedAt time.Time) sim.Agreement {
	return sim.Agreement{
		ID: id.String(), OrgID: orgID.String(), Version: version, SignedName: signedName,
		SignatoryName: signatoryName, SignatoryRole: signatoryRole, SignedOn: signedOn,
		DocumentSHA256: sum, DocumentType: deref(docType), RecordedAt: recordedAt,
	}
}

// AgreementRecorded is what recording an agreement did.
type AgreementRecorded struct {
	Agreement sim.Agreement
	// Onboarding is the initial administrator's invitation when this
	// agreement started the organisation's onboarding.
	Onboarding *sim.AccountInvitation
}

// AgreementRecord records a signed data-sharing agreement for an
// organisation. Operator only. The agreement must name the organisation
// exactly as it is now called and be of a version the operator accepts
// (EINVALID otherwise): so every agreement on record is one the
// organisation could work under when it was recorded. The first one
// starts the organisation's onboarding (an OrgOnboarding workflow,
// through the outbox) and needs admin, the initial administrator to
// invite; later ones lift a suspension and take no admin.
func (tx *Tx) AgreementRecord(ctx context.Context, orgID string, d sim.AgreementDetails, admin *sim.Contact, now time.Time) (AgreementRecorded, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return AgreementRecorded{}, err
	}
	id, err := tx.orgIDFor(orgID)
	if err != nil {
		return AgreementRecorded{}, err
	}
	d = d.Normalize()
	if err := d.Validate(now); err != nil {
		return AgreementRecorded{}, err
	}
	org, err := tx.q.OrgGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return AgreementRecorded{}, wrapNotFound("load organisation", err)
	}
	v, err := tx.q.AgreementVersionGet(ctx, tx.tx, d.Version)
	if err = interpretError(err); notFound(err) {
		return AgreementRecorded{}, sim.FieldError("version", "unknown agreement version %q: add it first", d.Version)
	} else if err != nil {
		return AgreementRecorded{}, fmt.Errorf("load agreement version: %w", err)
	}
	if v.RetiredAt != nil {
		return AgreementRecorded{}, sim.FieldError("version", "agreement version %q has been retired: the organisation must sign a current version", d.Version)
	}
	if d.SignedName != org.Name {
		return AgreementRecorded{}, sim.FieldError("signed_name",
			"signed_name must be the organisation's current name exactly (%q): rename the organisation first if the agreement is right", org.Name)
	}
	starts := sim.OnboardingState(org.Onboarding) == sim.OnboardingNotStarted
	var contact sim.Contact
	switch {
	case starts && admin == nil:
		return AgreementRecorded{}, sim.FieldError("initial_admin", "initial_admin is required: the first agreement starts the organisation's onboarding, which invites its initial administrator")
	case !starts && admin != nil:
		return AgreementRecorded{}, sim.FieldError("initial_admin", "this organisation's onboarding has already started: re-issue the onboarding invitation instead")
	case starts:
		if contact, err = admin.Normalize().Validate(); err != nil {
			return AgreementRecorded{}, sim.WithFieldPrefix(err, "initial_admin")
		}
	}
	p := dbgen.AgreementCreateParams{
		ID: uuid.New(), OrgID: id, Version: d.Version, SignedName: d.SignedName, SignatoryName: d.SignatoryName,
		SignatoryRole: d.SignatoryRole, SignedOn: d.SignedOn, Now: now, RecordedBy: optionalID(tx.actor.UserID),
	}
	if len(d.Document) > 0 {
		sum := sha256.Sum256(d.Document)
		p.Document, p.DocumentSha256, p.DocumentType = d.Document, sum[:], &d.DocumentType
	}
	a, err := tx.q.AgreementCreate(ctx, tx.tx, p)
	if err != nil {
		return AgreementRecorded{}, fmt.Errorf("insert agreement: %w", interpretError(err))
	}
	if err := tx.audit(ctx, sim.AuditAgreementRecorded, sim.ObjectAgreement, a.ID, &id, now); err != nil {
		return AgreementRecorded{}, err
	}
	out := AgreementRecorded{Agreement: agreementFromInternal(a.ID, a.OrgID, a.Version, a.SignedName, a.SignatoryName,
		a.SignatoryRole, a.SignedOn, a.DocumentSha256, a.DocumentType, a.RecordedAt)}
	if starts {
		inv, err := tx.onboardingStart(ctx, id, contact, now)
		if err != nil {
			return AgreementRecorded{}, err
		}
		out.Onboarding = &inv
	}
	return out, nil
}

// onboardingStart invites an organisation's initial administrator and
// starts the workflow that sees it through. The caller holds the
// organisation's row lock.
func (tx *Tx) onboardingStart(ctx context.Context, orgID uuid.UUID, contact sim.Contact, now time.Time) (sim.AccountInvitation, error) {
	inv, err := tx.accountInvitationCreate(ctx, orgID, sim.AccountInvitationOnboarding, sim.RoleOrgAdmin, contact, now)
	if err != nil {
		return sim.AccountInvitation{}, err
	}
	if err := tx.q.OrgSetOnboarding(ctx, tx.tx, dbgen.OrgSetOnboardingParams{ID: orgID, Onboarding: string(sim.OnboardingInviting), Now: now}); err != nil {
		return sim.AccountInvitation{}, fmt.Errorf("record onboarding: %w", interpretError(err))
	}
	return inv, nil
}

// OnboardingReissue closes an organisation's open onboarding invitation,
// if any, and invites its initial administrator again: admin when given,
// otherwise whoever the last invitation was for is not known any more (it
// is wiped), so admin is required. Operator only; ECONFLICT unless the
// onboarding is in progress or escalated.
func (tx *Tx) OnboardingReissue(ctx context.Context, orgID string, admin sim.Contact, now time.Time) (sim.AccountInvitation, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return sim.AccountInvitation{}, err
	}
	id, err := tx.orgIDFor(orgID)
	if err != nil {
		return sim.AccountInvitation{}, err
	}
	contact, err := admin.Normalize().Validate()
	if err != nil {
		return sim.AccountInvitation{}, sim.WithFieldPrefix(err, "initial_admin")
	}
	org, err := tx.q.OrgGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return sim.AccountInvitation{}, wrapNotFound("load organisation", err)
	}
	switch sim.OnboardingState(org.Onboarding) {
	case sim.OnboardingNotStarted:
		return sim.AccountInvitation{}, sim.Errorf(sim.ECONFLICT, "this organisation's onboarding has not started: record its data-sharing agreement first")
	case sim.OnboardingCompleted:
		return sim.AccountInvitation{}, sim.Errorf(sim.ECONFLICT, "this organisation's onboarding is complete: its administrators invite further users")
	}
	open, err := tx.q.AccountInvitationOpenForOrg(ctx, tx.tx, dbgen.AccountInvitationOpenForOrgParams{OrgID: id, Kind: string(sim.AccountInvitationOnboarding)})
	if err != nil {
		return sim.AccountInvitation{}, fmt.Errorf("find open onboarding invitations: %w", interpretError(err))
	}
	for _, old := range open {
		if _, err := tx.q.AccountInvitationExpire(ctx, tx.tx, dbgen.AccountInvitationExpireParams{ID: old, Now: &now}); err != nil {
			return sim.AccountInvitation{}, fmt.Errorf("close onboarding invitation: %w", interpretError(err))
		}
	}
	inv, err := tx.onboardingStart(ctx, id, contact, now)
	if err != nil {
		return sim.AccountInvitation{}, err
	}
	if err := tx.audit(ctx, sim.AuditOnboardingReissued, sim.ObjectOrganisation, id, &id, now); err != nil {
		return sim.AccountInvitation{}, err
	}
	return inv, nil
}

// AgreementList returns an organisation's agreements, newest first: to
// the operator, or to the organisation's own people.
func (tx *Tx) AgreementList(ctx context.Context, orgID string) ([]sim.Agreement, error) {
	if err := tx.authorize(sim.PermViewOrgPeople); err != nil {
		return nil, err
	}
	id, err := tx.orgIDFor(orgID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.q.OrgGet(ctx, tx.tx, id); err != nil {
		return nil, wrapNotFound("load organisation", err)
	}
	rows, err := tx.q.AgreementList(ctx, tx.tx, id)
	if err != nil {
		return nil, fmt.Errorf("list agreements: %w", interpretError(err))
	}
	out := make([]sim.Agreement, len(rows))
	for i, a := range rows {
		out[i] = agreementFromInternal(a.ID, a.OrgID, a.Version, a.SignedName, a.SignatoryName, a.SignatoryRole,
			a.SignedOn, a.DocumentSha256, a.DocumentType, a.RecordedAt)
	}
	return out, nil
}

// AgreementVersion is a version of the data-sharing agreement.
type AgreementVersion struct {
	Version   string
	AddedAt   time.Time
	RetiredAt time.Time // zero while accepted
}

// AgreementVersions lists every agreement version. Operator only.
func (tx *Tx) AgreementVersions(ctx context.Context) ([]AgreementVersion, error) {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return nil, err
	}
	rows, err := tx.q.AgreementVersionList(ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("list agreement versions: %w", interpretError(err))
	}
	out := make([]AgreementVersion, len(rows))
	for i, r := range rows {
		out[i] = AgreementVersion{Version: r.Version, AddedAt: r.AddedAt, RetiredAt: deref(r.RetiredAt)}
	}
	return out, nil
}

// AgreementVersionAdd adds a version of the agreement the operator
// accepts. Operator only; ECONFLICT if it exists.
func (tx *Tx) AgreementVersionAdd(ctx context.Context, version string, now time.Time) error {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return err
	}
	if err := sim.CheckVersion("version", version); err != nil {
		return err
	}
	if err := tx.q.AgreementVersionCreate(ctx, tx.tx, dbgen.AgreementVersionCreateParams{Version: version, Now: now}); err != nil {
		if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
			return sim.Errorf(sim.ECONFLICT, "agreement version %q already exists", version)
		}
		return fmt.Errorf("insert agreement version: %w", err)
	}
	return tx.audit(ctx, sim.AuditAgreementVersion, sim.ObjectAgreementVersion, versionObjectID(version), nil, now)
}

// AgreementVersionRetire stops accepting a version of the agreement: every
// organisation whose latest agreement is of that version is suspended at
// once. Operator only; ENOTFOUND for an unknown version, ECONFLICT if it
// is already retired.
func (tx *Tx) AgreementVersionRetire(ctx context.Context, version string, now time.Time) error {
	if err := tx.authorize(sim.PermManageOrganisations); err != nil {
		return err
	}
	if _, err := tx.q.AgreementVersionGet(ctx, tx.tx, version); err != nil {
		return wrapNotFound("load agreement version", err)
	}
	n, err := tx.q.AgreementVersionRetire(ctx, tx.tx, dbgen.AgreementVersionRetireParams{Version: version, Now: &now})
	if err != nil {
		return fmt.Errorf("retire agreement version: %w", interpretError(err))
	}
	if n == 0 {
		return sim.Errorf(sim.ECONFLICT, "agreement version %q is already retired", version)
	}
	return tx.audit(ctx, sim.AuditAgreementRetired, sim.ObjectAgreementVersion, versionObjectID(version), nil, now)
}

// versionObjectID names an agreement version in the audit trail, whose
// objects are UUIDs: the version's name-based (SHA-1) UUID.
func versionObjectID(version string) uuid.UUID {
	return uuid.NewSHA1(agreementVersionSpace, []byte(version))
}

var agreementVersionSpace = uuid.MustParse("6f1d3d1e-6b0e-4c55-9d0a-7c8f2a1b9e40")
