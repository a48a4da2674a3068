package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(10*time.Hour + 30*time.Minute)
}

// A request is due on the same day of the next month, or on that month's
// last day when it has no such day (the ICO's rule), never in the month
// after; its extensions count from the day it was received too, so a
// short month on the way does not pull the deadline in.
func TestDataRequestDeadlinesFollowTheCalendar(t *testing.T) {
	t.Parallel()
	for received, due := range map[string]string{
		"2026-01-31": "2026-02-28",
		"2028-01-31": "2028-02-29", // a leap year
		"2026-03-31": "2026-04-30",
		"2026-08-31": "2026-09-30",
		"2026-12-31": "2027-01-31",
		"2026-02-28": "2026-03-28",
		"2026-06-15": "2026-07-15",
	} {
		got := sim.DataRequestDue(sim.RequestSubjectAccess, day(received))
		require.Equal(t, day(due), got, "received %s", received)
	}

	r := sim.DataRequest{Kind: sim.RequestSubjectAccess, State: sim.RequestOpen, ReceivedAt: day("2026-01-31")}
	r.DueAt = sim.DataRequestDue(r.Kind, r.ReceivedAt)
	once, err := r.Extend(1, "the record is long", day("2026-02-10"))
	require.NoError(t, err)
	require.Equal(t, day("2026-03-31"), once.DueAt, "a month's extension of a request received on 31 January")
	twice, err := once.Extend(1, "still gathering", day("2026-03-10"))
	require.NoError(t, err)
	require.Equal(t, day("2026-04-30"), twice.DueAt)
	_, err = twice.Extend(1, "more", day("2026-04-10"))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "two months beyond the first deadline at most")

	both, err := r.Extend(2, "complex", day("2026-02-10"))
	require.NoError(t, err)
	require.Equal(t, day("2026-04-30"), both.DueAt)
	_, err = both.Extend(1, "more", day("2026-04-10"))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	_, err = once.Extend(2, "too far", day("2026-03-10"))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
}
