package sim

// Role is what a signed-in user may do.
type Role string

// Roles. RoleSystem is the engine itself (workflow activities, the relay,
// sign-in checks); it is never given to a person. RoleAnonymous is a person
// who has not signed in: they may ask to register, and may use what a
// secret they present (a registration link, a bearer token) unlocks.
const (
	RoleOperator  Role = "operator"
	RoleCandidate Role = "candidate"
	RoleSystem    Role = "system"
	RoleAnonymous Role = "anonymous"
)

// Actor is who is acting: the principal every transaction's row-level
// security context is built from. UserID is the zero string for
// RoleSystem and RoleAnonymous.
type Actor struct {
	UserID string
	Role   Role
	// Credential is the SHA-256 of a secret an anonymous actor presented (a
	// registration link's token, a session's bearer token). Row-level
	// security shows such an actor only the rows that secret unlocks.
	Credential []byte
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
// live session.
func (a Actor) SignedIn() bool {
	return a.UserID != "" && (a.Role == RoleOperator || a.Role == RoleCandidate)
}
