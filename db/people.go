package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// An organisation's people: invitations to an organisation account (the
// initial administrator's, sent by onboarding, and an admin's invitations
// of colleagues), setting the account up with the link, and an admin's
// management of their colleagues.

func accountInvitationFromInternal(r dbgen.AccountInvitation) sim.AccountInvitation {
	return sim.AccountInvitation{
		ID: r.ID.String(), OrgID: r.OrgID.String(), Kind: sim.AccountInvitationKind(r.Kind), Role: sim.Role(r.Role),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: deref(r.UsedAt), ExpiredAt: deref(r.ExpiredAt),
	}
}

// accountInvitationCreate records an invitation of contact to an account
// of role in the organisation, open for the store's window, and the
// intent to start the workflow that sends it.
func (tx *Tx) accountInvitationCreate(ctx context.Context, orgID uuid.UUID, kind sim.AccountInvitationKind, role sim.Role, contact sim.Contact, now time.Time) (sim.AccountInvitation, error) {
	r, err := tx.q.AccountInvitationCreate(ctx, tx.tx, dbgen.AccountInvitationCreateParams{
		ID: uuid.New(), OrgID: orgID, Kind: string(kind), Role: string(role), Name: &contact.Name, Email: &contact.Email,
		InvitedBy: optionalID(tx.actor.UserID), Now: now, ExpiresAt: now.Add(tx.store.accountWindow),
	})
	if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
		return sim.AccountInvitation{}, sim.FieldError("email", "that address already has an open invitation to this organisation")
	} else if err != nil {
		return sim.AccountInvitation{}, fmt.Errorf("insert account invitation: %w", err)
	}
	inv := sim.AccountInvitation{ID: r.ID.String(), OrgID: r.OrgID.String(), Kind: kind, Role: role, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if err := tx.audit(ctx, sim.AuditUserInvited, sim.ObjectInvitation, r.ID, &orgID, now); err != nil {
		return sim.AccountInvitation{}, err
	}
	if err := tx.enqueue(ctx, sim.StartAccountInvitation(inv)); err != nil {
		return sim.AccountInvitation{}, err
	}
	return inv, nil
}

// OrgInvite lets an organisation's admin invite a colleague, as org_user
// or org_admin, to their own organisation. The AccountInvitation workflow
// sends the link. EINVALID for a bad contact or role, or an address that
// already has an open invitation to the organisation or belongs to one of
// its users.
func (tx *Tx) OrgInvite(ctx context.Context, contact sim.Contact, role sim.Role, now time.Time) (sim.AccountInvitation, error) {
	if err := tx.authorize(sim.PermManageOrgPeople); err != nil {
		return sim.AccountInvitation{}, err
	}
	if !role.OrgRole() {
		return sim.AccountInvitation{}, sim.FieldError("role", "role must be org_admin or org_user")
	}
	contact, err := contact.Normalize().Validate()
	if err != nil {
		return sim.AccountInvitation{}, err
	}
	orgID := uuid.MustParse(tx.actor.OrgID)
	// Whether the address has an account elsewhere is not the admin's to
	// know: only a colleague's address is refused here; any other
	// account's owner is told when they follow the link.
	u, err := tx.q.UserGetByEmail(ctx, tx.tx, contact.Email)
	switch err = interpretError(err); {
	case err == nil && u.OrgID != nil && *u.OrgID == orgID:
		return sim.AccountInvitation{}, sim.FieldError("email", "that address already belongs to a user of your organisation")
	case err != nil && !notFound(err):
		return sim.AccountInvitation{}, fmt.Errorf("check address: %w", err)
	}
	return tx.accountInvitationCreate(ctx, orgID, sim.AccountInvitationColleague, role, contact, now)
}

func orgPersonFromInternal(u dbgen.User) sim.OrgPerson {
	return sim.OrgPerson{
		ID: u.ID.String(), OrgID: idString(u.OrgID), Role: sim.Role(u.Role), Name: deref(u.Name), Email: u.Email,
		Disabled: u.DisabledAt != nil,
	}
}

// OrgPeople lists an organisation's users: to the operator, or to the
// organisation's own people.
func (tx *Tx) OrgPeople(ctx context.Context, orgID string) ([]sim.OrgPerson, error) {
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
	rows, err := tx.q.OrgPeopleList(ctx, tx.tx, &id)
	if err != nil {
		return nil, fmt.Errorf("list organisation users: %w", interpretError(err))
	}
	out := make([]sim.OrgPerson, len(rows))
	for i, r := range rows {
		out[i] = orgPersonFromInternal(r)
	}
	return out, nil
}

