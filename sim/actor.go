package sim

// Role is what a signed-in user may do.
type Role string

// Roles. RoleSystem is the engine itself (workflow activities, sign-in
// checks); it is never given to a person.
const (
	RoleOperator  Role = "operator"
	RoleCandidate Role = "candidate"
	RoleSystem    Role = "system"
)

// Actor is who is acting: the principal a transaction's row-level security
// context is built from. UserID is the zero string for RoleSystem.
type Actor struct {
	UserID string
	Role   Role
}

// System is the actor for engine work that no person initiated.
var System = Actor{Role: RoleSystem}

// IsOperator reports whether the actor is the programme operator.
func (a Actor) IsOperator() bool { return a.Role == RoleOperator }
