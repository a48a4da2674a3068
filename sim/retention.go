package sim

import (
	"fmt"
	"slices"
	"time"
)

// The retention schedule: how long each retention category is kept, how
// long organisations may see a candidate, and what happens at the end.
// It is data (the operator changes it within RetentionBounds), with
// defaults after the programme's retention table: login and operational
// records two years; a candidate's personal and interaction records three
// years after their last activity, then anonymised into a ghost record;
// organisations see a candidate for twelve months after the last activity
// on their interest; ghost records, agreements, the audit trail and
// reference data indefinitely.

// RetentionAction is what happens to a category's rows at the end of
// their period.
type RetentionAction string

// Retention actions.
const (
	// RetainDelete deletes a row once its clock (the column marked
	// retention=clock) is older than the period.
	RetainDelete RetentionAction = "delete"
	// RetainAnonymise anonymises the candidate into a ghost record once
	// their last activity is older than the period.
	RetainAnonymise RetentionAction = "anonymise"
	// RetainWithCandidate keeps a row as long as its candidate's record and
	// anonymises it with them.
	RetainWithCandidate RetentionAction = "with_candidate"
	// RetainKeep keeps the rows indefinitely (or, for accounts and
	// organisations, as long as they exist).
	RetainKeep RetentionAction = "keep"
)

// RetentionRule is one category's line of the schedule.
type RetentionRule struct {
	Category RetentionCategory
	Action   RetentionAction
	// Keep is how long after its clock a row is kept (RetainDelete), or
	// after the candidate's last activity (RetainAnonymise); zero for the
	// other actions.
	Keep time.Duration
	// OrgVisible, for the candidate record only, is how long after the
	// last activity on an interest the organisation still sees the
	// candidate; zero elsewhere.
	OrgVisible time.Duration
}

// RetentionSchedule is one rule per retention category, in
// RetentionCategories order.
type RetentionSchedule []RetentionRule

const (
	day  = 24 * time.Hour
	year = 365 * day
)

// DefaultRetention is the schedule a deployment starts with.
var DefaultRetention = RetentionSchedule{
	{Category: RetainAccount, Action: RetainKeep},
	{Category: RetainSession, Action: RetainDelete, Keep: 30 * day},
	{Category: RetainCandidateRecord, Action: RetainAnonymise, Keep: 3 * year, OrgVisible: year},
	{Category: RetainInvitation, Action: RetainDelete, Keep: 30 * day},
	{Category: RetainConsent, Action: RetainWithCandidate},
	{Category: RetainLoginRecord, Action: RetainDelete, Keep: 2 * year},
	{Category: RetainReporting, Action: RetainWithCandidate},
	{Category: RetainStatistics, Action: RetainKeep},
	{Category: RetainReference, Action: RetainKeep},
	{Category: RetainRequest, Action: RetainDelete, Keep: 30 * day},
	{Category: RetainOutbox, Action: RetainDelete, Keep: day},
	{Category: RetainOrganisation, Action: RetainKeep},
	{Category: RetainAgreement, Action: RetainKeep},
	{Category: RetainAudit, Action: RetainKeep},
	{Category: RetainMessage, Action: RetainWithCandidate},
	{Category: RetainNotification, Action: RetainDelete, Keep: 2 * year},
}

// RetentionBound is what the operator may set a category's period to:
// from Min to Max. A category with no bound cannot be changed.
type RetentionBound struct{ Min, Max time.Duration }

// RetentionBounds are the periods the operator may choose between. What
// is kept indefinitely (ghost records, agreements, the audit trail,
// reference data) and what goes with the candidate record is not theirs
// to change.
var RetentionBounds = map[RetentionCategory]RetentionBound{
	RetainSession:         {Min: day, Max: 2 * year},
	RetainCandidateRecord: {Min: year, Max: 10 * year},
	RetainInvitation:      {Min: day, Max: year},
	RetainLoginRecord:     {Min: 30 * day, Max: 5 * year},
	RetainRequest:         {Min: day, Max: year},
	RetainOutbox:          {Min: time.Hour, Max: 30 * day},
	RetainNotification:    {Min: 30 * day, Max: 5 * year},
}

// OrgVisibleBound is what the organisations' view of a candidate may be
// set to, and never longer than the candidate record is kept.
var OrgVisibleBound = RetentionBound{Min: 30 * day, Max: 5 * year}

