package sim_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

// Each limit in limits.go is the one its field's validation enforces: at
// the limit a value passes, one character over it is refused naming the
// field and stating the limit.
func TestLimitsAreWhatValidationEnforces(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	profile := func(edit func(*sim.Profile, string)) func(string) error {
		return func(s string) error {
			p := sim.Profile{FirstName: "Sam", LastName: "Carter", DateOfBirth: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
				Connection: sim.ConnVeteran, Region: "wales", HeardAbout: "event"}
			edit(&p, s)
			return p.Validate(now)
		}
	}
	org := func(edit func(*sim.OrgDetails, string)) func(string) error {
		return func(s string) error {
			d := sim.OrgDetails{Name: "Trust", Type: sim.OrgTypes[0], Region: "wales", Active: true}
			edit(&d, s)
			return d.Validate(now)
		}
	}
	agreement := func(edit func(*sim.AgreementDetails, string)) func(string) error {
		return func(s string) error {
			d := sim.AgreementDetails{Version: "v1", SignedName: "Trust", SignatoryName: "Pat", SignatoryRole: "Chief", SignedOn: now.AddDate(0, 0, -1)}
			edit(&d, s)
			return d.Validate(now)
		}
	}
	cases := []struct {
		field string
		limit int
		check func(s string) error
	}{
		{"first_name", sim.MaxNameLen, profile(func(p *sim.Profile, s string) { p.FirstName = s })},
		{"last_name", sim.MaxNameLen, profile(func(p *sim.Profile, s string) { p.LastName = s })},
		{"phone", sim.MaxPhoneLen, profile(func(p *sim.Profile, s string) { p.Phone = strings.ReplaceAll(s, "a", "1") })},
		{"skills", sim.MaxSkillLen, profile(func(p *sim.Profile, s string) { p.Skills = []string{s} })},
		{"job_preferences", sim.MaxJobPreferencesLen, profile(func(p *sim.Profile, s string) { p.JobPreferences = s })},
		{"name", sim.MaxOrgNameLen, org(func(d *sim.OrgDetails, s string) { d.Name = s })},
		{"signed_name", sim.MaxOrgNameLen, agreement(func(d *sim.AgreementDetails, s string) { d.SignedName = s })},
		{"signatory_name", sim.MaxNameLen, agreement(func(d *sim.AgreementDetails, s string) { d.SignatoryName = s })},
		{"signatory_role", sim.MaxNameLen, agreement(func(d *sim.AgreementDetails, s string) { d.SignatoryRole = s })},
		{"name", sim.MaxNameLen, func(s string) error { return sim.CheckPersonName("name", s) }},
		{"version", sim.MaxVersionLen, func(s string) error { return sim.CheckVersion("version", s) }},
		{"body", sim.MaxMessageLen, sim.CheckMessage},
		{"note", sim.MaxModerationTextLen, func(s string) error {
			return sim.MessageReport{Reason: sim.ReportOther, Note: s}.Validate()
		}},
		{"reason", sim.MaxModerationTextLen, func(s string) error {
			return sim.ModerationDecision{Action: sim.ModerationHide, Reason: s}.Validate()
		}},
		{"reason", sim.MaxVerificationReasonLen, func(s string) error {
			_, err := sim.DecideVerification(sim.VerificationSampled, sim.VerificationRejected, s)
			return err
		}},
		{"skill", sim.MaxFilterLen, func(s string) error { return sim.CandidateFilter{Skill: s}.Validate() }},
		{"job_preferences", sim.MaxFilterLen, func(s string) error { return sim.CandidateFilter{JobPreferences: s}.Validate() }},
		{"password", sim.MaxPasswordLen, sim.ValidatePassword},
		{"body", sim.MaxConductLen, func(s string) error { return sim.CodeOfConduct{Version: "v1", Body: s}.Validate() }},
		{"email", sim.MaxEmailLen, func(s string) error {
			_, err := sim.NormalizeEmail(s[len("@example.org"):] + "@example.org")
			return err
		}},
	}
	for _, c := range cases {
		require.NoError(t, c.check(strings.Repeat("a", c.limit)), "%s at its limit of %d", c.field, c.limit)
		err := c.check(strings.Repeat("a", c.limit+1))
		var e *sim.Error
		require.ErrorAs(t, err, &e, "%s one over its limit of %d", c.field, c.limit)
		require.Equal(t, sim.EINVALID, e.Code, c.field)
		require.Equal(t, c.field, e.Field)
		require.Contains(t, e.Message, strconv.Itoa(c.limit), "%s: the refusal states the limit", c.field)
	}
	skills := func(n int) []string { return slices.Repeat([]string{"first aid"}, n) }
	require.NoError(t, profile(func(p *sim.Profile, _ string) { p.Skills = skills(sim.MaxSkills) })(""))
	err := profile(func(p *sim.Profile, _ string) { p.Skills = skills(sim.MaxSkills + 1) })("")
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	require.Contains(t, err.Error(), strconv.Itoa(sim.MaxSkills))
}