// OrgPersonChange is what an admin changes about a colleague.
type OrgPersonChange struct {
	Role     sim.Role
	Disabled bool
}

// OrgPersonUpdate lets an organisation's admin change a user of their own
// organisation: promote or demote them, disable or re-enable them.
// Disabling ends every session of theirs at once. An organisation always
// keeps at least one active admin (ECONFLICT), however many admins act at
// once. A user of another organisation is ErrNotFound, as a missing one.
func (tx *Tx) OrgPersonUpdate(ctx context.Context, userID string, c OrgPersonChange, now time.Time) (sim.OrgPerson, error) {
	if err := tx.authorize(sim.PermManageOrgPeople); err != nil {
		return sim.OrgPerson{}, err
	}
	uid, err := uuid.Parse(userID)
	if err != nil {
		return sim.OrgPerson{}, sim.ErrNotFound
	}
	orgID := uuid.MustParse(tx.actor.OrgID)
	if err := tx.q.OrgAdminLock(ctx, tx.tx, orgID.String()); err != nil {
		return sim.OrgPerson{}, fmt.Errorf("lock organisation admins: %w", err)
	}
	// Under the lock, the actor must still be an active admin: one demoted
	// or disabled by a colleague a moment ago cannot act on the power the
	// request started with.
	self, err := tx.q.OrgPersonGetForUpdate(ctx, tx.tx, dbgen.OrgPersonGetForUpdateParams{ID: uuid.MustParse(tx.actor.UserID), OrgID: &orgID})
	if err != nil {
		return sim.OrgPerson{}, wrapNotFound("load your account", err)
	}
	if self.Role != string(sim.RoleOrgAdmin) || self.DisabledAt != nil {
		return sim.OrgPerson{}, sim.Errorf(sim.EFORBIDDEN, "you are no longer an active administrator of this organisation")
	}
	u, err := tx.q.OrgPersonGetForUpdate(ctx, tx.tx, dbgen.OrgPersonGetForUpdateParams{ID: uid, OrgID: &orgID})
	if err != nil {
		return sim.OrgPerson{}, wrapNotFound("load user", err)
	}
	before := orgPersonFromInternal(u)
	admins, err := tx.q.OrgActiveAdmins(ctx, tx.tx, &orgID)
	if err != nil {
		return sim.OrgPerson{}, fmt.Errorf("count admins: %w", interpretError(err))
	}
	if err := sim.CanChangeOrgPerson(before, c.Role, c.Disabled, int(admins)); err != nil {
		return sim.OrgPerson{}, err
	}
	disabledAt := u.DisabledAt
	switch {
	case c.Disabled && disabledAt == nil:
		disabledAt = &now
	case !c.Disabled:
		disabledAt = nil
	}
	r, err := tx.q.OrgPersonSet(ctx, tx.tx, dbgen.OrgPersonSetParams{ID: uid, OrgID: &orgID, Role: string(c.Role), DisabledAt: disabledAt, Now: now})
	if err != nil {
		return sim.OrgPerson{}, fmt.Errorf("update user: %w", interpretError(err))
	}
	after := orgPersonFromInternal(r)
	if after.Role != before.Role {
		if err := tx.audit(ctx, sim.AuditUserRoleChanged, sim.ObjectUser, uid, &orgID, now); err != nil {
			return sim.OrgPerson{}, err
		}
	}
	if after.Disabled != before.Disabled {
		action := sim.AuditUserEnabled
		if after.Disabled {
			action = sim.AuditUserDisabled
		}
		if err := tx.audit(ctx, action, sim.ObjectUser, uid, &orgID, now); err != nil {
			return sim.OrgPerson{}, err
		}
	}
	if after.Disabled {
		if _, err := tx.q.SessionDeleteAllForUser(ctx, tx.tx, uid); err != nil {
			return sim.OrgPerson{}, fmt.Errorf("end sessions: %w", interpretError(err))
		}
	}
	return after, nil
}

// AccountSetup is the form that sets up an organisation account with an
// invitation link.
type AccountSetup struct {
	Token    string
	Password string
	IP       string // where the request came from, for the audit trail
	Now      time.Time
}

// AccountCreated says what setting up an account made.
type AccountCreated struct {
	UserID string
	OrgID  string
	Role   sim.Role
}

var errAccountLinkNotValid = sim.Errorf(sim.ENOTFOUND, "this invitation link is not valid: check that you copied the whole link")

