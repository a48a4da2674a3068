package sim

import (
	"slices"
	"strings"
	"time"
)

// OrgType is the kind of NHS body an organisation is.
type OrgType string

// OrgTypes lists every valid OrgType.
var OrgTypes = []OrgType{"trust", "health_board", "integrated_care_board", "other"}

// OnboardingState is how far an organisation is with setting up its first
// administrator account.
type OnboardingState string

// Onboarding states: not started until a matching agreement is recorded;
// inviting while the initial administrator's invitation is out; completed
// once they have set up their account; escalated when the invitation
// expired unanswered and the operator must act (re-issue).
const (
	OnboardingNotStarted OnboardingState = "not_started"
	OnboardingInviting   OnboardingState = "inviting"
	OnboardingCompleted  OnboardingState = "completed"
	OnboardingEscalated  OnboardingState = "escalated"
)

// Organisation is an NHS employer on the programme.
type Organisation struct {
	ID       string
	Name     string
	Type     OrgType
	Region   Region
	PledgeOn time.Time // zero when the organisation has not pledged
	Active   bool
	// Mailbox is the organisation's group mailbox: a shared address that
	// receives notifications once MailboxVerified.
	Mailbox         string
	MailboxVerified bool
	Onboarding      OnboardingState
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Pledged reports whether the organisation has pledged to the programme.
func (o Organisation) Pledged() bool { return !o.PledgeOn.IsZero() }

// OrgDetails is what the operator records about an organisation.
type OrgDetails struct {
	Name     string
	Type     OrgType
	Region   Region
	PledgeOn time.Time // zero: not pledged (yet)
	Active   bool
}

// Normalize trims the name and collapses runs of spaces inside it, so that
// "Leeds  Teaching Hospitals " and its agreement compare equal.
func (d OrgDetails) Normalize() OrgDetails {
	d.Name = strings.Join(strings.Fields(d.Name), " ")
	return d
}

// Validate checks normalized details as of now.
func (d OrgDetails) Validate(now time.Time) error {
	if err := checkText("name", d.Name, true, MaxOrgNameLen); err != nil {
		return err
	}
	if !slices.Contains(OrgTypes, d.Type) {
		return FieldError("type", "type must be one of %s", joinValues(OrgTypes))
	}
	if !slices.Contains(Regions, d.Region) {
		return FieldError("region", "region must be one of %s", joinValues(Regions))
	}
	if !d.PledgeOn.IsZero() && (d.PledgeOn.Year() < 2000 || d.PledgeOn.After(now)) {
		return FieldError("pledged_on", "pledged_on must be a date since 2000 and not in the future")
	}
	return nil
}

// Agreement is a signed data-sharing agreement between the programme and
// an organisation. Agreements are never changed or removed: a new one is
// recorded instead.
type Agreement struct {
	ID             string
	OrgID          string
	Version        string
	SignedName     string // the organisation's name exactly as it appears on the agreement
	SignatoryName  string
	SignatoryRole  string
	SignedOn       time.Time
	DocumentSHA256 []byte // nil when no document was stored
	DocumentType   string
	RecordedAt     time.Time
}

// AgreementDetails is what the operator records from a signed agreement.
type AgreementDetails struct {
	Version       string
	SignedName    string
	SignatoryName string
	SignatoryRole string
	SignedOn      time.Time
	Document      []byte // optional: the signed document itself
	DocumentType  string // its media type, when Document is given
}

// MaxAgreementDocument bounds a stored agreement document.
const MaxAgreementDocument = 5 << 20

// AgreementDocumentTypes are the media types an agreement document may have.
var AgreementDocumentTypes = []string{"application/pdf", "image/png", "image/jpeg"}

// Normalize trims the text fields; the signed name's inner spaces are
// collapsed as an organisation's name is.
func (d AgreementDetails) Normalize() AgreementDetails {
	d.Version = strings.TrimSpace(d.Version)
	d.SignedName = strings.Join(strings.Fields(d.SignedName), " ")
	d.SignatoryName = strings.TrimSpace(d.SignatoryName)
	d.SignatoryRole = strings.TrimSpace(d.SignatoryRole)
	return d
}

// Validate checks normalized details as of now.
func (d AgreementDetails) Validate(now time.Time) error {
	if err := CheckVersion("version", d.Version); err != nil {
		return err
	}
	if err := checkText("signed_name", d.SignedName, true, MaxOrgNameLen); err != nil {
		return err
	}
	if err := checkText("signatory_name", d.SignatoryName, true, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("signatory_role", d.SignatoryRole, true, MaxNameLen); err != nil {
		return err
	}
	if d.SignedOn.IsZero() || d.SignedOn.Year() < 2000 || d.SignedOn.After(now) {
		return FieldError("signed_on", "signed_on must be a date since 2000 and not in the future")
	}
	if len(d.Document) > MaxAgreementDocument {
		return FieldError("document", "document must be at most %d MiB", MaxAgreementDocument>>20)
	}
	if len(d.Document) > 0 && !slices.Contains(AgreementDocumentTypes, d.DocumentType) {
		return FieldError("document_type", "document_type must be one of %s", strings.Join(AgreementDocumentTypes, ", "))
	}
	return nil
}

// CheckVersion checks a version label (of an agreement, a code of
// conduct): 1 to MaxVersionLen letters, digits, '.', '-' or '_'.
func CheckVersion(field, v string) error {
	if v == "" || len(v) > MaxVersionLen || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_')
	}) >= 0 {
		return FieldError(field, "%s must be 1 to %d letters, digits, '.', '-' or '_'", field, MaxVersionLen)
	}
	return nil
}

