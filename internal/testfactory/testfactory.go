// Package testfactory creates the rows a test needs directly, as the
// database owner: accounts, sessions, invited and registered candidates.
// It takes no argon2id-at-full-cost hashing and no workflow, so a test of a
// later aggregate pays milliseconds, not a registration. Each function takes
// an options struct whose zero value gives sensible, unique defaults.
//
// Fixtures bypass row-level security (they write as the owner); the code
// under test then reads and changes them as its real actor.
package testfactory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
)

// DefaultPassword is the password of every account the factory makes
// unless the options say otherwise.
const DefaultPassword = "factory password 1"

// Now is the time fixtures are created at unless the options say
// otherwise.
var Now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// QuickHash returns pw hashed with argon2id at the smallest cost, in the
// format db.VerifyPassword reads (it takes the cost from the hash): a
// fixture account signs in in microseconds.
func QuickHash(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// UserOpts describes an account. Zero values: an operator with a unique
// address and DefaultPassword.
type UserOpts struct {
	Role     sim.Role
	Email    string
	Password string
	Now      time.Time
	// OrgID is the organisation of an org_admin or org_user (required for
	// those roles, and only for them).
	OrgID string
	// Name is the account holder's name; empty leaves it unset.
	Name string
	// Disabled records the account as disabled (at Now).
	Disabled bool
}

// User creates an account and returns it.
func User(t testing.TB, d *testdb.DB, o UserOpts) sim.User {
	t.Helper()
	if o.Role == "" {
		o.Role = sim.RoleOperator
	}
	if o.Email == "" {
		o.Email = uniqueEmail(string(o.Role))
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.Now.IsZero() {
		o.Now = Now
	}
	u := sim.User{ID: uuid.NewString(), Role: o.Role, Email: o.Email, OrgID: o.OrgID, Name: o.Name}
	var disabledAt *time.Time
	if o.Disabled {
		disabledAt = &o.Now
	}
	exec(t, d, `INSERT INTO users (id, role, email, password_hash, org_id, name, disabled_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $8)`,
		u.ID, string(u.Role), u.Email, QuickHash(o.Password), optionalUUID(o.OrgID), o.Name, disabledAt, o.Now)
	return u
}

// Actor is the actor a signed-in u acts as: for the org roles, in their
// organisation.
func Actor(u sim.User) sim.Actor { return sim.Actor{UserID: u.ID, Role: u.Role, OrgID: u.OrgID} }

// Session opens a session for u that lasts the default policy, and returns
// its bearer token.
func Session(t testing.TB, d *testdb.DB, u sim.User, now time.Time) string {
	t.Helper()
	token, hash, err := db.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	exec(t, d, `INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
		uuid.New(), u.ID, hash, now, now.Add(sim.DefaultSessionPolicy.Absolute))
	return token
}

// InvitationOpts describes an invited, unregistered person. Zero values: an
// operator's invitation to a unique address, made at Now, open for the
// default window, with one link sent.
type InvitationOpts struct {
	Email  string
	Kind   sim.InvitationKind
	Now    time.Time
	Window time.Duration
	// Unsent leaves the invitation without a link, as it is before its
	// workflow's first activity runs.
	Unsent bool
}

// Invitation creates an invited candidate, its invitation and its journey
// event and returns the invitation and the token of its link ("" when
// Unsent).
func Invitation(t testing.TB, d *testdb.DB, o InvitationOpts) (sim.Invitation, string) {
	t.Helper()
	if o.Email == "" {
		o.Email = uniqueEmail("invitee")
	}
	if o.Kind == "" {
		o.Kind = sim.InvitationByOperator
	}
	if o.Now.IsZero() {
		o.Now = Now
	}
	if o.Window == 0 {
		o.Window = sim.DefaultInvitationWindow
	}
	inv := sim.Invitation{
		ID: uuid.NewString(), CandidateID: uuid.NewString(), Kind: o.Kind, CreatedAt: o.Now, ExpiresAt: o.Now.Add(o.Window),
	}
	exec(t, d, `INSERT INTO candidates (id, status, invited_at, updated_at) VALUES ($1, 'invited', $2, $2)`, inv.CandidateID, o.Now)
	exec(t, d, `INSERT INTO invitations (id, candidate_id, kind, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.ID, inv.CandidateID, string(o.Kind), o.Email, o.Now, inv.ExpiresAt)
	exec(t, d, `INSERT INTO journey_events (id, candidate_id, type, to_status, occurred_at) VALUES ($1, $2, $3, 'invited', $4)`,
		uuid.New(), inv.CandidateID, string(sim.EventInvited), o.Now)
	if o.Unsent {
		return inv, ""
	}
	token, hash, err := db.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	exec(t, d, `INSERT INTO invitation_tokens (token_hash, invitation_id, generation, created_at, sent_at) VALUES ($1, $2, 1, $3, $3)`,
		hash, inv.ID, o.Now)
	return inv, token
}

// CandidateOpts describes a registered candidate. Zero values: a unique
// address, DefaultPassword, a valid profile, consent given, registered at
// Now.
type CandidateOpts struct {
	Email    string
	Password string
	Profile  *sim.Profile
	Consent  *bool
	Now      time.Time
}

// Registered is a registered candidate with their account.
type Registered struct {
	User      sim.User
	Candidate sim.Candidate
}

// Candidate creates a registered candidate with an account, a profile, a
// consent decision and their journey so far.
func Candidate(t testing.TB, d *testdb.DB, o CandidateOpts) Registered {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = Now
	}
	if o.Email == "" {
		o.Email = uniqueEmail("candidate")
	}
	p := Profile(o.Now)
	if o.Profile != nil {
		p = *o.Profile
	}
	given := true
	if o.Consent != nil {
		given = *o.Consent
	}
	u := User(t, d, UserOpts{Role: sim.RoleCandidate, Email: o.Email, Password: o.Password, Now: o.Now})
	inv, _ := Invitation(t, d, InvitationOpts{Email: o.Email, Now: o.Now, Unsent: true})
	exec(t, d, `UPDATE invitations SET used_at = $2, email = NULL WHERE id = $1`, inv.ID, o.Now)
	exec(t, d, `UPDATE candidates SET user_id = $2, status = 'registered', registered_at = $3, first_name = $4, last_name = $5,
		phone = nullif($6, ''), date_of_birth = $7, connection = $8, skills = $9, job_preferences = nullif($10, ''), region = $11,
		heard_about = $12, updated_at = $3 WHERE id = $1`,
		inv.CandidateID, u.ID, o.Now, p.FirstName, p.LastName, p.Phone, p.DateOfBirth, string(p.Connection), p.Skills,
		p.JobPreferences, string(p.Region), string(p.HeardAbout))
	exec(t, d, `INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at) VALUES ($1, $2, '2026-11-share-v1', $3, 'registration_form', $4)`,
		uuid.New(), inv.CandidateID, given, o.Now)
	exec(t, d, `INSERT INTO journey_events (id, candidate_id, type, from_status, to_status, actor_id, occurred_at) VALUES ($1, $2, $3, 'invited', 'registered', $4, $5)`,
		uuid.New(), inv.CandidateID, string(sim.EventRegistered), u.ID, o.Now)
	return Registered{User: u, Candidate: sim.Candidate{
		ID: inv.CandidateID, UserID: u.ID, Email: o.Email, Status: sim.StatusRegistered, Profile: p,
		InvitedAt: o.Now, RegisteredAt: o.Now,
	}}
}

// Profile is a valid profile for someone aged 35 at now.
func Profile(now time.Time) sim.Profile {
	return sim.Profile{
		FirstName: "Sam", LastName: "Carter", DateOfBirth: time.Date(now.Year()-35, 3, 14, 0, 0, 0, 0, time.UTC),
		Connection: sim.ConnReservist, Skills: []string{"first aid"}, Region: "wales", HeardAbout: "event",
	}
}

// AgreementVersion is the version of the data-sharing agreement the schema
// starts with, and the one the factory's agreements are of.
const AgreementVersion = "2026-dsa-v1"

// OrganisationOpts describes an organisation. Zero values: a unique name,
// an active trust in Wales that pledged a month before Now, created at Now,
// with a signed agreement of AgreementVersion in its name and its
// onboarding completed.
type OrganisationOpts struct {
	Name string
	Now  time.Time
	// NoAgreement leaves it without an agreement and its onboarding not
	// started, as the operator first records it.
	NoAgreement bool
	// Inactive records it as no longer active on the programme.
	Inactive bool
}

// Organisation creates an organisation (and, unless NoAgreement, its
// agreement) and returns it.
func Organisation(t testing.TB, d *testdb.DB, o OrganisationOpts) sim.Organisation {
	t.Helper()
	if o.Name == "" {
		o.Name = "Trust " + uuid.NewString()[:8]
	}
	if o.Now.IsZero() {
		o.Now = Now
	}
	org := sim.Organisation{
		ID: uuid.NewString(), Name: o.Name, Type: "trust", Region: "wales", PledgeOn: dateOf(o.Now.AddDate(0, -1, 0)),
		Active: !o.Inactive, Onboarding: sim.OnboardingCompleted, CreatedAt: o.Now, UpdatedAt: o.Now,
	}
	if o.NoAgreement {
		org.Onboarding = sim.OnboardingNotStarted
	}
	exec(t, d, `INSERT INTO organisations (id, name, type, region, pledged_on, active, onboarding, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		org.ID, org.Name, string(org.Type), string(org.Region), org.PledgeOn, org.Active, string(org.Onboarding), o.Now)
	if !o.NoAgreement {
		exec(t, d, `INSERT INTO org_agreements (id, org_id, version, signed_name, signatory_name, signatory_role, signed_on, recorded_at)
			VALUES ($1, $2, $3, $4, 'Pat Signer', 'Chief Executive', $5, $6)`,
			uuid.New(), org.ID, AgreementVersion, org.Name, dateOf(o.Now.AddDate(0, 0, -7)), o.Now)
	}
	return org
}

// OrgUserOpts describes a user of an organisation. Zero values: an
// org_user with a unique address and name and DefaultPassword, created at
// Now, who has accepted the current code of conduct.
type OrgUserOpts struct {
	OrgID    string // required
	Role     sim.Role
	Email    string
	Name     string
	Password string
	Now      time.Time
	// ConductPending leaves the code of conduct unaccepted.
	ConductPending bool
	// Disabled records the account as disabled by an admin.
	Disabled bool
}

// OrgUser creates a user of an organisation and returns them and the
// actor they act as once signed in. Unless ConductPending, it publishes
// sim.DefaultCodeOfConduct (if no code is published yet) and records the
// user's acceptance of the current one.
func OrgUser(t testing.TB, d *testdb.DB, o OrgUserOpts) (sim.User, sim.Actor) {
	t.Helper()
	if o.OrgID == "" {
		t.Fatal("testfactory.OrgUser: OrgID is required")
	}
	if o.Role == "" {
		o.Role = sim.RoleOrgUser
	}
	if !o.Role.OrgRole() {
		t.Fatalf("testfactory.OrgUser: %s is not an organisation role", o.Role)
	}
	if o.Now.IsZero() {
		o.Now = Now
	}
	if o.Name == "" {
		o.Name = "Alex " + uuid.NewString()[:8]
	}
	u := User(t, d, UserOpts{Role: o.Role, Email: o.Email, Password: o.Password, Now: o.Now, OrgID: o.OrgID, Name: o.Name, Disabled: o.Disabled})
	if !o.ConductPending {
		PublishConduct(t, d, sim.DefaultCodeOfConduct, o.Now)
		exec(t, d, `INSERT INTO conduct_acceptances (user_id, version, accepted_at)
			SELECT $1, version, $2 FROM conduct_texts ORDER BY published_at DESC, version DESC LIMIT 1`, u.ID, o.Now)
	}
	return u, Actor(u)
}

// PublishConduct publishes c at the given time unless its version is
// published already.
func PublishConduct(t testing.TB, d *testdb.DB, c sim.CodeOfConduct, at time.Time) {
	t.Helper()
	exec(t, d, `INSERT INTO conduct_texts (version, body, published_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING`,
		c.Version, c.Body, at)
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func optionalUUID(s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id := uuid.MustParse(s)
	return &id
}

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%s@example.org", prefix, uuid.NewString()[:8])
}

func exec(t testing.TB, d *testdb.DB, sql string, args ...any) {
	t.Helper()
	if _, err := d.Admin.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("testfactory: %v\n%s", err, sql)
	}
}
