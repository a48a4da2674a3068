package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// outboxIntents lists the workflow IDs of the outbox's starts (workflow
// given) or signals (signal given).
func (b *testBundle) outboxIntents(t *testing.T, workflow, signal string) []string {
	t.Helper()
	rows, err := b.db.Admin.Query(context.Background(),
		"SELECT workflow_id FROM workflow_outbox WHERE coalesce(workflow, '') = $1 AND coalesce(signal, '') = $2 ORDER BY id", workflow, signal)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	return out
}

// A new version of the consent wording is the operator's to publish, once
// per version, audited; a candidate sees they agreed to an older one until
// they agree to the new one; their history keeps both.
func TestConsentVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	actor := testfactory.Actor(cand.User)
	publish := func(a sim.Actor, version, body string) error {
		return b.in(t, a, func(tx *db.Tx) error {
			_, err := tx.ConsentTextPublish(ctx, version, body, b.now.Add(time.Hour))
			return err
		})
	}
	mine := func() sim.ConsentStatus {
		var st sim.ConsentStatus
		require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
			var err error
			st, err = tx.ConsentMine(ctx)
			return err
		}))
		return st
	}
	require.True(t, mine().UpToDate)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(publish(actor, "2027-share-v2", "New wording")))
	err := publish(b.op, "bad version!", "New wording")
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	require.Equal(t, "version", err.(*sim.Error).Field)
	err = publish(b.op, "2027-share-v2", "nul \x00 byte")
	require.Equal(t, "body", err.(*sim.Error).Field)
	require.NoError(t, publish(b.op, "2027-share-v2", "We share your record with the organisations you choose, and no one else."))
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(publish(b.op, "2027-share-v2", "Again")))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = 'consent_text.published'"))

	st := mine()
	require.False(t, st.UpToDate, "agreed to the first wording, not the new one")
	require.Equal(t, "2027-share-v2", st.CurrentVersion)
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		_, err := tx.ConsentChange(ctx, "2027-share-v2", true, b.now.Add(2*time.Hour))
		return err
	}))
	st = mine()
	require.True(t, st.UpToDate)
	require.Len(t, st.History, 2)
	require.Equal(t, "2027-share-v2", st.History[0].TextVersion)
	require.Equal(t, shareConsent, st.History[1].TextVersion)
}

// Rectification is an audited act that names the fields corrected and
// never their values, and the chain still verifies with the detail in it.
func TestProfileChangesAreAuditedByField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	p := cand.Candidate.Profile
	p.FirstName, p.Phone = "Samantha", "07700 900999"
	require.NoError(t, b.in(t, testfactory.Actor(cand.User), func(tx *db.Tx) error {
		_, err := tx.ProfileReplace(ctx, p, b.now.Add(time.Hour))
		return err
	}))
	var detail string
	var object string
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT detail, object_id::text FROM audit_events WHERE action = 'profile.updated'").Scan(&detail, &object))
	require.Equal(t, "first_name,phone", detail)
	require.Equal(t, cand.Candidate.ID, object)
	require.Zero(t, b.count(t, "SELECT count(*) FROM audit_events a WHERE a::text LIKE '%Samantha%' OR a::text LIKE '%900999%'"))
	// The same profile again changes nothing and records nothing.
	require.NoError(t, b.in(t, testfactory.Actor(cand.User), func(tx *db.Tx) error {
		_, err := tx.ProfileReplace(ctx, p, b.now.Add(2*time.Hour))
		return err
	}))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE action = 'profile.updated'"))
	v := b.verify(t)
	require.Equal(t, db.AuditVerification{Rows: v.Rows}, v, "the chain verifies with a detail in it")
}

