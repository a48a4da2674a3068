package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestProfileValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		edit  func(p *sim.Profile)
		field string
	}{
		{"valid", func(p *sim.Profile) {}, ""},
		{"missing first name", func(p *sim.Profile) { p.FirstName = "" }, "first_name"},
		{"long last name", func(p *sim.Profile) { p.LastName = strings.Repeat("a", 101) }, "last_name"},
		{"control character", func(p *sim.Profile) { p.LastName = "a\x00b" }, "last_name"},
		{"bad phone", func(p *sim.Profile) { p.Phone = "call me" }, "phone"},
		{"good phone", func(p *sim.Profile) { p.Phone = "+44 (0)161 555-0100" }, ""},
		{"no date of birth", func(p *sim.Profile) { p.DateOfBirth = time.Time{} }, "date_of_birth"},
		{"future date of birth", func(p *sim.Profile) { p.DateOfBirth = now.AddDate(0, 0, 1) }, "date_of_birth"},
		{"seventeen", func(p *sim.Profile) { p.DateOfBirth = now.AddDate(-18, 0, 1) }, "date_of_birth"},
		{"eighteen today", func(p *sim.Profile) { p.DateOfBirth = now.AddDate(-18, 0, 0) }, ""},
		{"unknown connection", func(p *sim.Profile) { p.Connection = "civilian" }, "connection"},
		{"every connection", func(p *sim.Profile) { p.Connection = sim.ConnCadetAdultVolunteer }, ""},
		{"too many skills", func(p *sim.Profile) { p.Skills = make([]string, 31) }, "skills"},
		{"unknown region", func(p *sim.Profile) { p.Region = "mars" }, "region"},
		{"unknown source", func(p *sim.Profile) { p.HeardAbout = "" }, "heard_about"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := validProfile(now)
			tc.edit(&p)
			err := p.Validate(now)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.field, e.Field)
		})
	}
}

func TestUnder18Message(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	err := sim.CheckDateOfBirth(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), now)
	require.Equal(t, "you must be 18 or over to register with the programme", sim.ErrorMessage(err))
}

func TestAgeOn(t *testing.T) {
	t.Parallel()
	dob := time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 17, sim.AgeOn(dob, time.Date(2018, 2, 28, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, 18, sim.AgeOn(dob, time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC)))
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	got, err := sim.NormalizeEmail("  Alex.Jones@Example.ORG ")
	require.NoError(t, err)
	require.Equal(t, "alex.jones@example.org", got)
	for _, bad := range []string{"", "alex", "Alex <a@b.org>", "a@b", "@b.org", strings.Repeat("a", 250) + "@b.org"} {
		_, err := sim.NormalizeEmail(bad)
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err), bad)
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	require.Error(t, sim.ValidatePassword("short"))
	require.NoError(t, sim.ValidatePassword("correct horse battery"))
	require.Error(t, sim.ValidatePassword(strings.Repeat("x", 129)))
}
