package sim

import "slices"

// Permission is something an actor may be allowed to do. The data layer
// asks Authorize before it acts; row-level security in Postgres is the
// backstop behind it.
type Permission string

// Permissions.
const (
	PermInvite              Permission = "invite"               // invite a person to register
	PermViewStatistics      Permission = "view_statistics"      // programme-wide counts
	PermRequestRegistration Permission = "request_registration" // ask for a registration link
	PermRegister            Permission = "register"             // complete a registration with a link
	PermViewSelf            Permission = "view_self"            // see one's own account and record
	PermEditOwnProfile      Permission = "edit_own_profile"     // replace one's own profile
	PermEndSession          Permission = "end_session"          // sign out
	PermEngine              Permission = "engine"               // the engine's own work: activities, the relay, sign-in checks
)

// rule says who holds a permission and what to tell anyone else.
type rule struct {
	roles   []Role
	refusal string
	// credential: an anonymous actor must present a secret.
	credential bool
}

var rules = map[Permission]rule{
	PermInvite:              {roles: []Role{RoleOperator}, refusal: "only the programme operator can invite candidates"},
	PermViewStatistics:      {roles: []Role{RoleOperator, RoleSystem}, refusal: "only the programme operator can see programme statistics"},
	PermRequestRegistration: {roles: []Role{RoleAnonymous}, refusal: "sign out before asking for a registration link"},
	PermRegister:            {roles: []Role{RoleAnonymous}, credential: true, refusal: "registering needs the link from your invitation"},
	PermViewSelf:            {roles: []Role{RoleOperator, RoleCandidate}, refusal: "sign in first"},
	PermEditOwnProfile:      {roles: []Role{RoleCandidate}, refusal: "only a candidate has a profile to update"},
	PermEndSession:          {roles: []Role{RoleOperator, RoleCandidate}, refusal: "sign in first"},
	PermEngine:              {roles: []Role{RoleSystem}, refusal: "only the engine itself may do that"},
}

// Permissions lists every permission, for tests that walk them all.
var Permissions = []Permission{
	PermInvite, PermViewStatistics, PermRequestRegistration, PermRegister, PermViewSelf, PermEditOwnProfile, PermEndSession,
	PermEngine,
}

// Authorize returns nil when a may do p, or an EFORBIDDEN *Error saying
// who may (EUNAUTHORIZED when p needs a signed-in person and a is not one).
// An unknown permission is refused.
func Authorize(a Actor, p Permission) error {
	r, ok := rules[p]
	if !ok {
		return Errorf(EFORBIDDEN, "not allowed")
	}
	allowed := slices.Contains(r.roles, a.Role)
	if allowed && (a.Role == RoleOperator || a.Role == RoleCandidate) && a.UserID == "" {
		allowed = false
	}
	if allowed && r.credential && len(a.Credential) == 0 {
		allowed = false
	}
	if allowed {
		return nil
	}
	// A person who is not signed in is told to sign in; the engine is never.
	if !a.SignedIn() && a.Role != RoleSystem && (slices.Contains(r.roles, RoleOperator) || slices.Contains(r.roles, RoleCandidate)) {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	return Errorf(EFORBIDDEN, "%s", r.refusal)
}

// CanEditProfile decides whether a may replace the profile of c: only the
// candidate themselves, and only while their record is open (registered).
// EFORBIDDEN for anyone else, ECONFLICT once the record is closed.
func CanEditProfile(a Actor, c Candidate) error {
	if err := Authorize(a, PermEditOwnProfile); err != nil {
		return err
	}
	if c.UserID != a.UserID {
		return Errorf(EFORBIDDEN, "you can only edit your own profile")
	}
	if c.Status != StatusRegistered {
		return Errorf(ECONFLICT, "a %s record can no longer be edited", c.Status)
	}
	return nil
}
