package sim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestRosterHeaderNamesColumnsHoweverTheyAreWritten(t *testing.T) {
	h, err := sim.ParseRosterHeader([]string{" E-mail Address", "Full name", "Armed Forces connection", "How consent to contact was obtained", "Mobile", "REGION"})
	require.NoError(t, err)
	row, problems, ok := h.Row(2, []string{"Jo.Reid@Example.org ", "Jo Reid", "Service leaver", "in writing", "+44 7700 900123", "North West"})
	require.True(t, ok)
	require.Empty(t, problems)
	require.Equal(t, sim.RosterRow{Row: 2, Name: "Jo Reid", Email: "jo.reid@example.org", Phone: "+44 7700 900123",
		Connection: sim.ConnServiceLeaver, Region: "north_west", Consent: "in_writing"}, row)
}

func TestRosterHeaderRefusesWhatIsNotARoster(t *testing.T) {
	for _, c := range []struct {
		cells []string
		says  []string
	}{
		{[]string{"name", "email", "connection", "consent", "date of birth"}, []string{"column E is not a roster column"}},
		{[]string{"Jo Reid", "jo@example.org", "veteran", "by email"}, []string{"column A is not a roster column", "there is no name column"}},
		{[]string{"name", "email", "connection"}, []string{"there is no consent column"}},
		{[]string{"name", "email", "connection", "consent", "e-mail"}, []string{"columns B and E are both email"}},
		{[]string{"name", "", "connection", "consent"}, []string{"column B has no heading", "there is no email column"}},
		{[]string{"=HYPERLINK()"}, []string{"is not a roster column", "there is no name column"}},
	} {
		_, err := sim.ParseRosterHeader(c.cells)
		require.Error(t, err, c.cells)
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
		for _, s := range c.says {
			require.Contains(t, sim.ErrorMessage(err), s)
		}
		require.Contains(t, sim.ErrorMessage(err), "the columns are name, email, connection, consent, phone, region")
		for _, cell := range c.cells {
			if _, heading := map[string]bool{"name": true, "email": true, "connection": true, "consent": true, "e-mail": true}[cell]; !heading && len(cell) > 6 {
				require.NotContains(t, sim.ErrorMessage(err), cell, "a heading is never quoted: a file without its header would show its first person")
			}
		}
	}
	_, err := sim.ParseRosterHeader(make([]string, sim.MaxRosterColumns+1))
	require.ErrorContains(t, err, "at most 64")
}

func TestRosterRowProblemsNameTheColumnAndNeverTheValue(t *testing.T) {
	h, err := sim.ParseRosterHeader([]string{"name", "email", "phone", "connection", "region", "consent"})
	require.NoError(t, err)
	valid := []string{"Jo Reid", "jo@example.org", "", "veteran", "", "by email"}
	with := func(i int, v string) []string {
		cells := append([]string(nil), valid...)
		cells[i] = v
		return cells
	}
	for _, c := range []struct {
		cells  []string
		column sim.RosterColumn
		says   string
	}{
		{with(0, ""), sim.RosterName, "is required"},
		{with(0, strings.Repeat("x", 202)), sim.RosterName, "at most"},
		{with(0, "=CMD|' /C calc'!A0"), sim.RosterName, "spreadsheet formula"},
		{with(0, "@SUM(1)"), sim.RosterName, "spreadsheet formula"},
		{with(0, "-2+3"), sim.RosterName, "spreadsheet formula"},
		{with(0, "\uff1dSUM(A1)"), sim.RosterName, "spreadsheet formula"},
		{with(1, "not an address"), sim.RosterEmail, "valid address"},
		{with(1, ""), sim.RosterEmail, "is required"},
		{with(2, "+44 (0)20 7946 0000 ext 12"), sim.RosterPhone, "digits"},
		{with(2, "+SUM(A1)"), sim.RosterPhone, "digits"},
		{with(2, "-1"), sim.RosterPhone, "spreadsheet formula"},
		{with(3, "astronaut"), sim.RosterConnection, "must be one of service_leaver"},
		{with(3, ""), sim.RosterConnection, "is required"},
		{with(4, "Atlantis"), sim.RosterRegion, "must be one of"},
		{with(5, "assumed"), sim.RosterConsent, "must be one of in_writing"},
		{with(5, " "), sim.RosterConsent, "is required"},
		{with(0, "Jo \xff"), sim.RosterName, "not text in the file's encoding"},
		{append(append([]string(nil), valid...), "x"), "", "the row has 7 cells and the header 6"},
	} {
		_, problems, ok := h.Row(7, c.cells)
		require.True(t, ok)
		require.Len(t, problems, 1, c.cells)
		p := problems[0]
		require.Equal(t, 7, p.Row)
		require.Equal(t, c.column, p.Column, c.cells)
		require.Contains(t, p.Problem, c.says)
		for _, cell := range c.cells {
			if len(cell) > 3 {
				require.NotContains(t, p.Problem, cell, "a problem never quotes the cell")
			}
		}
	}
	// A value with a problem is not kept: a NUL (or anything else a name
	// may not hold) never reaches the database.
	for i, bad := range map[int]string{0: "Jo\x00Reid", 2: "0770\x00"} {
		row, problems, ok := h.Row(9, with(i, bad))
		require.True(t, ok)
		require.Len(t, problems, 1)
		require.Empty(t, map[int]string{0: row.Name, 2: row.Phone}[i], "a value with a problem is dropped: %+v", row)
	}
	_, problems, ok := h.Row(3, append(append([]string(nil), valid...), "", " "))
	require.True(t, ok)
	require.Empty(t, problems, "empty cells past the header's are nothing")
	row, problems, ok := h.Row(3, []string{"Jo Reid", "jo@example.org", "", "veteran"})
	require.True(t, ok)
	require.Equal(t, []sim.RosterProblem{{Row: 3, Column: sim.RosterConsent, Problem: "is required: how the person agreed to be contacted"}}, problems,
		"missing last cells are empty")
	require.Equal(t, sim.ConnVeteran, row.Connection)
	_, problems, ok = h.Row(3, with(2, "+44 20 7946 0000"))
	require.True(t, ok)
	require.Empty(t, problems, "a phone number may start with +")
	_, problems, ok = h.Row(4, []string{"", " ", "", "", "", ""})
	require.False(t, ok, "a blank row is nobody")
	require.Empty(t, problems)
	row, problems, ok = h.Row(5, []string{"Jo Reid", "jo@example.org", "", "Spouse / partner", "", "At an event"})
	require.True(t, ok)
	require.Empty(t, problems)
	require.Equal(t, sim.ConnSpouseOrPartner, row.Connection)
	require.Equal(t, sim.ContactConsent("at_an_event"), row.Consent)
}

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		require.Equal(t, want, sim.ColumnLetters(i), i)
	}
}