// Restriction is why a signed-in person may do almost nothing for now. Its
// value is the error code they are answered with.
type Restriction string

// Restrictions. The first four suspend every user of an organisation until
// the operator records a matching agreement (or reactivates it); the last
// holds one user until they accept the code of conduct.
const (
	RestrictNoAgreement    Restriction = "agreement_missing"
	RestrictRenamed        Restriction = "agreement_name_mismatch"
	RestrictRetired        Restriction = "agreement_version_retired"
	RestrictInactive       Restriction = "organisation_inactive"
	RestrictConductPending Restriction = "code_of_conduct_not_accepted"
	// RestrictMFARequired holds a person whose role the deployment
	// requires to sign in with two factors until they enrol.
	RestrictMFARequired Restriction = "mfa_enrolment_required"
)

// Restrictions lists every Restriction.
var Restrictions = []Restriction{RestrictNoAgreement, RestrictRenamed, RestrictRetired, RestrictInactive, RestrictConductPending, RestrictMFARequired}

var restrictionMessages = map[Restriction]string{
	RestrictNoAgreement:    "your organisation has no signed data-sharing agreement on record: ask the programme team to record it",
	RestrictRenamed:        "your organisation's name has changed since it signed its data-sharing agreement: access is suspended until an agreement in its current name is recorded",
	RestrictRetired:        "your organisation's data-sharing agreement is a version the programme no longer accepts: access is suspended until the current version is signed and recorded",
	RestrictInactive:       "your organisation is no longer active on the programme",
	RestrictConductPending: "accept the code of conduct before using Muster (GET and POST /v1/code-of-conduct)",
	RestrictMFARequired:    "your role signs in with two factors: set up two-factor sign-in first (POST /v1/me/mfa)",
}

// Err is the error a restricted person is refused with.
func (r Restriction) Err() error {
	return &Error{Code: string(r), Message: r.Message()}
}

// Message says, to the person held by r, why and what to do about it.
func (r Restriction) Message() string { return restrictionMessages[r] }

// Allows reports whether a person held by r may still do p: read their own
// account (so a front end can show who is signed in and why they are held)
// and sign out, whatever holds them; read and accept the code of conduct
// when that is what holds them; manage their own account when two-factor
// enrolment is.
func (r Restriction) Allows(p Permission) bool {
	switch p {
	case PermViewSelf, PermEndSession:
		return true
	case PermReadConduct, PermAcceptConduct:
		return r == RestrictConductPending
	case PermManageOwnAccount:
		return r == RestrictMFARequired
	}
	return false
}

