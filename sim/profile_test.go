package sim_test

import (
	"errors"
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

func TestCheckDateOfBirth(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	const (
		tooOld  = "date_of_birth must be a plausible date of birth: it makes you older than 100"
		notReal = "date_of_birth must be a real date in the past"
		minor   = "you must be 18 or over to register with the programme"
		missing = "date_of_birth is required, as a real date of birth"
	)
	cases := []struct {
		name string
		dob  time.Time
		now  time.Time
		msg  string // "" when accepted
	}{
		{"thirty", day(1996, 11, 22), now, ""},
		{"100 today", day(1926, 11, 22), now, ""},
		{"100, 101 tomorrow", day(1925, 11, 23), now, ""},
		{"101 today", day(1925, 11, 22), now, tooOld},
		{"120", day(1906, 1, 1), now, tooOld},
		{"1900-01-01 when that is 100", day(1900, 1, 1), day(2000, 6, 1), ""},
		{"1900-01-01 when that is 126", day(1900, 1, 1), now, tooOld},
		{"1899 even when under 100", day(1899, 12, 31), day(1990, 1, 1), notReal},
		{"1899 now", day(1899, 12, 31), now, notReal},
		{"year 1000", day(1000, 6, 1), now, notReal},
		{"18 today", day(2008, 11, 22), now, ""},
		{"18 tomorrow", day(2008, 11, 23), now, minor},
		{"born today", day(2026, 11, 22), now, minor},
		{"tomorrow", day(2026, 11, 23), now, notReal},
		{"zero", time.Time{}, now, missing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := sim.CheckDateOfBirth(tc.dob, tc.now)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "%v", err)
			require.Equal(t, tc.msg, sim.ErrorMessage(err))
			var e *sim.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, "date_of_birth", e.Field)
		})
	}
	require.Equal(t, 100, sim.MaximumAge)
}

// A date of birth is a calendar date: one written in another time zone is
// read as the same day in UTC, for the 1900 rule as for the age.
func TestCheckDateOfBirthTimeZones(t *testing.T) {
	t.Parallel()
	now := time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC)
	plusOne := time.FixedZone("+01:00", 3600)
	err := sim.CheckDateOfBirth(time.Date(1900, 1, 1, 0, 0, 0, 0, plusOne), now) // 1899-12-31 in UTC
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
}

// An error about part of a request names the field as the request has it.
func TestWithFieldPrefix(t *testing.T) {
	t.Parallel()
	err := sim.WithFieldPrefix(sim.FieldError("last_name", "bad"), "profile")
	var e *sim.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "profile.last_name", e.Field)
	require.Equal(t, sim.EINVALID, e.Code)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(sim.WithFieldPrefix(sim.Errorf(sim.ECONFLICT, "no field"), "profile")))
	plain := errors.New("plain")
	require.Same(t, plain, sim.WithFieldPrefix(plain, "profile"))
}
