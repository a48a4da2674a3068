package db_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// place takes the journey's candidate through an interview and an offer
// at A to a placement starting on startsOn.
func (j *journey) placeFrom(t *testing.T, startsOn time.Time) string {
	t.Helper()
	_, err := j.choose(t, j.candActor, j.now, j.orgA.ID)
	require.NoError(t, err)
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		_, err := j.recordSupport(t, j.userA, j.orgA.ID, j.cand.Candidate.ID, sim.Intervention{Kind: k, On: startsOn}, j.now)
		require.NoError(t, err)
	}
	var interestID string
	require.NoError(t, j.db.Admin.QueryRow(context.Background(), "SELECT id::text FROM interests WHERE candidate_id = $1", j.cand.Candidate.ID).Scan(&interestID))
	return interestID
}

// A placement starts its follow-up through the outbox, with the schedule
// of the store that recorded it and the start date of the placement.
func TestPlacementStartsItsFollowUp(t *testing.T) {
	t.Parallel()
	policy := sim.FollowUpPolicy{Months: []int{1, 2}, RemindAfter: time.Hour, AnswerWindow: 2 * time.Hour}
	j := setupJourney(t, db.WithFollowUps(policy))
	startsOn := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	interestID := j.placeFrom(t, startsOn)
	require.Equal(t, []string{sim.PlacementFollowUpWorkflowID(interestID)}, j.outboxStarts(t, sim.WorkflowPlacementFollowUp))
	var raw []byte
	require.NoError(t, j.db.Admin.QueryRow(context.Background(), "SELECT args FROM workflow_outbox WHERE workflow = $1", sim.WorkflowPlacementFollowUp).Scan(&raw))
	var args sim.PlacementFollowUpArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	require.Equal(t, sim.PlacementFollowUpArgs{
		InterestID: interestID, OrgID: j.orgA.ID, StartsOn: startsOn, Months: []int{1, 2},
		RemindAfter: sim.Duration(time.Hour), AnswerWindow: sim.Duration(2 * time.Hour),
	}, args)
}

// A check-in is asked once; the candidate answers it once (a journey
// event, and a signal to the follow-up through the outbox); the engine's
// reminder and "no answer" change nothing once it is answered; nobody
// else reaches it.
func TestFollowUpAskedAndAnswered(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	interestID := j.placeFrom(t, j.now)
	due := j.now.AddDate(0, 3, 0)
	ask := func() sim.FollowUp {
		var f sim.FollowUp
		require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
			var err error
			f, _, err = tx.FollowUpAsk(ctx, interestID, 3, due, due.Add(time.Minute))
			return err
		}))
		return f
	}
	f := ask()
	require.True(t, f.Open())
	require.Equal(t, f.ID, ask().ID, "asked once")
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM follow_ups"))

	answer := func(actor sim.Actor, id string, still bool) (sim.FollowUp, error) {
		var out sim.FollowUp
		err := j.in(t, actor, func(tx *db.Tx) error {
			var err error
			out, err = tx.FollowUpAnswer(ctx, id, still, due.Add(time.Hour))
			return err
		})
		return out, err
	}
	other := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	_, err := answer(testfactory.Actor(other.User), f.ID, true)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "not theirs")
	_, err = answer(j.userA, f.ID, true)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	_, err = answer(j.candActor, "nonsense", true)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))

	got, err := answer(j.candActor, f.ID, false)
	require.NoError(t, err)
	require.Equal(t, sim.FollowUpNotInPost, got.Answer)
	_, err = answer(j.candActor, f.ID, true)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM journey_events WHERE type = $1 AND to_status = 'not_in_post' AND interest_id = $2",
		string(sim.EventFollowUpAnswered), interestID))
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM workflow_outbox WHERE workflow_id = $1 AND signal = $2",
		sim.PlacementFollowUpWorkflowID(interestID), sim.SignalFollowUpAnswered))

	// The engine's later steps leave the answer as it is.
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		_, reminded, err := tx.FollowUpRemind(ctx, f.ID, due.Add(2*time.Hour))
		require.False(t, reminded)
		if err != nil {
			return err
		}
		closed, err := tx.FollowUpClose(ctx, f.ID, due.Add(3*time.Hour))
		require.Equal(t, sim.FollowUpNotInPost, closed.Answer)
		return err
	}))
	var mine []sim.FollowUp
	require.NoError(t, j.in(t, j.candActor, func(tx *db.Tx) error {
		var err error
		mine, err = tx.FollowUpsMine(ctx)
		return err
	}))
	require.Len(t, mine, 1)
	require.Equal(t, "Northshire NHS Trust", mine[0].OrgName)
	require.Equal(t, sim.FollowUpNotInPost, mine[0].Answer)
}