// A data request: the candidate makes their own, the operator logs one on
// a candidate's behalf; each starts its workflow through the outbox, is
// due a month later, may be extended (with a reason, by at most two
// months in all) and answered once, each change signalling the workflow.
// Nobody else may do any of it.
func TestDataRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	other := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	org := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	_, staff := testfactory.OrgUser(t, b.db, testfactory.OrgUserOpts{OrgID: org.ID})
	actor := testfactory.Actor(cand.User)
	makeRequest := func(a sim.Actor, k sim.DataRequestKind, candidate string) (sim.DataRequest, error) {
		var r sim.DataRequest
		err := b.in(t, a, func(tx *db.Tx) error {
			var err error
			r, err = tx.DataRequestMake(ctx, k, candidate, b.now)
			return err
		})
		return r, err
	}
	own, err := makeRequest(actor, sim.RequestSubjectAccess, "")
	require.NoError(t, err)
	require.Equal(t, b.now.AddDate(0, 1, 0), own.DueAt)
	require.Equal(t, sim.RequestOpen, own.State)
	_, err = makeRequest(actor, sim.RequestSubjectAccess, "")
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "one open request of a kind at a time")
	_, err = makeRequest(b.op, sim.RequestSubjectAccess, cand.Candidate.ID)
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "nor may the operator log a second on their behalf")
	_, err = makeRequest(actor, sim.RequestSubjectAccess, other.Candidate.ID)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "a candidate asks only for their own")
	_, err = makeRequest(actor, "everything", "")
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err))
	_, err = makeRequest(staff, sim.RequestSubjectAccess, cand.Candidate.ID)
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	logged, err := makeRequest(b.op, sim.RequestSubjectAccess, other.Candidate.ID)
	require.NoError(t, err)
	_, err = makeRequest(b.op, sim.RequestSubjectAccess, "7f1e0c2a-9b3d-4e5f-8a6b-1c2d3e4f5a6b")
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	require.ElementsMatch(t, []string{sim.DataRequestWorkflowID(own.ID), sim.DataRequestWorkflowID(logged.ID)},
		b.outboxIntents(t, sim.WorkflowDataRequest, ""))

	change := func(a sim.Actor, id string, months int, reason string) (sim.DataRequest, error) {
		var r sim.DataRequest
		err := b.in(t, a, func(tx *db.Tx) error {
			var err error
			r, err = tx.DataRequestChange(ctx, id, months, reason, b.now.Add(time.Hour))
			return err
		})
		return r, err
	}
	_, err = change(actor, own.ID, 1, "more time")
	require.Equal(t, sim.EFORBIDDEN, sim.ErrorCode(err))
	_, err = change(b.op, own.ID, 1, "")
	require.Equal(t, "reason", err.(*sim.Error).Field)
	_, err = change(b.op, own.ID, 3, "a complex request")
	require.Equal(t, "months", err.(*sim.Error).Field)
	r, err := change(b.op, own.ID, 1, "records from three organisations")
	require.NoError(t, err)
	require.Equal(t, b.now.AddDate(0, 2, 0), r.DueAt)
	require.Equal(t, sim.RequestExtended, r.State)
	r, err = change(b.op, own.ID, 1, "still more records")
	require.NoError(t, err)
	_, err = change(b.op, own.ID, 1, "and more")
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "two months beyond the first deadline at most")
	r, err = change(b.op, own.ID, 0, "")
	require.NoError(t, err)
	require.Equal(t, sim.RequestAnswered, r.State)
	_, err = change(b.op, own.ID, 0, "")
	require.Equal(t, sim.ECONFLICT, sim.ErrorCode(err), "answered once")
	_, err = change(b.op, "7f1e0c2a-9b3d-4e5f-8a6b-1c2d3e4f5a6b", 0, "")
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	require.Len(t, b.outboxIntents(t, "", sim.SignalDataRequestExtended), 2)
	require.Len(t, b.outboxIntents(t, "", sim.SignalDataRequestAnswered), 1)
	var raw []byte
	require.NoError(t, b.db.Admin.QueryRow(ctx, "SELECT args FROM workflow_outbox WHERE signal = $1 ORDER BY id DESC LIMIT 1", sim.SignalDataRequestExtended).Scan(&raw))
	var ext sim.DataRequestExtended
	require.NoError(t, json.Unmarshal(raw, &ext))
	require.Equal(t, b.now.AddDate(0, 3, 0), ext.DueAt.UTC(), "the signal carries the new deadline, no reason")
	require.NotContains(t, string(raw), "records")

	var register []sim.DataRequest
	require.NoError(t, b.in(t, b.op, func(tx *db.Tx) error {
		var err error
		register, err = tx.DataRequests(ctx, false, nil, 0)
		return err
	}))
	require.Len(t, register, 1, "the answered one is off the open register")
	require.Equal(t, logged.ID, register[0].ID)
	require.Equal(t, 30, register[0].DaysLeft(b.now), "a month from 22 November")
	var mine []sim.DataRequest
	require.NoError(t, b.in(t, actor, func(tx *db.Tx) error {
		var err error
		mine, err = tx.DataRequestsMine(ctx)
		return err
	}))
	require.Len(t, mine, 1)
	require.Equal(t, own.ID, mine[0].ID)
	_, err = makeRequest(actor, sim.RequestSubjectAccess, "")
	require.NoError(t, err, "once the request is answered, the candidate may ask again")
}

// Asking to be erased records the request once, ends the candidate's
// sessions and starts one Erasure through the outbox; the operator may ask
// on a candidate's behalf; nobody may ask for someone else.
func TestErasureRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	other := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	_, err := b.login(cand.User.Email, testfactory.DefaultPassword, "192.0.2.1", b.now)
	require.NoError(t, err)
	ask := func(a sim.Actor, id string) (bool, error) {
		var made bool
		err := b.in(t, a, func(tx *db.Tx) error {
			var err error
			made, err = tx.ErasureRequest(ctx, id, b.now)
			return err
		})
		return made, err
	}
	_, err = ask(testfactory.Actor(cand.User), other.Candidate.ID)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	_, err = ask(testfactory.Actor(cand.User), "not-an-id")
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	made, err := ask(testfactory.Actor(cand.User), cand.Candidate.ID)
	require.NoError(t, err)
	require.True(t, made)
	require.Zero(t, b.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", cand.User.ID), "every session ended")
	made, err = ask(testfactory.Actor(cand.User), cand.Candidate.ID)
	require.NoError(t, err)
	require.False(t, made, "asked already")
	made, err = ask(b.op, other.Candidate.ID)
	require.NoError(t, err)
	require.True(t, made)
	require.ElementsMatch(t, []string{sim.ErasureWorkflowID(cand.Candidate.ID), sim.ErasureWorkflowID(other.Candidate.ID)},
		b.outboxIntents(t, sim.WorkflowErasure, ""))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM audit_events WHERE action = 'erasure.requested'"))
}

