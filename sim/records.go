package sim

import "time"

// Candidate is a person on the programme as the engine sees them.
type Candidate struct {
	ID           string
	UserID       string // empty until registered
	Email        string // empty until registered
	Status       Status
	Profile      Profile
	InvitedAt    time.Time
	RegisteredAt time.Time
	Consent      ConsentRecord
}

// ConsentRecord is the latest consent decision a candidate made.
type ConsentRecord struct {
	Purpose     string
	TextVersion string
	Given       bool
	Method      string
	RecordedAt  time.Time
}

// User is an account that can sign in.
type User struct {
	ID    string
	Role  Role
	Email string
	OrgID string // for the org roles
	// OrgName is the organisation's name as it is now, for the org roles
	// (filled where it is read with the account: sign-in and Me).
	OrgName string
	Name    string // the person's own name, for the org roles and operators
	// MFA reports whether the account signs in with a second factor.
	MFA bool
}

// Session is a signed-in session. The bearer token itself is never stored.
type Session struct {
	ID          string
	UserID      string
	Role        Role
	OrgID       string      // for the org roles
	Restriction Restriction // why the user may do almost nothing for now, if anything
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time
}

// Actor returns the actor this session acts as.
func (s Session) Actor() Actor {
	return Actor{UserID: s.UserID, Role: s.Role, OrgID: s.OrgID, Restriction: s.Restriction}
}

// Invitation is a single-use registration link sent to one email address.
type Invitation struct {
	ID          string
	CandidateID string
	Kind        InvitationKind
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SessionPolicy bounds how long a session lives: Idle without use, Absolute
// in all.
type SessionPolicy struct {
	Idle     time.Duration
	Absolute time.Duration
}

// DefaultSessionPolicy follows OWASP guidance for a system holding
// special-category data: 30 minutes idle, 12 hours absolute.
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}

// NeedsTouch reports whether s's last-seen time is stale enough at now to
// be written again (see SessionTouchEvery).
func (p SessionPolicy) NeedsTouch(s Session, now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= SessionTouchEvery
}

// Alive reports whether s is usable at now under p.
func (p SessionPolicy) Alive(s Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(p.Idle))
}

// ConsentStatus is where a candidate stands with the consent wording: the
// wording in force, what they last decided and under which version, and
// every decision they made, newest first.
type ConsentStatus struct {
	CurrentVersion string
	CurrentBody    string
	Latest         ConsentRecord
	// UpToDate: their latest decision was made on the wording in force.
	UpToDate bool
	History  []ConsentRecord
}

// ValidateConsentWording checks a new version of the consent wording: a
// version label, and a text of 1 to MaxConsentLen characters.
func ValidateConsentWording(version, body string) error {
	if err := CheckVersion("version", version); err != nil {
		return err
	}
	return checkFreeText("body", body, true, MaxConsentLen)
}