// Standing is what decides whether an organisation's users may use Muster.
type Standing struct {
	OrgName   string
	OrgActive bool
	// Latest is the organisation's most recent agreement (by date signed,
	// then recorded); nil when it has none.
	Latest *Agreement
	// LatestAccepted reports whether Latest's version is one the operator
	// still accepts.
	LatestAccepted bool
	// ConductAccepted reports whether the user accepted the current code
	// of conduct.
	ConductAccepted bool
}

// OrgRestriction decides what, if anything, holds an organisation's users
// back: the organisation's own standing first, then the code of conduct.
func OrgRestriction(s Standing) Restriction {
	switch {
	case !s.OrgActive:
		return RestrictInactive
	case s.Latest == nil:
		return RestrictNoAgreement
	case s.Latest.SignedName != s.OrgName:
		return RestrictRenamed
	case !s.LatestAccepted:
		return RestrictRetired
	case !s.ConductAccepted:
		return RestrictConductPending
	}
	return ""
}

// OrgPerson is a user of an organisation as its admins see them.
type OrgPerson struct {
	ID       string
	OrgID    string
	Role     Role
	Name     string
	Email    string
	Disabled bool
}

// CanChangeOrgPerson decides whether an organisation admin may give p the
// role newRole and the disabled state disable, given how many active
// admins the organisation has now: an organisation always keeps at least
// one active admin, so the last one cannot demote or disable themselves.
func CanChangeOrgPerson(p OrgPerson, newRole Role, disable bool, activeAdmins int) error {
	if !newRole.OrgRole() {
		return FieldError("role", "role must be org_admin or org_user")
	}
	wasActiveAdmin := p.Role == RoleOrgAdmin && !p.Disabled
	staysActiveAdmin := newRole == RoleOrgAdmin && !disable
	if wasActiveAdmin && !staysActiveAdmin && activeAdmins <= 1 {
		return Errorf(ECONFLICT, "an organisation must keep at least one active administrator: promote someone else first")
	}
	return nil
}

// CheckPersonName checks a person's name (an organisation user's, a
// signatory's) for field.
func CheckPersonName(field, s string) error { return checkText(field, s, true, MaxNameLen) }

// AccountInvitationKind is why an organisation account invitation was sent.
type AccountInvitationKind string

// Account invitation kinds: the onboarding of an organisation's initial
// administrator (by the operator), or an admin inviting a colleague.
const (
	AccountInvitationOnboarding AccountInvitationKind = "onboarding"
	AccountInvitationColleague  AccountInvitationKind = "colleague"
)

// AccountInvitation is a single-use invitation to an organisation account.
type AccountInvitation struct {
	ID        string
	OrgID     string
	Kind      AccountInvitationKind
	Role      Role
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while open
	ExpiredAt time.Time // zero unless it expired unanswered
}

// DefaultAccountInvitationWindow is how long an invitation to an
// organisation account stays open: seven days, as the programme's
// onboarding does.
const DefaultAccountInvitationWindow = 7 * 24 * time.Hour

// accountReminderBefore is how long before an invitation closes its
// reminder is sent.
const accountReminderBefore = 48 * time.Hour

// ReminderAfter is when, from its sending, an invitation open for window
// is reminded: two days before it closes, or for a window shorter than a
// week, at five sevenths of it.
func ReminderAfter(window time.Duration) time.Duration {
	if window >= DefaultAccountInvitationWindow {
		return window - accountReminderBefore
	}
	return window * 5 / 7
}

// Contact is a person the programme or an admin invites to an organisation
// account: the initial administrator (the organisation's single point of
// contact), or a colleague.
type Contact struct {
	Name  string
	Email string
}

// Normalize trims the name and normalizes nothing else; Validate
// normalizes the address.
func (c Contact) Normalize() Contact {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	return c
}

// Validate checks a normalized contact and returns it with its address
// normalized.
func (c Contact) Validate() (Contact, error) {
	if err := CheckPersonName("name", c.Name); err != nil {
		return c, err
	}
	email, err := NormalizeEmail(c.Email)
	if err != nil {
		return c, err
	}
	c.Email = email
	return c, nil
}
