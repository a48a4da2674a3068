package sim

import "time"

// AccessRecord is one line of "who accessed my record": which
// organisation (or the programme team) looked at or acted on a
// candidate's record, what it did and when. Never which person, nor from
// where.
type AccessRecord struct {
	Seq    int64 // the audit trail's sequence number: the page cursor
	At     time.Time
	Action AuditAction
	// By is the organisation's name ("an organisation" once it has gone),
	// or "programme team" for the operator and Muster's own processes, or
	// "you" for the candidate's own acts.
	By string
}

// Accessors named in an AccessRecord besides organisations.
const (
	AccessByProgramme = "programme team"
	AccessBySelf      = "you"
	AccessByOrg       = "an organisation"
)

// AccessRecordOf names who acted on a record from the actor's role and,
// for an organisation's user, the organisation's name.
func AccessRecordOf(seq int64, at time.Time, action AuditAction, role Role, orgName string) AccessRecord {
	by := AccessByProgramme
	switch {
	case role == RoleCandidate:
		by = AccessBySelf
	case role.OrgRole() && orgName != "":
		by = orgName
	case role.OrgRole():
		by = AccessByOrg
	}
	return AccessRecord{Seq: seq, At: at, Action: action, By: by}
}

// AccessCursor is a position in the access log: records before Seq.
type AccessCursor struct {
	Seq int64
}

// SubjectAccess is everything Muster holds about one candidate, for them
// to download: the rows of each table about them or their account (each
// row by column, credentials left out), in the data inventory's order,
// and who accessed their record.
type SubjectAccess struct {
	CandidateID string
	GeneratedAt time.Time
	// Tables lists the tables in order, each with its columns in order and
	// its rows.
	Tables []SubjectTable
	Access []AccessRecord
}

// SubjectTable is one table's rows about the candidate.
type SubjectTable struct {
	Name    string
	Purpose string
	Columns []string
	Rows    []map[string]any
}