// Rule returns the rule for category c.
func (s RetentionSchedule) Rule(c RetentionCategory) RetentionRule {
	for _, r := range s {
		if r.Category == c {
			return r
		}
	}
	return RetentionRule{Category: c, Action: RetainKeep}
}

// With returns the schedule with r in place of its category's rule, once
// r is valid: EINVALID naming the field and the bounds otherwise.
func (s RetentionSchedule) With(r RetentionRule) (RetentionSchedule, error) {
	cur := s.Rule(r.Category)
	if !slices.Contains(RetentionCategories, r.Category) {
		return nil, FieldError("category", "category must be one of %s", joinValues(RetentionCategories))
	}
	b, ok := RetentionBounds[r.Category]
	if !ok {
		return nil, Errorf(ECONFLICT, "%s is kept %s: that is not a setting", r.Category, describeAction(cur))
	}
	if r.Action != cur.Action {
		return nil, FieldError("action", "%s is %s at the end of its period; that cannot be changed", r.Category, cur.Action)
	}
	if r.Keep < b.Min || r.Keep > b.Max {
		return nil, FieldError("keep_days", "%s must be kept between %s and %s", r.Category, Days(b.Min), Days(b.Max))
	}
	if r.Category == RetainCandidateRecord {
		if r.OrgVisible < OrgVisibleBound.Min || r.OrgVisible > OrgVisibleBound.Max || r.OrgVisible > r.Keep {
			return nil, FieldError("org_visible_days", "organisations may see a candidate for between %s and %s after the last activity, and no longer than the record is kept",
				Days(OrgVisibleBound.Min), Days(OrgVisibleBound.Max))
		}
	} else if r.OrgVisible != 0 {
		return nil, FieldError("org_visible_days", "only the candidate record has an organisations' view")
	}
	out := slices.Clone(s)
	for i := range out {
		if out[i].Category == r.Category {
			out[i] = r
			return out, nil
		}
	}
	return append(out, r), nil
}

// Validate checks a whole schedule: every category once, each rule within
// its bounds.
func (s RetentionSchedule) Validate() error {
	seen := map[RetentionCategory]bool{}
	for _, r := range s {
		if seen[r.Category] {
			return Errorf(EINVALID, "retention schedule: %s is given twice", r.Category)
		}
		seen[r.Category] = true
		if _, ok := RetentionBounds[r.Category]; ok {
			if _, err := DefaultRetention.With(r); err != nil {
				return err
			}
		} else if r != DefaultRetention.Rule(r.Category) {
			return Errorf(EINVALID, "retention schedule: %s cannot be changed", r.Category)
		}
	}
	for _, c := range RetentionCategories {
		if !seen[c] {
			return Errorf(EINVALID, "retention schedule: %s has no rule", c)
		}
	}
	return nil
}

// Describe says the rule in words, for the data inventory.
func (r RetentionRule) Describe() string {
	switch r.Action {
	case RetainDelete:
		return fmt.Sprintf("deleted %s after its retention clock", Days(r.Keep))
	case RetainAnonymise:
		return fmt.Sprintf("anonymised into a ghost record %s after the candidate's last activity; organisations see the candidate for %s after the last activity on their interest",
			Days(r.Keep), Days(r.OrgVisible))
	}
	return describeAction(r)
}

func describeAction(r RetentionRule) string {
	switch r.Action {
	case RetainWithCandidate:
		return "as long as the candidate's record, and anonymised with it"
	case RetainKeep:
		if r.Category == RetainAccount || r.Category == RetainOrganisation {
			return "while it exists"
		}
		return "indefinitely"
	}
	return string(r.Action)
}

// Days writes a duration as whole years of 365 days ("3 years"), whole
// days ("30 days", "1 day"), or hours when shorter than a day.
func Days(d time.Duration) string {
	switch {
	case d >= year && d%year == 0:
		return plural(int(d/year), "year")
	case d < day && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%day == 0:
		return plural(int(d/day), "day")
	}
	return d.String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Due is the moment before which a rule's clock makes a row due
// at now; the zero time for a rule that never makes anything due.
func (r RetentionRule) Due(now time.Time) time.Time {
	if r.Keep <= 0 || (r.Action != RetainDelete && r.Action != RetainAnonymise) {
		return time.Time{}
	}
	return now.Add(-r.Keep)
}
