package sim

import (
	"slices"
	"strings"
	"time"
)

// The employer's view: the candidates an organisation sees (see
// VisibilityPolicy), listed with filters, and one candidate's profile.

// OrgCandidate is a line of an organisation's candidate list.
type OrgCandidate struct {
	CandidateID string
	InterestID  string
	FirstName   string
	LastName    string
	Connection  Connection
	Region      Region
	Skills      []string
	State       InterestState
	OpenedAt    time.Time // when the candidate chose the organisation
	UpdatedAt   time.Time
}

// OrgCandidateProfile is what an organisation sees of one candidate:
// the profile they consented to share (not their date of birth or how
// they heard of the programme), their interest in it and the support
// recorded on it.
type OrgCandidateProfile struct {
	OrgCandidate
	Email          string
	Phone          string
	JobPreferences string
	RegisteredAt   time.Time
	Interviewed    bool
	WorkPlaced     bool
	Interventions  []RecordedIntervention
	// Allowed is what may be recorded next on the interest.
	Allowed []InterventionKind
}

// CandidateCursor is where a page of the candidate list continues: after
// the interest chosen at At with ID. The zero cursor starts at the first.
type CandidateCursor struct {
	At time.Time
	ID string
}

// CandidateFilter narrows and orders an organisation's candidate list.
// Skill matches any of a candidate's skills containing it, JobPreferences
// their job preferences containing it, both ignoring case; Since and
// Until bound the date the candidate chose the organisation (Until
// exclusive).
type CandidateFilter struct {
	Region         Region
	Connection     Connection
	States         []InterestState
	Skill          string
	JobPreferences string
	Since          time.Time
	Until          time.Time
	Oldest         bool // oldest interest first; newest first by default
	After          CandidateCursor
	Limit          int
}

// Normalize trims the text filters.
func (f CandidateFilter) Normalize() CandidateFilter {
	f.Skill = strings.TrimSpace(f.Skill)
	f.JobPreferences = strings.TrimSpace(f.JobPreferences)
	return f
}

// Validate returns EINVALID naming the filter at fault.
func (f CandidateFilter) Validate() error {
	if f.Region != "" && !slices.Contains(Regions, f.Region) {
		return FieldError("region", "region must be one of %s", joinValues(Regions))
	}
	if f.Connection != "" && !slices.Contains(Connections, f.Connection) {
		return FieldError("connection", "connection must be one of %s", joinValues(Connections))
	}
	for _, s := range f.States {
		if !slices.Contains(InterestStates, s) {
			return FieldError("state", "state must be one of %s", joinValues(InterestStates))
		}
	}
	if err := checkText("skill", f.Skill, false, MaxFilterLen); err != nil {
		return err
	}
	if err := checkText("job_preferences", f.JobPreferences, false, MaxFilterLen); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return FieldError("until", "until must be after since")
	}
	return nil
}
