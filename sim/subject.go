package sim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The data inventory as code: every column of every table states, in its
// comment, what kind of information it holds (DataClass), how long it is
// kept (RetentionCategory), whom a row is about (SubjectPath), what
// anonymising that person does with the value (Anonymisation) and who can
// see it (Audience). make generate turns the comments into db.Inventory and
// the SQL that subject access, erasure and the retention sweep run.

// SubjectKind is whom a row is about.
type SubjectKind string

// Subject kinds. A candidate and a user (an account: a candidate's, an
// organisation user's or the operator's) are Muster's data subjects: they
// can export and erase what is about them. An external subject is a
// person or body with no account here (the signatory of an agreement,
// someone who asked for a link, an organisation's group mailbox): what is
// about them is kept or wiped by retention alone.
const (
	SubjectCandidate SubjectKind = "candidate"
	SubjectUser      SubjectKind = "user"
	SubjectExternal  SubjectKind = "external"
)

// SubjectPath is how a row reaches its data subject: the subject's own row
// (candidates for a candidate, users for a user), or a chain of columns
// from the row to the subject's ID: "candidate:thread_id>threads.candidate_id"
// is a row whose thread_id names a thread whose candidate_id names the
// candidate. An external subject names who it is: "external:signatory".
type SubjectPath struct {
	Kind SubjectKind
	// Via is the chain of columns: the first one of the row itself, each
	// later one "table.column" of the row the one before it names by ID.
	// Empty for the subject's own row.
	Via []string
	// Who names an external subject.
	Who string
}

// IsZero reports a row that is about nobody.
func (p SubjectPath) IsZero() bool { return p.Kind == "" }

// Self reports the subject's own row.
func (p SubjectPath) Self() bool { return p.Kind != SubjectExternal && p.Kind != "" && len(p.Via) == 0 }

// String is the path as written in a column's comment.
func (p SubjectPath) String() string {
	switch {
	case p.Kind == "":
		return ""
	case p.Kind == SubjectExternal:
		return "external:" + p.Who
	case len(p.Via) == 0:
		return string(p.Kind)
	}
	return string(p.Kind) + ":" + strings.Join(p.Via, ">")
}

var (
	identRe     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	qualIdentRe = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)
)

// ParseSubject reads a subject path; EINVALID saying what is wrong.
func ParseSubject(s string) (SubjectPath, error) {
	kind, rest, _ := strings.Cut(s, ":")
	p := SubjectPath{Kind: SubjectKind(kind)}
	switch p.Kind {
	case SubjectExternal:
		if !identRe.MatchString(rest) {
			return SubjectPath{}, Errorf(EINVALID, "subject %q: an external subject names who it is, as external:signatory", s)
		}
		p.Who = rest
		return p, nil
	case SubjectCandidate, SubjectUser:
	default:
		return SubjectPath{}, Errorf(EINVALID, "subject %q: the kind must be candidate, user or external", s)
	}
	if rest == "" {
		if strings.Contains(s, ":") {
			return SubjectPath{}, Errorf(EINVALID, "subject %q: a path is missing after the colon", s)
		}
		return p, nil
	}
	p.Via = strings.Split(rest, ">")
	for i, hop := range p.Via {
		if (i == 0 && !identRe.MatchString(hop)) || (i > 0 && !qualIdentRe.MatchString(hop)) {
			return SubjectPath{}, Errorf(EINVALID, "subject %q: hop %q must be a column of the row first, then table.column", s, hop)
		}
	}
	return p, nil
}

// Anonymisation is what anonymising a row's data subject does with a
// value.
type Anonymisation string

// Anonymisations. A table either loses its rows about the person (every
// column delete, or carried into the ghost record first) or keeps them
// (each column cleared or kept).
const (
	AnonDelete     Anonymisation = "delete"      // the row is deleted
	AnonGhost      Anonymisation = "ghost"       // carried into the ghost record as it is, then the row is deleted
	AnonGhostMonth Anonymisation = "ghost:month" // carried into the ghost record as its month, then the row is deleted
	AnonGhostBand  Anonymisation = "ghost:band"  // carried into the ghost record as an age band at registration, then the row is deleted
	AnonNull       Anonymisation = "null"        // cleared; the row stays
	AnonKeep       Anonymisation = "keep"        // kept in a row that stays: IDs that then point at nothing, the audit trail
)

