package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

var logged = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestInfoRequestLifecycle(t *testing.T) {
	r, err := sim.NewInfoRequest("r1", sim.RequesterAcademic, " University of Northshire ", "An MSc dissertation", "Placements by region, 2026", false, logged)
	require.NoError(t, err)
	require.Equal(t, "University of Northshire", r.Who)
	require.Equal(t, sim.InfoReceived, r.State)
	require.Equal(t, logged.AddDate(0, 0, 7), r.AcknowledgeDue())
	require.Equal(t, logged.AddDate(0, 0, 14), r.SupplyDue(), "a week after it was due to be acknowledged")
	require.Equal(t, 7, r.DaysLeft(logged))
	require.Equal(t, -1, r.DaysLeft(logged.AddDate(0, 0, 7).Add(time.Hour)), "overdue")

	_, err = r.Supply("the tables", logged)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "acknowledged first")
	r, err = r.Acknowledge(logged.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Equal(t, logged.AddDate(0, 0, 9), r.SupplyDue(), "a further week from acknowledging")
	require.Equal(t, 7, r.DaysLeft(logged.AddDate(0, 0, 2)))
	_, err = r.Acknowledge(logged)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	r, err = r.Supply("Placements by region, released under disclosure control", logged.AddDate(0, 0, 5))
	require.NoError(t, err)
	require.Equal(t, sim.InfoSupplied, r.State)
	require.False(t, r.Open())
	require.Zero(t, r.DaysLeft(logged.AddDate(0, 0, 30)))
	_, err = r.Deny("too late", logged)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "a closed request stays as it was closed")
}

// A company, or anyone outside the programme's organisations asking for
// commercial gain, is denied by policy when logged, and flagged; it can
// never be supplied. An organisation of the programme is not an external
// party.
func TestInfoRequestDeniedByPolicy(t *testing.T) {
	for _, tc := range []struct {
		requester sim.Requester
		gain      bool
		denied    bool
	}{
		{sim.RequesterCommercial, false, true},
		{sim.RequesterCommercial, true, true},
		{sim.RequesterOther, true, true},
		{sim.RequesterAcademic, true, true},
		{sim.RequesterInterestGroup, true, true},
		{sim.RequesterMember, true, false},
		{sim.RequesterOther, false, false},
	} {
		r, err := sim.NewInfoRequest("r", tc.requester, "Acme Ltd", "marketing", "every organisation's contacts", tc.gain, logged)
		require.NoError(t, err)
		require.Equal(t, tc.denied, r.State == sim.InfoDenied, "%s, commercial gain %v", tc.requester, tc.gain)
		require.Equal(t, tc.denied, r.Flagged)
		if tc.denied {
			require.Equal(t, sim.PolicyDenial, r.Reason)
			require.Equal(t, logged, r.ClosedAt)
			r.State = sim.InfoAcknowledged // even were it acknowledged somehow
			_, err = r.Supply("the list", logged)
			require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
		}
	}
}

func TestInfoRequestRefusesBadInput(t *testing.T) {
	long := strings.Repeat("x", 2001)
	for field, args := range map[string][4]string{
		"requester": {"journalist", "A", "B", "C"},
		"who":       {"other", " ", "B", "C"},
		"purpose":   {"other", "A", "", "C"},
		"asked":     {"other", "A", "B", long},
		"who ":      {"other", "Acme\x00Ltd", "B", "C"},
		"purpose ":  {"other", "A", "\xff\xfe", "C"},
		"who  ":     {"other", "Acme\nLtd", "B", "C"},
	} {
		_, err := sim.NewInfoRequest("r", sim.Requester(args[0]), args[1], args[2], args[3], false, logged)
		require.Equal(t, sim.EINVALID, sim.ErrorCode(err), field)
		require.Contains(t, err.Error(), strings.TrimSpace(field))
	}
	r, err := sim.NewInfoRequest("r", sim.RequesterOther, "A", "B", "C", false, logged)
	require.NoError(t, err)
	_, err = r.Deny(" ", logged)
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = r.Deny("no\x00", logged)
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "a NUL never reaches Postgres")
}

// Whatever happens to a request, it only moves forward and never leaves
// the register: denied or supplied, it stays closed; its next deadline is
// acknowledging, then supplying, and DaysLeft counts down to it.
func TestInfoRequestMovesForwardOnly(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		req := rapid.SampledFrom(sim.Requesters).Draw(rt, "requester")
		r, err := sim.NewInfoRequest("r", req, "A", "B", "C", rapid.Bool().Draw(rt, "gain"), logged)
		require.NoError(rt, err)
		at := logged
		for range rapid.IntRange(0, 6).Draw(rt, "steps") {
			at = at.Add(time.Duration(rapid.IntRange(0, 72).Draw(rt, "hours")) * time.Hour)
			before := r
			var next sim.InfoRequest
			switch rapid.IntRange(0, 2).Draw(rt, "act") {
			case 0:
				next, err = r.Acknowledge(at)
			case 1:
				next, err = r.Deny("no", at)
			default:
				next, err = r.Supply("tables", at)
			}
			if err != nil {
				require.Equal(rt, before, next, "a refused step changes nothing")
				continue
			}
			require.True(rt, before.Open(), "only an open request moves")
			require.Less(rt, stateRank(before.State), stateRank(next.State))
			r = next
			if left := r.NextDue().Sub(at); r.Open() && left >= 0 {
				require.Equal(rt, int(left/(24*time.Hour)), r.DaysLeft(at), "whole days to the next deadline")
			}
		}
	})
}

func stateRank(s sim.InfoRequestState) int {
	switch s {
	case sim.InfoReceived:
		return 0
	case sim.InfoAcknowledged:
		return 1
	}
	return 2
}
