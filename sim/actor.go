package sim

// Role is what a signed-in user may do.
type Role string

// Roles. RoleSystem is the engine itself (workflow activities, the relay,
// sign-in checks); it is never given to a person. RoleAnonymous is a person
// who has not signed in: they may ask to register, and may use what a
// secret they present (a registration link, a bearer token) unlocks.
// RoleOrgAdmin and RoleOrgUser are the people of a pledged organisation:
// an admin also manages the organisation's users and group mailbox.
const (
	RoleOperator  Role = "operator"
	RoleOrgAdmin  Role = "org_admin"
	RoleOrgUser   Role = "org_user"
	RoleCandidate Role = "candidate"
	RoleSystem    Role = "system"
	RoleAnonymous Role = "anonymous"
)

// OrgRole reports whether r is a role of an organisation's people.
func (r Role) OrgRole() bool { return r == RoleOrgAdmin || r == RoleOrgUser }

// Staff reports whether r is the programme's own: the operator or the engine.
func (r Role) Staff() bool { return r == RoleOperator || r == RoleSystem }

// Person reports whether r is the role of a person's account.
func (r Role) Person() bool {
	return r == RoleOperator || r == RoleCandidate || r.OrgRole()
}

// Actor is who is acting: the principal every transaction's row-level
// security context is built from. UserID is the zero string for
// RoleSystem and RoleAnonymous; OrgID is set exactly for the org roles.
type Actor struct {
	UserID string
	Role   Role
	// OrgID is the organisation an org_admin or org_user belongs to.
	OrgID string
	// Credential is the SHA-256 of a secret an anonymous actor presented (a
	// registration link's token, a session's bearer token). Row-level
	// security shows such an actor only the rows that secret unlocks.
	Credential []byte
	// Restriction, when set, is why this person may do almost nothing
	// right now (their organisation's agreement no longer matches it, the
	// code of conduct is not yet accepted): Authorize refuses them with it.
	Restriction Restriction
	// From is where the actor acts from (the client's IP address), for the
	// audit trail; empty for the engine.
	From string
}

// System is the actor for engine work that no person initiated: workflow
// activities, the outbox relay and the sign-in check. Every use says why
// in a comment where it is used.
var System = Actor{Role: RoleSystem}

// Anonymous is a person who has not signed in.
var Anonymous = Actor{Role: RoleAnonymous}

// Presenting returns an anonymous actor holding the secret whose SHA-256
// is credential.
func Presenting(credential []byte) Actor {
	return Actor{Role: RoleAnonymous, Credential: credential}
}

// SignedIn reports whether the actor is a person with an account and a
// live session (an org role also needs its organisation).
func (a Actor) SignedIn() bool {
	return a.UserID != "" && a.Role.Person() && (!a.Role.OrgRole() || a.OrgID != "")
}
