package sim

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A roster is a list an organisation already keeps of people from the
// Armed Forces community, uploaded to quick-register them: a header row
// naming the columns, then one row per person. Each valid row becomes an
// invitation from that organisation. This file is what a roster may say
// and how each row is checked; render reads the file formats, db checks
// the rows against each other and against the people Muster knows.

// RosterColumn is a column of a roster.
type RosterColumn string

// The columns a roster may have.
const (
	RosterName       RosterColumn = "name"
	RosterEmail      RosterColumn = "email"
	RosterPhone      RosterColumn = "phone"
	RosterConnection RosterColumn = "connection"
	RosterRegion     RosterColumn = "region"
	RosterConsent    RosterColumn = "consent"
)

// RosterColumns lists a roster's columns, the required ones first.
var RosterColumns = []RosterColumn{RosterName, RosterEmail, RosterConnection, RosterConsent, RosterPhone, RosterRegion}

// rosterRequired are the columns a roster must have.
var rosterRequired = []RosterColumn{RosterName, RosterEmail, RosterConnection, RosterConsent}

// rosterHeaders are the headings, as rosterKey writes them, that name
// each column: its own name and what people call it in their lists.
var rosterHeaders = map[string]RosterColumn{
	"name": RosterName, "full_name": RosterName,
	"email": RosterEmail, "email_address": RosterEmail, "e_mail": RosterEmail, "e_mail_address": RosterEmail,
	"phone": RosterPhone, "phone_number": RosterPhone, "telephone": RosterPhone, "mobile": RosterPhone, "mobile_number": RosterPhone,
	"connection": RosterConnection, "armed_forces_connection": RosterConnection, "connection_to_the_armed_forces": RosterConnection,
	"region":  RosterRegion,
	"consent": RosterConsent, "consent_to_contact": RosterConsent, "consent_method": RosterConsent,
	"how_consent_to_contact_was_obtained": RosterConsent,
}

// ContactConsent is how an organisation obtained a person's consent to be
// contacted about the programme: an organisation may quick-register only
// people who agreed to hear from it.
type ContactConsent string

// ContactConsents lists every valid ContactConsent.
var ContactConsents = []ContactConsent{"in_writing", "by_email", "online_form", "verbally", "at_an_event"}

// rosterConnections are the other ways lists write a connection.
var rosterConnections = map[string]Connection{
	"service_leavers": ConnServiceLeaver, "early_service_leaver": ConnServiceLeaver,
	"veterans": ConnVeteran, "reservists": ConnReservist,
	"cadet_adult_volunteer": ConnCadetAdultVolunteer, "cadet_forces_adult_volunteers": ConnCadetAdultVolunteer,
	"spouse": ConnSpouseOrPartner, "partner": ConnSpouseOrPartner, "spouse_partner": ConnSpouseOrPartner,
	"bereaved_family": ConnBereavedFamilyMember, "child": ConnAdultChild, "family_member": ConnOtherFamilyMember,
}

// MaxRosterColumns is the most cells a roster's header may have.
const MaxRosterColumns = 64

// RosterHeader is a roster's header row, read: which cell holds which
// column.
type RosterHeader struct {
	cells   int
	columns map[RosterColumn]int
}

// ParseRosterHeader reads a roster's header row. Headings match whatever
// their case, spacing and punctuation ("Email address", "email_address").
// A heading that is not a roster column is refused rather than ignored:
// a column Muster would not keep (a date of birth, notes) should not be
// uploaded at all. The error is EINVALID and names every problem.
func ParseRosterHeader(cells []string) (RosterHeader, error) {
	h := RosterHeader{cells: len(cells), columns: map[RosterColumn]int{}}
	if len(cells) > MaxRosterColumns {
		return h, Errorf(EINVALID, "the header row has %d cells: a roster has at most %d", len(cells), MaxRosterColumns)
	}
	var problems []string
	for i, c := range cells {
		key := rosterKey(c)
		col, ok := rosterHeaders[key]
		switch {
		case key == "" && strings.TrimSpace(c) == "":
			problems = append(problems, fmt.Sprintf("column %s has no heading", ColumnLetters(i)))
		case !ok:
			// Not quoted: a file without its header row would have its
			// first person's details repeated here.
			problems = append(problems, fmt.Sprintf("column %s is not a roster column", ColumnLetters(i)))
		default:
			if j, dup := h.columns[col]; dup {
				problems = append(problems, fmt.Sprintf("columns %s and %s are both %s", ColumnLetters(j), ColumnLetters(i), col))
			} else {
				h.columns[col] = i
			}
		}
	}
	for _, col := range rosterRequired {
		if _, ok := h.columns[col]; !ok {
			problems = append(problems, fmt.Sprintf("there is no %s column", col))
		}
	}
	if problems != nil {
		return h, Errorf(EINVALID, "the header row is not a roster's: %s (the columns are %s)",
			strings.Join(problems, "; "), joinValues(RosterColumns))
	}
	return h, nil
}

// Cells is how many cells the header row has.
func (h RosterHeader) Cells() int { return h.cells }

// RosterRow is one person of a roster, as checked by RosterHeader.Row. A
// value with a problem is not kept (it is empty, or for a list's value
// the text as matched): nothing that failed its check travels further.
type RosterRow struct {
	Row        int // the row's number in the file, the header's being 1
	Name       string
	Email      string // normalised (NormalizeEmail)
	Phone      string // optional
	Connection Connection
	Region     Region // optional
	Consent    ContactConsent
}

