package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// seeingNotifier records, at each send, how many check-ins of one
// placement another connection can already see.
type seeingNotifier struct {
	mu       sync.Mutex
	d        *testdb.DB
	interest string
	seen     []int
}

func (n *seeingNotifier) Notify(ctx context.Context, _ sim.Message) error {
	var c int
	if err := n.d.Admin.QueryRow(ctx, "SELECT count(*) FROM follow_ups WHERE interest_id = $1", n.interest).Scan(&c); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seen = append(n.seen, c)
	return nil
}

// A check-in is committed before the email that links to it is sent, so
// a candidate who follows the link at once finds it (before, the email
// went out inside the transaction that recorded the check-in, and an
// answer sent quickly enough was told "not found").
func TestCheckInIsCommittedBeforeItsEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	store := db.NewStore(d.App, sim.DefaultSessionPolicy)
	org := testfactory.Organisation(t, d, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, d, testfactory.OrgUserOpts{OrgID: org.ID})
	cand := testfactory.Candidate(t, d, testfactory.CandidateOpts{Email: "placed@example.org"})
	now := time.Now()
	require.NoError(t, store.InTx(ctx, testfactory.Actor(cand.User), func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{org.ID}, now)
		return err
	}))
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		require.NoError(t, store.InTx(ctx, staff, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, org.ID, cand.Candidate.ID, sim.Intervention{Kind: k, On: now}, now)
			return err
		}))
	}
	var placed string
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE org_id = $1", org.ID).Scan(&placed))
	n := &seeingNotifier{d: d, interest: placed}
	a := &activities.Activities{Store: store, Notifier: n, PublicURL: "https://muster.example.org"}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	_, err := env.ExecuteActivity(a.FollowUpAsk, activities.FollowUpRef{InterestID: placed, Months: 3, DueOn: now})
	require.NoError(t, err)
	require.Equal(t, []int{1}, n.seen, "when the check-in's email was sent, the check-in was there to be seen")
}
