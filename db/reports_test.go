package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// reportWorld is three registered candidates: the journey's, who chose A
// and B and was contacted, offered and placed by A; one who chose A only;
// one who chose nobody.
type reportWorld struct {
	*journey
	period sim.ReportPeriod
	second testfactory.Registered
}

func setupReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	j := setupJourney(t)
	j.chosenAndContacted(t)
	j.place(t, j.testBundle)
	w := &reportWorld{journey: j}
	w.second = testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "second@example.org"})
	_, err := j.choose(t, testfactory.Actor(w.second.User), j.now, j.orgA.ID)
	require.NoError(t, err)
	testfactory.Candidate(t, j.db, testfactory.CandidateOpts{Email: "third@example.org"})
	w.period, err = sim.NewReportPeriod(testfactory.Now.AddDate(0, -1, 0), testfactory.Now.AddDate(0, 1, 0))
	require.NoError(t, err)
	return w
}

func (w *reportWorld) funnel(t *testing.T, actor sim.Actor, orgID string) (sim.FunnelReport, error) {
	t.Helper()
	var r sim.FunnelReport
	err := w.in(t, actor, func(tx *db.Tx) error {
		var err error
		r, err = tx.ReportFunnel(context.Background(), w.period, orgID, w.now)
		return err
	})
	return r, err
}

func counts(figures []sim.FunnelFigure) []string {
	out := make([]string, len(figures))
	for i, f := range figures {
		out[i] = string(f.Stage) + "=" + f.People.String()
	}
	return out
}

// The operator sees the programme's funnel and any organisation's exactly;
// an organisation's user their own exactly and the programme's released;
// another organisation's is not found; a candidate may not ask.
func TestReportFunnel(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	everyone := []string{"registered=3", "interested=2", "contacted=1", "information_day=1", "work_placement=1", "interview=1", "offer=1", "placed=1"}
	ofA := []string{"interested=2", "contacted=1", "information_day=1", "work_placement=1", "interview=1", "offer=1", "placed=1"}
	ofB := []string{"interested=1", "contacted=0", "information_day=0", "work_placement=0", "interview=0", "offer=0", "placed=0"}

	r, err := w.funnel(t, operator, "")
	require.NoError(t, err)
	require.Equal(t, everyone, counts(r.Programme))
	require.False(t, r.Released)
	require.Nil(t, r.Organisation)
	require.InDelta(t, 2.0/3, r.Programme[1].Conversion.Value, 1e-9)
	r, err = w.funnel(t, operator, w.orgB.ID)
	require.NoError(t, err)
	require.Equal(t, ofB, counts(r.Organisation))

	r, err = w.funnel(t, w.userA, w.orgA.ID)
	require.NoError(t, err)
	require.True(t, r.Released)
	require.Equal(t, ofA, counts(r.Organisation), "their own organisation, exactly")
	require.Equal(t, []string{"registered=*", "interested=*", "contacted=*", "information_day=*", "work_placement=*", "interview=*", "offer=*", "placed=*"},
		counts(r.Programme), "the programme's, through disclosure control")
	for _, f := range r.Programme[1:] {
		require.Equal(t, sim.WithheldFewPeople, f.Conversion.Withheld)
	}

	_, err = w.funnel(t, w.userA, w.orgB.ID)
	require.ErrorIs(t, err, sim.ErrNotFound, "another organisation's figures")
	_, err = w.funnel(t, w.candActor, "")
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
}

// Ghost records count as the live records they replace: anonymising the
// placed candidate and the one who chose A changes no figure of any
// funnel, the programme's or an organisation's.
func TestReportFunnelCountsGhosts(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	all := func() [][]string {
		var out [][]string
		for _, org := range []string{"", w.orgA.ID, w.orgB.ID} {
			r, err := w.funnel(t, operator, org)
			require.NoError(t, err)
			out = append(out, counts(r.Programme), counts(r.Organisation))
		}
		return out
	}
	before := all()
	require.NoError(t, w.in(t, sim.System, func(tx *db.Tx) error {
		res, err := tx.Anonymise(context.Background(), []string{w.cand.Candidate.ID, w.second.Candidate.ID})
		require.Equal(t, 2, res.Candidates)
		return err
	}))
	require.Equal(t, 1, w.count(t, "SELECT count(*) FROM candidates WHERE registered_at IS NOT NULL"), "one live candidate left")
	require.Equal(t, before, all())
}

// The period is the months people registered in: a period before anyone
// registered counts nobody.
func TestReportFunnelPeriod(t *testing.T) {
	t.Parallel()
	w := setupReportWorld(t)
	operator := w.op
	var err error
	w.period, err = sim.NewReportPeriod(testfactory.Now.AddDate(-2, 0, 0), testfactory.Now.AddDate(-1, 0, 0))
	require.NoError(t, err)
	r, err := w.funnel(t, operator, "")
	require.NoError(t, err)
	require.Equal(t, []string{"registered=0", "interested=0", "contacted=0", "information_day=0", "work_placement=0", "interview=0", "offer=0", "placed=0"}, counts(r.Programme))
	_, err = sim.NewReportPeriod(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = sim.NewReportPeriod(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), "121 months")
}
