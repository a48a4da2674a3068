package sim

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Connection is how a person belongs to the Armed Forces community.
type Connection string

// The fixed list of Armed Forces connections.
const (
	ConnServiceLeaver        Connection = "service_leaver"
	ConnVeteran              Connection = "veteran"
	ConnReservist            Connection = "reservist"
	ConnCadetAdultVolunteer  Connection = "cadet_forces_adult_volunteer"
	ConnSpouseOrPartner      Connection = "spouse_or_partner"
	ConnBereavedFamilyMember Connection = "bereaved_family_member"
	ConnAdultChild           Connection = "adult_child"
	ConnOtherFamilyMember    Connection = "other_family_member"
)

// Connections lists every valid Connection.
var Connections = []Connection{
	ConnServiceLeaver, ConnVeteran, ConnReservist, ConnCadetAdultVolunteer,
	ConnSpouseOrPartner, ConnBereavedFamilyMember, ConnAdultChild, ConnOtherFamilyMember,
}

// Region is a broad region, coarse enough to survive into ghost records.
type Region string

// Regions lists every valid Region: the NHS England regions, the devolved
// nations and overseas.
var Regions = []Region{
	"north_east_and_yorkshire", "north_west", "midlands", "east_of_england",
	"london", "south_east", "south_west", "scotland", "wales",
	"northern_ireland", "overseas",
}

// Source is where a person heard about the programme, so the operator can
// measure which promotion works.
type Source string

// Sources lists every valid Source.
var Sources = []Source{
	"career_transition_partnership", "armed_forces_unit", "armed_forces_charity",
	"nhs_organisation", "social_media", "website", "event", "word_of_mouth", "other",
}

// MinimumAge is the youngest a candidate may be at registration.
const MinimumAge = 18

// MaximumAge is the oldest a date of birth may make anyone: an older one
// is a typing mistake (1919 for 1991), not a candidate.
const MaximumAge = 100

// Profile is what a candidate tells the programme about themselves.
type Profile struct {
	FirstName      string
	LastName       string
	Phone          string // optional
	DateOfBirth    time.Time
	Connection     Connection
	Skills         []string
	JobPreferences string
	Region         Region
	HeardAbout     Source
}

// Normalize trims surrounding space from the text fields and drops empty
// skills; Validate expects a normalized profile.
func (p Profile) Normalize() Profile {
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.Phone = strings.TrimSpace(p.Phone)
	p.JobPreferences = strings.TrimSpace(p.JobPreferences)
	skills := make([]string, 0, len(p.Skills))
	for _, s := range p.Skills {
		if s = strings.TrimSpace(s); s != "" {
			skills = append(skills, s)
		}
	}
	p.Skills = skills
	return p
}

// Validate checks the profile as of now and returns an EINVALID *Error naming
// the first field at fault. Under-18s are refused.
func (p Profile) Validate(now time.Time) error {
	if err := checkText("first_name", p.FirstName, true, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("last_name", p.LastName, true, MaxNameLen); err != nil {
		return err
	}
	if p.Phone != "" {
		if utf8.RuneCountInString(p.Phone) > MaxPhoneLen || strings.IndexFunc(p.Phone, notPhoneRune) >= 0 {
			return FieldError("phone", "phone must be digits, spaces and + - ( ) only, at most %d characters", MaxPhoneLen)
		}
	}
	if err := CheckDateOfBirth(p.DateOfBirth, now); err != nil {
		return err
	}
	if !slices.Contains(Connections, p.Connection) {
		return FieldError("connection", "connection must be one of %s", joinValues(Connections))
	}
	if len(p.Skills) > MaxSkills {
		return FieldError("skills", "at most %d skills", MaxSkills)
	}
	for _, s := range p.Skills {
		if err := checkText("skills", s, true, MaxSkillLen); err != nil {
			return err
		}
	}
	if err := checkFreeText("job_preferences", p.JobPreferences, false, MaxJobPreferencesLen); err != nil {
		return err
	}
	if !slices.Contains(Regions, p.Region) {
		return FieldError("region", "region must be one of %s", joinValues(Regions))
	}
	if !slices.Contains(Sources, p.HeardAbout) {
		return FieldError("heard_about", "heard_about must be one of %s", joinValues(Sources))
	}
	return nil
}

// CheckDateOfBirth refuses a missing or future date of birth, one that
// would make the person older than MaximumAge (so never before 1900), and
// anyone younger than MinimumAge on now's date.
func CheckDateOfBirth(dob, now time.Time) error {
	if dob.IsZero() {
		return FieldError("date_of_birth", "date_of_birth is required, as a real date of birth")
	}
	dob, now = dob.UTC(), now.UTC() // a date of birth is a calendar date: read both the same way
	if dob.Year() < 1900 || dob.After(now) {
		return FieldError("date_of_birth", "date_of_birth must be a real date in the past")
	}
	if AgeOn(dob, now) > MaximumAge {
		return FieldError("date_of_birth", "date_of_birth must be a plausible date of birth: it makes you older than %d", MaximumAge)
	}
	if AgeOn(dob, now) < MinimumAge {
		return FieldError("date_of_birth", "you must be %d or over to register with the programme", MinimumAge)
	}
	return nil
}

// AgeOn returns the age in whole years of someone born on dob, on the
// calendar date of now (both read as UTC dates).
func AgeOn(dob, now time.Time) int {
	dob, now = dob.UTC(), now.UTC()
	age := now.Year() - dob.Year()
	if now.Month() < dob.Month() || (now.Month() == dob.Month() && now.Day() < dob.Day()) {
		age--
	}
	return age
}

func checkText(field, s string, required bool, maxLen int) error {
	return checkString(field, s, required, maxLen, problemInLine)
}

func checkFreeText(field, s string, required bool, maxLen int) error {
	return checkString(field, s, required, maxLen, problemInText)
}

func checkString(field, s string, required bool, maxLen int, problem func(string) string) error {
	if s == "" {
		if required {
			return FieldError(field, "%s is required", field)
		}
		return nil
	}
	if p := problem(s); p != "" {
		return FieldError(field, "%s %s", field, p)
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return FieldError(field, "%s must be at most %d characters", field, maxLen)
	}
	return nil
}

func notPhoneRune(r rune) bool {
	return !(r >= '0' && r <= '9') && !strings.ContainsRune(" +-()", r)
}

func joinValues[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// Changes names the fields of the profile that differ between p and
// next, by their names in the API, in the profile's order: what a
// rectification corrected, never the values.
func (p Profile) Changes(next Profile) []string {
	var out []string
	add := func(changed bool, field string) {
		if changed {
			out = append(out, field)
		}
	}
	add(p.FirstName != next.FirstName, "first_name")
	add(p.LastName != next.LastName, "last_name")
	add(p.Phone != next.Phone, "phone")
	add(!p.DateOfBirth.Equal(next.DateOfBirth), "date_of_birth")
	add(p.Connection != next.Connection, "connection")
	add(!slices.Equal(p.Skills, next.Skills), "skills")
	add(p.JobPreferences != next.JobPreferences, "job_preferences")
	add(p.Region != next.Region, "region")
	add(p.HeardAbout != next.HeardAbout, "heard_about")
	return out
}