// RosterProblem is what is wrong with one cell (or, with no column, one
// row) of a roster. It never quotes the cell: the report of problems is
// a file too, and travels.
type RosterProblem struct {
	Row     int          `json:"row"`
	Column  RosterColumn `json:"column,omitempty"`
	Problem string       `json:"problem"`
	// Warning: flagged for the admin's attention, and the row stays valid
	// (a possible duplicate of someone already registered).
	Warning bool `json:"warning,omitempty"`
}

// Row checks the cells of the row numbered n against the header and
// returns the person, and every problem found (none when the row is
// valid). A blank row (every cell empty) is neither: ok is false and
// there are no problems.
func (h RosterHeader) Row(n int, cells []string) (row RosterRow, problems []RosterProblem, ok bool) {
	if blank(cells) {
		return RosterRow{}, nil, false
	}
	row.Row = n
	add := func(col RosterColumn, format string, args ...any) {
		problems = append(problems, RosterProblem{Row: n, Column: col, Problem: fmt.Sprintf(format, args...)})
	}
	// Cells past the header's are a problem only when something is in
	// them (a spreadsheet writes a row's empty last cells, or not).
	if len(cells) > h.cells && !blank(cells[h.cells:]) {
		problems = append(problems, RosterProblem{Row: n, Problem: fmt.Sprintf("the row has %d cells and the header %d", len(cells), h.cells)})
	}
	cell := func(col RosterColumn) (string, bool) {
		i, has := h.columns[col]
		if !has || i >= len(cells) {
			return "", true
		}
		s := strings.TrimSpace(cells[i])
		switch {
		case !utf8.ValidString(s):
			add(col, "is not text in the file's encoding (save the file as UTF-8)")
			return "", false
		case formulaLike(s, col == RosterPhone):
			add(col, "starts like a spreadsheet formula (=, +, -, @): remove it, or the leading character")
			return "", false
		}
		return s, true
	}
	if s, good := cell(RosterName); good {
		if err := checkText(string(RosterName), s, true, MaxNameLen*2+1); err != nil {
			add(RosterName, "%s", fieldProblem(err))
		} else {
			row.Name = s
		}
	}
	if s, good := cell(RosterEmail); good {
		email, err := NormalizeEmail(s)
		if err != nil {
			add(RosterEmail, "%s", fieldProblem(err))
		}
		row.Email = email
	}
	if s, good := cell(RosterPhone); good && s != "" {
		if utf8.RuneCountInString(s) > MaxPhoneLen || strings.IndexFunc(s, notPhoneRune) >= 0 {
			add(RosterPhone, "must be digits, spaces and + - ( ) only, at most %d characters", MaxPhoneLen)
		} else {
			row.Phone = s
		}
	}
	if s, good := cell(RosterConnection); good {
		c := Connection(rosterKey(s))
		if alias, has := rosterConnections[string(c)]; has {
			c = alias
		}
		switch {
		case s == "":
			add(RosterConnection, "is required")
		case !slices.Contains(Connections, c):
			add(RosterConnection, "must be one of %s", joinValues(Connections))
		}
		row.Connection = c
	}
	if s, good := cell(RosterRegion); good && s != "" {
		r := Region(rosterKey(s))
		if !slices.Contains(Regions, r) {
			add(RosterRegion, "must be one of %s, or empty", joinValues(Regions))
		}
		row.Region = r
	}
	if s, good := cell(RosterConsent); good {
		c := ContactConsent(rosterKey(s))
		switch {
		case s == "":
			add(RosterConsent, "is required: how the person agreed to be contacted")
		case !slices.Contains(ContactConsents, c):
			add(RosterConsent, "must be one of %s", joinValues(ContactConsents))
		}
		row.Consent = c
	}
	return row, problems, true
}

// rosterKey writes a heading or a value the way the roster's lists of
// names do: lower case, each run of anything but letters and digits one
// underscore, none at the ends ("E-mail Address " → "e_mail_address").
func rosterKey(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
			continue
		}
		gap = true
	}
	return b.String()
}

// formulaLike says whether a cell would be taken for a formula by a
// spreadsheet that opened it: it starts with =, +, -, @, a tab or a
// carriage return. A phone number may start with + (+44 …): its own check
// refuses anything but digits, spaces and + - ( ).
func formulaLike(s string, phone bool) bool {
	if s == "" {
		return false
	}
	for _, wide := range []string{"\uff1d", "\uff0b", "\uff0d", "\uff20"} { // fullwidth = + - @
		if strings.HasPrefix(s, wide) {
			return true
		}
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+':
		return !phone // the phone's own check refuses anything but a phone number's characters
	case '-':
		return true
	}
	return false
}

// fieldProblem is an EINVALID error's message without the field's name,
// which a roster's problem gives as its column.
func fieldProblem(err error) string {
	if e, ok := err.(*Error); ok && e.Field != "" {
		return strings.TrimPrefix(e.Message, e.Field+" ")
	}
	return err.Error()
}

// BlankCells says whether every cell is empty or space: a blank row of a
// file, which is nobody.
func BlankCells(cells []string) bool { return blank(cells) }

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ColumnLetters is a spreadsheet's name for the column at index i (0: A,
// 26: AA).
func ColumnLetters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