// The organisations' view lapses: an open interest on which nothing has
// happened (no support recorded, no message) for the schedule's twelve
// months is closed by the sweep, and the organisation no longer lists or
// opens the candidate; one with a recent message stays, and so does a
// placement; the candidate may choose the organisation again and is seen
// at once. A lapse is the engine's act, not the candidate's activity.
func TestInterestsLapseAfterTheOrganisationsView(t *testing.T) {
	t.Parallel()
	j := setupJourney(t)
	ctx := context.Background()
	now := j.now.AddDate(1, 1, 0) // thirteen months on
	idle := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	talking := testfactory.Candidate(t, j.db, testfactory.CandidateOpts{})
	for _, c := range []testfactory.Registered{idle, talking} {
		_, err := j.choose(t, testfactory.Actor(c.User), j.now, j.orgA.ID)
		require.NoError(t, err)
	}
	require.NoError(t, j.in(t, testfactory.Actor(talking.User), func(tx *db.Tx) error {
		_, err := tx.MessageSend(ctx, db.ThreadKey{OrgID: j.orgA.ID, Mine: true}, "Still interested", now.AddDate(0, -1, 0))
		return err
	}))
	var activityBefore time.Time
	require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT last_active_at FROM candidate_activity WHERE candidate_id = $1", idle.Candidate.ID).Scan(&activityBefore))
	listed := func() map[string]bool {
		out := map[string]bool{}
		cs, err := j.orgCandidates(t, j.userA, j.orgA.ID, sim.CandidateFilter{})
		require.NoError(t, err)
		for _, c := range cs {
			out[c.CandidateID] = true
		}
		return out
	}
	require.Equal(t, map[string]bool{idle.Candidate.ID: true, talking.Candidate.ID: true}, listed())

	var n int64
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		n, err = tx.RetentionLapseInterests(ctx, sim.DefaultRetention, now, 100)
		return err
	}))
	require.EqualValues(t, 1, n)
	require.Equal(t, map[string]bool{talking.Candidate.ID: true}, listed())
	err := j.in(t, j.userA, func(tx *db.Tx) error { _, err := tx.OrgCandidate(ctx, j.orgA.ID, idle.Candidate.ID, now); return err })
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err), "a lapsed interest opens nothing")
	_, err = j.recordSupport(t, j.userA, j.orgA.ID, idle.Candidate.ID, sim.Intervention{Kind: sim.InterventionContacted, On: now}, now)
	require.Equal(t, sim.ENOTFOUND, sim.ErrorCode(err))
	require.Equal(t, 1, j.count(t, "SELECT count(*) FROM journey_events WHERE type = 'interest.lapsed' AND candidate_id = $1", idle.Candidate.ID))
	var activityAfter time.Time
	require.NoError(t, j.db.Admin.QueryRow(ctx, "SELECT last_active_at FROM candidate_activity WHERE candidate_id = $1", idle.Candidate.ID).Scan(&activityAfter))
	require.True(t, activityBefore.Equal(activityAfter), "the lapse is not the candidate's activity")

	// Again: nothing more lapses.
	require.NoError(t, j.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		n, err = tx.RetentionLapseInterests(ctx, sim.DefaultRetention, now, 100)
		return err
	}))
	require.Zero(t, n)

	// The candidate chooses the organisation again: seen at once.
	_, err = j.choose(t, testfactory.Actor(idle.User), now, j.orgA.ID)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{idle.Candidate.ID: true, talking.Candidate.ID: true}, listed())
}

// An erasure tells the organisations that still had the candidate's open
// interest, and no other: not one whose interest lapsed (it no longer
// sees them), nor one the candidate removed.
func TestErasureTellsOnlyOrganisationsThatStillSeeTheCandidate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cand := testfactory.Candidate(t, b.db, testfactory.CandidateOpts{})
	open := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	lapsed := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	removed := testfactory.Organisation(t, b.db, testfactory.OrganisationOpts{})
	require.NoError(t, b.in(t, testfactory.Actor(cand.User), func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{open.ID, lapsed.ID, removed.ID}, b.now)
		return err
	}))
	for org, state := range map[string]string{lapsed.ID: "lapsed", removed.ID: "removed"} {
		_, err := b.db.Admin.Exec(ctx, "UPDATE interests SET state = $1 WHERE candidate_id = $2 AND org_id = $3", state, cand.Candidate.ID, org)
		require.NoError(t, err)
	}
	var plan db.ErasurePlan
	require.NoError(t, b.in(t, sim.System, func(tx *db.Tx) error {
		var err error
		plan, err = tx.ErasurePrepare(ctx, cand.Candidate.ID, b.now)
		return err
	}))
	require.Equal(t, []string{open.ID}, plan.OrgIDs)
}