// Anonymisations lists every Anonymisation.
var Anonymisations = []Anonymisation{AnonDelete, AnonGhost, AnonGhostMonth, AnonGhostBand, AnonNull, AnonKeep}

// DeletesRow reports whether anonymising removes the value's row.
func (a Anonymisation) DeletesRow() bool {
	return a == AnonDelete || a == AnonGhost || a == AnonGhostMonth || a == AnonGhostBand
}

// Describe says in words what anonymisation does with the value.
func (a Anonymisation) Describe() string {
	switch a {
	case AnonDelete:
		return "deleted"
	case AnonGhost:
		return "kept in the ghost record, then deleted"
	case AnonGhostMonth:
		return "kept in the ghost record as a month, then deleted"
	case AnonGhostBand:
		return "kept in the ghost record as an age band, then deleted"
	case AnonNull:
		return "cleared"
	case AnonKeep:
		return "kept (points at nothing once the person is gone)"
	}
	return "not anonymised"
}

// Audience is who can see a column through Muster.
type Audience string

// Audiences.
const (
	SeenByCandidate Audience = "candidate" // the candidate it is about
	SeenByUser      Audience = "user"      // the account holder it is about
	SeenByOrg       Audience = "org"       // an organisation's users, while it sees the candidate (or its own records)
	SeenByOperator  Audience = "operator"  // the programme team
	SeenByEngine    Audience = "engine"    // Muster's own processes only: never shown to anyone
)

// Audiences lists every Audience.
var Audiences = []Audience{SeenByCandidate, SeenByUser, SeenByOrg, SeenByOperator, SeenByEngine}

// InventoryColumn is one column of the data inventory.
type InventoryColumn struct {
	Table, Column string
	Type          string // the SQL type
	Class         DataClass
	Category      RetentionCategory
	// Subject is whom the row is about; zero for a row about nobody.
	Subject SubjectPath
	// Anonymise is what anonymising the subject does with the value;
	// empty when the row is about nobody (or an external subject).
	Anonymise Anonymisation
	SeenBy    []Audience
	// Clock marks the column whose time starts the row's retention period.
	Clock bool
	// Cascade marks the column naming the row this one goes with: when
	// retention deletes that row, this one is deleted with it.
	Cascade bool
	// Purpose is why the table holds its rows (the table's comment).
	Purpose string
}

// Comment is the column's comment as written in a migration.
func (c InventoryColumn) Comment() string {
	parts := []string{"class=" + string(c.Class), "category=" + string(c.Category)}
	if !c.Subject.IsZero() {
		parts = append(parts, "subject="+c.Subject.String())
	}
	if c.Anonymise != "" {
		parts = append(parts, "anonymise="+string(c.Anonymise))
	}
	seen := make([]string, len(c.SeenBy))
	for i, a := range c.SeenBy {
		seen[i] = string(a)
	}
	parts = append(parts, "seen_by="+strings.Join(seen, ","))
	if c.Clock {
		parts = append(parts, "retention=clock")
	}
	if c.Cascade {
		parts = append(parts, "retention=cascade")
	}
	return strings.Join(parts, "; ")
}