// Unanswered: reminded once, then closed as no answer, after which the
// candidate's answer is refused.
func TestFollowUpUnanswered(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	interestID := j.placeFrom(t, j.now)
	var f sim.FollowUp
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		if f, _, err = tx.FollowUpAsk(ctx, interestID, 3, j.now, j.now); err != nil {
			return err
		}
		_, first, err := tx.FollowUpRemind(ctx, f.ID, j.now.Add(time.Hour))
		require.True(t, first)
		if err != nil {
			return err
		}
		_, again, err := tx.FollowUpRemind(ctx, f.ID, j.now.Add(2*time.Hour))
		require.False(t, again, "reminded once")
		if err != nil {
			return err
		}
		closed, err := tx.FollowUpClose(ctx, f.ID, j.now.Add(3*time.Hour))
		require.Equal(t, sim.FollowUpNoAnswer, closed.Answer)
		return err
	}))
	err := j.in(t, j.candActor, func(tx *db.Tx) error {
		_, err := tx.FollowUpAnswer(ctx, f.ID, true, j.now.Add(4*time.Hour))
		return err
	})
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err))
}

// Retried activities may ask one check-in at once: one row, the same for
// every asker.
func TestFollowUpAskedConcurrently(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	interestID := j.placeFrom(t, j.now)
	const n = 10
	ids := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			var f sim.FollowUp
			err := j.store.InTx(ctx, sim.System, func(tx *db.Tx) error {
				var err error
				f, _, err = tx.FollowUpAsk(ctx, interestID, 3, j.now, j.now)
				return err
			})
			errs <- err
			ids <- f.ID
		}()
	}
	first := ""
	for range n {
		require.NoError(t, <-errs)
		id := <-ids
		if first == "" {
			first = id
		}
		require.Equal(t, first, id)
	}
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM follow_ups"))
}

// The engine's "no answer" waits for an answer being committed and
// reports it, instead of overwriting or ignoring it.
func TestFollowUpCloseSeesAnAnswerBeingCommitted(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	interestID := j.placeFrom(t, j.now)
	var f sim.FollowUp
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		f, _, err = tx.FollowUpAsk(ctx, interestID, 3, j.now, j.now)
		return err
	}))
	answered, release := make(chan int32, 1), make(chan struct{})
	var releaseOnce sync.Once
	releaseAnswer := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAnswer) // a failure below must not leave the answer held
	done := make(chan error, 1)
	go func() {
		done <- j.store.InTx(ctx, j.candActor, func(tx *db.Tx) error {
			if _, err := tx.FollowUpAnswer(ctx, f.ID, false, j.now.Add(time.Hour)); err != nil {
				return err
			}
			pid, err := backendPID(ctx, tx)
			if err != nil {
				return err
			}
			answered <- pid
			<-release // hold the answer uncommitted while the engine closes
			return nil
		})
	}()
	var answerPID int32
	select {
	case answerPID = <-answered:
	case err := <-done:
		require.NoError(t, err, "the answer")
		require.FailNow(t, "the answer's transaction ended before it answered")
	}
	closing := make(chan int32, 1)
	closed, closeDone := make(chan sim.FollowUp, 1), make(chan error, 1)
	go func() {
		closeDone <- j.store.InTx(ctx, sim.System, func(tx *db.Tx) error {
			pid, err := backendPID(ctx, tx)
			if err != nil {
				return err
			}
			closing <- pid
			c, err := tx.FollowUpClose(ctx, f.ID, j.now.Add(2*time.Hour))
			closed <- c
			return err
		})
	}()
	var closePID int32
	select {
	case closePID = <-closing:
	case err := <-closeDone:
		require.FailNow(t, "the close's transaction ended before it began", "%v", err)
	}
	j.waitBlocked(t, closePID, answerPID) // the close is waiting on the answer's lock
	releaseAnswer()
	require.NoError(t, <-done)
	require.NoError(t, <-closeDone)
	require.Equal(t, sim.FollowUpNotInPost, (<-closed).Answer)
	require.Equal(t, "not_in_post", j.stringOf(t, "SELECT answer FROM follow_ups WHERE id = $1", f.ID))
}
