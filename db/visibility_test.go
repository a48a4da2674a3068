package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

// The SQL twins of sim.VisibilityPolicy.OrgSees and sim.ViewOf, org_sees()
// and org_view() (which the database keeps on every interest, and the
// queries and row-level security compare), say the same as the Go rules for
// every combination of their inputs: each status a candidate row can hold
// (the candidates.status CHECK: not StatusNone, and an expired invitee's
// row is deleted), consent to share or not, each verification state, each
// interest state and none (SQL NULL), and both settings of the policy. One
// query computes them all; a change to either side alone fails here.
func TestOrgSeesMatchesSim(t *testing.T) {
	t.Parallel()
	b := setup(t)
	statuses := slices.DeleteFunc(slices.Clone(sim.Statuses), func(s sim.Status) bool {
		return s == sim.StatusNone || s == sim.StatusExpired
	})
	require.ElementsMatch(t, []sim.Status{sim.StatusInvited, sim.StatusRegistered, sim.StatusWithdrawn, sim.StatusPlaced, sim.StatusAnonymised}, statuses)
	statusArg := make([]string, len(statuses))
	for i, s := range statuses {
		statusArg[i] = string(s)
	}
	verificationArg := make([]string, len(sim.Verifications))
	for i, v := range sim.Verifications {
		verificationArg[i] = string(v)
	}
	interestArg := []*string{nil} // no interest: SQL NULL, sim.InterestNone
	for _, s := range sim.InterestStates {
		interestArg = append(interestArg, new(string(s)))
	}

	rows, err := b.db.Admin.Query(context.Background(), `
		SELECT s.status, sh.sharing, v.verification, i.interest, k.keep,
		       org_sees(s.status, sh.sharing, v.verification, i.interest, k.keep),
		       coalesce(org_view(s.status, sh.sharing, v.verification, i.interest), '')
		FROM unnest($1::text[]) AS s(status)
		CROSS JOIN unnest(ARRAY[false, true]) AS sh(sharing)
		CROSS JOIN unnest($2::text[]) AS v(verification)
		CROSS JOIN unnest($3::text[]) AS i(interest)
		CROSS JOIN unnest(ARRAY[false, true]) AS k(keep)`,
		statusArg, verificationArg, interestArg)
	require.NoError(t, err)
	defer rows.Close()

	seen := map[string]bool{}
	mismatches := 0
	for rows.Next() {
		var (
			status, verification string
			interest             *string
			sharing, keep        bool
			got                  *bool
			view                 string
		)
		require.NoError(t, rows.Scan(&status, &sharing, &verification, &interest, &keep, &got, &view))
		in := sim.InterestNone
		if interest != nil {
			in = sim.InterestState(*interest)
		}
		facts := sim.CandidateFacts{Status: sim.Status(status), Sharing: sharing, Verification: sim.Verification(verification)}
		key := fmt.Sprintf("keep=%v %+v interest=%q", keep, facts, in)
		require.False(t, seen[key], "combination twice: %s", key)
		seen[key] = true
		require.NotNil(t, got, "org_sees returned NULL for %s: it must always decide", key)
		want := sim.VisibilityPolicy{KeepPlacedWithPlacer: keep}.OrgSees(facts, in)
		if want != *got {
			mismatches++
			t.Errorf("org_sees = %v, OrgSees = %v for %s", *got, want, key)
		}
		if wantView := sim.ViewOf(facts, in); sim.OrgView(view) != wantView {
			mismatches++
			t.Errorf("org_view = %q, ViewOf = %q for %s", view, wantView, key)
		}
	}
	require.NoError(t, rows.Err())
	require.Len(t, seen, len(statuses)*2*len(sim.Verifications)*(len(sim.InterestStates)+1)*2, "every combination compared")
	require.Zero(t, mismatches)
}