// ParseColumnComment reads a column's inventory comment: "class=...;
// category=...; subject=...; anonymise=...; seen_by=a,b[; retention=clock|cascade]".
// EINVALID naming the column and what is wrong.
func ParseColumnComment(table, column, comment string) (InventoryColumn, error) {
	c := InventoryColumn{Table: table, Column: column}
	fail := func(format string, args ...any) (InventoryColumn, error) {
		return InventoryColumn{}, Errorf(EINVALID, "%s.%s: %s", table, column, fmt.Sprintf(format, args...))
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(comment, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return fail("%q is not key=value (comment %q)", strings.TrimSpace(part), comment)
		}
		if seen[k] {
			return fail("%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "class":
			c.Class = DataClass(v)
			if !slices.Contains(DataClasses, c.Class) {
				return fail("unknown class %q", v)
			}
		case "category":
			c.Category = RetentionCategory(v)
			if !slices.Contains(RetentionCategories, c.Category) {
				return fail("unknown category %q", v)
			}
		case "subject":
			p, err := ParseSubject(v)
			if err != nil {
				return fail("%s", ErrorMessage(err))
			}
			c.Subject = p
		case "anonymise":
			c.Anonymise = Anonymisation(v)
			if !slices.Contains(Anonymisations, c.Anonymise) {
				return fail("unknown anonymisation %q", v)
			}
		case "seen_by":
			for _, a := range strings.Split(v, ",") {
				if !slices.Contains(Audiences, Audience(a)) {
					return fail("unknown audience %q", a)
				}
				c.SeenBy = append(c.SeenBy, Audience(a))
			}
		case "retention":
			switch v {
			case "clock":
				c.Clock = true
			case "cascade":
				c.Cascade = true
			default:
				return fail("retention must be clock or cascade")
			}
		default:
			return fail("unknown key %q", k)
		}
	}
	switch {
	case c.Class == "" || c.Category == "":
		return fail("class and category are required (comment %q)", comment)
	case len(c.SeenBy) == 0:
		return fail("seen_by is required")
	case c.Class.Personal() && c.Subject.IsZero():
		return fail("a %s column needs a subject: whom its row is about", c.Class)
	case c.Subject.IsZero() != (c.Anonymise == "") && c.Subject.Kind != SubjectExternal:
		return fail("a column about a candidate or user needs anonymise, and only such a column")
	case c.Subject.Kind == SubjectExternal && c.Anonymise != "":
		return fail("an external subject is not anonymised: retention alone keeps or wipes it")
	}
	return c, nil
}

// Inventory is every column of every table, in table then column order.
type Inventory []InventoryColumn

// Tables lists the inventory's tables in order, each once.
func (inv Inventory) Tables() []string {
	var out []string
	for _, c := range inv {
		if len(out) == 0 || out[len(out)-1] != c.Table {
			out = append(out, c.Table)
		}
	}
	return out
}

// Table returns the columns of one table, in order.
func (inv Inventory) Table(name string) []InventoryColumn {
	var out []InventoryColumn
	for _, c := range inv {
		if c.Table == name {
			out = append(out, c)
		}
	}
	return out
}

// Validate checks what no single comment can: every column of a table is
// about the same subject; a table about a candidate or user either loses
// its rows to anonymisation or keeps them, not both; a path's hops name
// columns the inventory has; a table has at most one retention clock.
// EINVALID naming the table and what is wrong.
func (inv Inventory) Validate() error {
	has := map[string]bool{}
	for _, c := range inv {
		has[c.Table+"."+c.Column] = true
	}
	for _, table := range inv.Tables() {
		cols := inv.Table(table)
		first := cols[0]
		clocks, cascades := 0, 0
		deletes := first.Anonymise.DeletesRow()
		for _, c := range cols {
			if c.Anonymise == AnonGhostBand && c.Type != "date" {
				return Errorf(EINVALID, "%s.%s: ghost:band is for a date of birth, not a %s", table, c.Column, c.Type)
			}
			if c.Subject.String() != first.Subject.String() {
				return Errorf(EINVALID, "%s: every column must name the same subject (%s has %q, %s has %q)",
					table, first.Column, first.Subject, c.Column, c.Subject)
			}
			if c.Anonymise != "" && c.Anonymise.DeletesRow() != deletes {
				return Errorf(EINVALID, "%s: anonymisation must delete every column's row or keep it (%s: %s, %s: %s)",
					table, first.Column, first.Anonymise, c.Column, c.Anonymise)
			}
			if c.Clock {
				clocks++
			}
			if c.Cascade {
				cascades++
			}
		}
		if clocks+cascades > 1 {
			return Errorf(EINVALID, "%s: %d columns are marked retention=clock or cascade; one decides when a row goes", table, clocks+cascades)
		}
		for i, hop := range first.Subject.Via {
			if i == 0 {
				hop = table + "." + hop
			}
			if !has[hop] {
				return Errorf(EINVALID, "%s: the subject path %s names %s, which is not a column", table, first.Subject, hop)
			}
		}
		if first.Subject.Self() {
			want := map[SubjectKind]string{SubjectCandidate: "candidates", SubjectUser: "users"}[first.Subject.Kind]
			if table != want {
				return Errorf(EINVALID, "%s: only %s is a %s's own row; name the path from this table", table, want, first.Subject.Kind)
			}
		}
	}
	return nil
}
