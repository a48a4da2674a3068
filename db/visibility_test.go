package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
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

// Which organisations see a candidate, kept on the candidate's row
// (orgs_open, orgs_placed) for the organisations' policies on candidates,
// follows the views of their interests: an interest's insert, its change of
// view (the candidate's or the organisation's, or a change to the
// candidate that changes the view) and its delete, whoever made them; and
// nobody writes it otherwise, neither the candidate, nor the operator, nor
// the database's owner, nor an insert.
func TestCandidateOrgsFollowInterests(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	orgsOf := func() (open, placed []string) {
		t.Helper()
		require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT orgs_open::text[], orgs_placed::text[] FROM candidates WHERE id = $1",
			j.cand.Candidate.ID).Scan(&open, &placed))
		slices.Sort(open)
		slices.Sort(placed)
		return open, placed
	}
	requireOrgs := func(open, placed []string, why string) {
		t.Helper()
		slices.Sort(open)
		gotOpen, gotPlaced := orgsOf()
		require.Equal(t, open, gotOpen, "orgs_open: %s", why)
		require.Equal(t, placed, gotPlaced, "orgs_placed: %s", why)
		requireInterestOrgs(t, j.db)
	}
	none := []string{}
	requireOrgs(none, none, "no interest yet")

	j.chosenAndContacted(t)
	requireOrgs([]string{j.orgA.ID, j.orgB.ID}, none, "both chosen")
	j.asOperator(t, "UPDATE candidates SET verification = 'rejected' WHERE id = $1", j.cand.Candidate.ID)
	requireOrgs(none, none, "rejected by a spot check")
	j.asOperator(t, "UPDATE candidates SET verification = 'verified' WHERE id = $1", j.cand.Candidate.ID)
	requireOrgs([]string{j.orgA.ID, j.orgB.ID}, none, "verified after all")
	require.NoError(t, j.removeInterest(t, j.candActor, j.orgB.ID, j.now.Add(time.Minute)))
	requireOrgs([]string{j.orgA.ID}, none, "B's interest taken back")
	j.place(t, j.testBundle)
	requireOrgs(none, []string{j.orgA.ID}, "placed by A")

	// Forged: the candidate adds an organisation, the operator empties the
	// placed, the owner rewrites the open: each refused.
	other := testfactory.Organisation(t, j.db, testfactory.OrganisationOpts{Name: "Eastshire Trust"})
	err := j.in(t, j.candActor, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE candidates SET orgs_open = orgs_open || $1::uuid", other.ID)
		return err
	})
	require.ErrorContains(t, err, "follows their interests")
	for _, forge := range []struct{ context, update string }{
		{"SELECT set_config('app.role', 'operator', true)", "UPDATE candidates SET orgs_placed = '{}' WHERE id = $1"},
		{"SELECT 1", "UPDATE candidates SET orgs_open = orgs_placed WHERE id = $1"},
	} {
		tx, err := j.db.Admin.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, forge.context)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, forge.update, j.cand.Candidate.ID)
		require.ErrorContains(t, err, "follows their interests", forge.update)
		require.NoError(t, tx.Rollback(ctx))
	}
	requireOrgs(none, []string{j.orgA.ID}, "after the forgeries")

	// The delete of an interest takes its organisation off.
	_, err = j.db.Admin.Exec(ctx, "DELETE FROM interests WHERE candidate_id = $1 AND org_id = $2", j.cand.Candidate.ID, j.orgA.ID)
	require.NoError(t, err)
	requireOrgs(none, none, "A's interest deleted")

	// An insert starts with none, whatever it says.
	var open, placed []string
	require.NoError(t, j.db.Admin.QueryRow(ctx, `INSERT INTO candidates (id, status, invited_at, updated_at, orgs_open, orgs_placed)
		VALUES (gen_random_uuid(), 'invited', now(), now(), ARRAY[$1::uuid], ARRAY[$1::uuid]) RETURNING orgs_open::text[], orgs_placed::text[]`,
		other.ID).Scan(&open, &placed))
	require.Empty(t, open)
	require.Empty(t, placed)
}