// AcceptAccountInvitation sets up the organisation account an invitation
// link was sent for: the account (with the invitation's name, address,
// organisation and role), the invitation marked used with its name and
// address wiped, the audit event, and the signal to the invitation's
// workflow, in one transaction as an anonymous actor presenting the
// token. The link is checked before the password is hashed. ENOTFOUND for
// an unknown link, EGONE for one used or expired, EINVALID for a bad
// password, ECONFLICT when the address already has an account.
func (s *Store) AcceptAccountInvitation(ctx context.Context, a AccountSetup) (AccountCreated, error) {
	if err := sim.ValidatePassword(a.Password); err != nil {
		return AccountCreated{}, err
	}
	if !wellFormedToken(a.Token) {
		return AccountCreated{}, errAccountLinkNotValid
	}
	tokenHash := HashToken(a.Token)
	holder := sim.Presenting(tokenHash)
	holder.From = a.IP
	if err := s.InTx(ctx, holder, func(tx *Tx) error { return tx.accountLinkUsable(ctx, tokenHash, a.Now) }); err != nil {
		return AccountCreated{}, err
	}
	hash, err := s.hashPassword(ctx, false, a.Password)
	if err != nil {
		return AccountCreated{}, err
	}
	var out AccountCreated
	err = s.InTx(ctx, holder, func(tx *Tx) error {
		if err := tx.authorize(sim.PermAcceptAccount); err != nil {
			return err
		}
		inv, err := tx.q.AccountInvitationConsume(ctx, tx.tx, dbgen.AccountInvitationConsumeParams{TokenHash: tokenHash, Now: a.Now})
		if err = interpretError(err); notFound(err) {
			return tx.accountLinkUsable(ctx, tokenHash, a.Now)
		} else if err != nil {
			return fmt.Errorf("consume account invitation: %w", err)
		}
		userID := uuid.New()
		if err := tx.q.UserCreate(ctx, tx.tx, dbgen.UserCreateParams{
			ID: userID, Role: inv.Role, Email: inv.Email, PasswordHash: hash, OrgID: &inv.OrgID, Name: &inv.Name, Now: a.Now,
		}); err != nil {
			if err = interpretError(err); sim.ErrorCode(err) == sim.ECONFLICT {
				return sim.Errorf(sim.ECONFLICT, "this address already has a Muster account: sign in with it, or ask for an invitation to a different address")
			}
			return fmt.Errorf("insert user: %w", err)
		}
		if err := tx.q.AccountInvitationSetUser(ctx, tx.tx, dbgen.AccountInvitationSetUserParams{ID: inv.ID, UserID: &userID}); err != nil {
			return fmt.Errorf("link invitation to user: %w", interpretError(err))
		}
		if err := tx.enqueue(ctx, sim.SignalAccountInvitationAccepted(sim.AccountInvitation{
			ID: inv.ID.String(), OrgID: inv.OrgID.String(), Kind: sim.AccountInvitationKind(inv.Kind),
		})); err != nil {
			return err
		}
		// The account exists: the audit trail records it as having
		// joined by its own act.
		out = AccountCreated{UserID: userID.String(), OrgID: inv.OrgID.String(), Role: sim.Role(inv.Role)}
		if err := tx.actAs(sim.Actor{UserID: out.UserID, Role: out.Role, OrgID: out.OrgID, From: tx.actor.From}); err != nil {
			return err
		}
		return tx.audit(ctx, sim.AuditUserJoined, sim.ObjectUser, userID, &inv.OrgID, a.Now)
	})
	return out, err
}

// accountLinkUsable explains why the account invitation link with
// tokenHash cannot be used at now, or returns nil.
func (tx *Tx) accountLinkUsable(ctx context.Context, tokenHash []byte, now time.Time) error {
	if err := tx.authorize(sim.PermAcceptAccount); err != nil {
		return err
	}
	inv, err := tx.q.AccountInvitationByTokenHash(ctx, tx.tx, tokenHash)
	if err = interpretError(err); notFound(err) {
		return errAccountLinkNotValid
	} else if err != nil {
		return fmt.Errorf("load account invitation: %w", err)
	}
	switch {
	case inv.UsedAt != nil:
		return sim.Errorf(sim.EGONE, "this invitation has already been used: sign in instead")
	case inv.ExpiredAt != nil || !inv.ExpiresAt.After(now):
		return sim.Errorf(sim.EGONE, "this invitation has expired: ask for a new one")
	}
	return nil
}
