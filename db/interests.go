package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Interests: a candidate's choice of organisations, the organisations'
// view of the candidates who chose them, and the support they record.
// Who sees whom is sim.VisibilityPolicy, run by the queries (org_sees) and
// by row-level security behind them.

func interestSummaryFromInternal(r dbgen.InterestListForCandidateRow) sim.InterestSummary {
	return sim.InterestSummary{
		ID: r.ID.String(), OrgID: r.OrgID.String(), OrgName: r.OrgName, State: sim.InterestState(r.State),
		OpenedAt: r.OpenedAt, UpdatedAt: r.UpdatedAt,
	}
}

func interestOf(r dbgen.Interest) sim.Interest {
	return sim.Interest{State: sim.InterestState(r.State), Interviewed: r.Interviewed, WorkPlaced: r.WorkPlaced, OpenedAt: r.OpenedAt}
}

// lockOwnCandidate loads and locks the signed-in candidate's record, so
// that one candidate's changes to their interests never interleave. The
// record must be open (registered): ECONFLICT once closed.
func (tx *Tx) lockOwnCandidate(ctx context.Context) (dbgen.Candidate, error) {
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return dbgen.Candidate{}, err
	}
	c, err := tx.q.CandidateLockByUser(ctx, tx.tx, &uid)
	if err != nil {
		return dbgen.Candidate{}, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	if sim.Status(c.Status) != sim.StatusRegistered {
		return dbgen.Candidate{}, sim.Errorf(sim.ECONFLICT, "your record is %s: your choice of organisations can no longer change", c.Status)
	}
	return c, nil
}

// ownCandidate is the signed-in candidate's record ID.
func (tx *Tx) ownCandidate(ctx context.Context) (uuid.UUID, error) {
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return uuid.Nil, err
	}
	c, err := tx.q.CandidateGetByUser(ctx, tx.tx, &uid)
	if err != nil {
		return uuid.Nil, fmt.Errorf("load candidate: %w", interpretError(err))
	}
	return c.ID, nil
}

// InterestsChoose adds the organisations orgIDs to the signed-in
// candidate's choice. Each must be active and pledged (EINVALID naming
// org_ids otherwise); those already chosen are left as they are. Each new
// choice is a journey event and starts an InterestNotification through
// the outbox. It returns the candidate's whole choice. EFORBIDDEN for
// anyone but a candidate; ECONFLICT once their record is closed.
func (tx *Tx) InterestsChoose(ctx context.Context, orgIDs []string, now time.Time) ([]sim.InterestSummary, error) {
	if err := tx.authorize(sim.PermChooseOrganisations); err != nil {
		return nil, err
	}
	ids, err := choiceIDs(orgIDs)
	if err != nil {
		return nil, err
	}
	c, err := tx.lockOwnCandidate(ctx)
	if err != nil {
		return nil, err
	}
	pledged, err := tx.q.PledgedOrgsAmong(ctx, tx.tx, ids)
	if err != nil {
		return nil, fmt.Errorf("check organisations: %w", interpretError(err))
	}
	for _, id := range ids {
		if !slices.Contains(pledged, id) {
			return nil, sim.FieldError("org_ids", "organisation %s is not one of the pledged organisations you can choose", id)
		}
	}
	for _, id := range ids {
		var in sim.Interest
		row, err := tx.q.InterestGetForUpdate(ctx, tx.tx, dbgen.InterestGetForUpdateParams{CandidateID: c.ID, OrgID: id})
		switch err = interpretError(err); {
		case err == nil:
			in = interestOf(row)
		case !notFound(err):
			return nil, fmt.Errorf("load interest: %w", err)
		}
		if in.State.Open() {
			continue
		}
		_, ev, err := sim.ExpressInterest(in, now)
		if err != nil {
			return nil, err
		}
		saved, err := tx.q.InterestUpsert(ctx, tx.tx, dbgen.InterestUpsertParams{ID: uuid.New(), CandidateID: c.ID, OrgID: id, Now: now})
		if err != nil {
			return nil, fmt.Errorf("save interest: %w", interpretError(err))
		}
		eventID, err := tx.interestEvent(ctx, c.ID, saved, ev)
		if err != nil {
			return nil, err
		}
		if err := tx.enqueue(ctx, sim.StartInterestNotification(eventID.String(), saved.ID.String(), id.String())); err != nil {
			return nil, err
		}
	}
	return tx.interestsOf(ctx, c.ID)
}

// InterestRemove takes the organisation orgID out of the signed-in
// candidate's choice: the organisation stops seeing them at once.
// ENOTFOUND when they never chose it; ECONFLICT when it is not chosen now
// or it placed them.
func (tx *Tx) InterestRemove(ctx context.Context, orgID string, now time.Time) error {
	if err := tx.authorize(sim.PermChooseOrganisations); err != nil {
		return err
	}
	id, err := uuid.Parse(orgID)
	if err != nil {
		return sim.ErrNotFound
	}
	c, err := tx.lockOwnCandidate(ctx)
	if err != nil {
		return err
	}
	row, err := tx.q.InterestGetForUpdate(ctx, tx.tx, dbgen.InterestGetForUpdateParams{CandidateID: c.ID, OrgID: id})
	if err != nil {
		return wrapNotFound("load interest", err)
	}
	next, ev, err := sim.RemoveInterest(interestOf(row), now)
	if err != nil {
		return err
	}
	if err := tx.setInterest(ctx, row.ID, next, now); err != nil {
		return err
	}
	_, err = tx.interestEvent(ctx, c.ID, row, ev)
	return err
}

// InterestsMine returns the signed-in candidate's choice of organisations,
// newest first, including those taken back.
func (tx *Tx) InterestsMine(ctx context.Context) ([]sim.InterestSummary, error) {
	if err := tx.authorize(sim.PermChooseOrganisations); err != nil {
		return nil, err
	}
	c, err := tx.ownCandidate(ctx)
	if err != nil {
		return nil, err
	}
	return tx.interestsOf(ctx, c)
}

func (tx *Tx) interestsOf(ctx context.Context, candidateID uuid.UUID) ([]sim.InterestSummary, error) {
	rows, err := tx.q.InterestListForCandidate(ctx, tx.tx, candidateID)
	if err != nil {
		return nil, fmt.Errorf("list interests: %w", interpretError(err))
	}
	out := make([]sim.InterestSummary, len(rows))
	for i, r := range rows {
		out[i] = interestSummaryFromInternal(r)
	}
	return out, nil
}

func (tx *Tx) setInterest(ctx context.Context, id uuid.UUID, in sim.Interest, now time.Time) error {
	err := tx.q.InterestSetState(ctx, tx.tx, dbgen.InterestSetStateParams{
		ID: id, State: string(in.State), Interviewed: in.Interviewed, WorkPlaced: in.WorkPlaced, Now: now,
	})
	if err != nil {
		return fmt.Errorf("save interest: %w", interpretError(err))
	}
	return nil
}

// interestEvent records an accepted change of an interest as a journey
// event of its candidate, made by this transaction's actor, and returns
// the event's ID.
func (tx *Tx) interestEvent(ctx context.Context, candidateID uuid.UUID, in dbgen.Interest, ev sim.InterestEvent) (uuid.UUID, error) {
	return tx.journeyRow(ctx, candidateID, tx.actor, ev.Type, string(ev.From), string(ev.To), ev.At, &in.OrgID, &in.ID)
}

// OrgCandidates returns a page of the candidates the organisation orgID
// sees, filtered and ordered by f. For the organisation's own people and
// the operator (who is shown what the organisation sees); ENOTFOUND for
// another organisation's; EINVALID for a bad filter.
func (tx *Tx) OrgCandidates(ctx context.Context, orgID string, f sim.CandidateFilter) ([]sim.OrgCandidate, error) {
	if err := tx.authorize(sim.PermViewCandidates); err != nil {
		return nil, err
	}
	org, err := tx.orgIDFor(orgID)
	if err != nil {
		return nil, err
	}
	f = f.Normalize()
	if err := f.Validate(); err != nil {
		return nil, err
	}
	// Every filter on the interest is a bound the list's index can use
	// (queries/interests.sql): every state for none chosen, the earliest
	// and latest times for no since or until, folded into the cursor.
	chosen := f.States
	if len(chosen) == 0 {
		chosen = sim.InterestStates
	}
	states := make([]string, len(chosen))
	for i, s := range chosen {
		states[i] = string(s)
	}
	region, connection := ptr(string(f.Region)), ptr(string(f.Connection))
	skill, job := containsPattern(f.Skill), containsPattern(f.JobPreferences)
	var after uuid.UUID
	if f.After.ID != "" {
		if after, err = parseID("cursor", f.After.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.q.PlanForList(ctx, tx.tx.held()); err != nil {
		return nil, fmt.Errorf("list candidates: %w", interpretError(err))
	}
	var out []sim.OrgCandidate
	if f.Oldest {
		at := f.After.At
		if f.After.ID == "" {
			at, after = listEarliest, uuid.Nil
		}
		// From since on: after (since, the least ID), when that is later
		// than the cursor.
		if !f.Since.IsZero() && f.Since.After(at) {
			at, after = f.Since, uuid.Nil
		}
		until := listLatest
		if !f.Until.IsZero() {
			until = f.Until
		}
		rows, err := tx.q.CandidateListForOrgOldest(ctx, tx.tx, dbgen.CandidateListForOrgOldestParams{
			OrgID: org, Region: region, Connection: connection, States: states, Skill: skill, Job: job,
			Until: until, AfterAt: at, AfterID: after, MaxRows: pageSize(f.Limit),
		})
		if err != nil {
			return nil, fmt.Errorf("list candidates: %w", interpretError(err))
		}
		for _, r := range rows {
			out = append(out, orgCandidate(r.ID, r.InterestID, r.FirstName, r.LastName, r.Connection, r.Region, r.Skills, r.State, r.OpenedAt, r.UpdatedAt))
		}
		return out, nil
	}
	at := f.After.At
	if f.After.ID == "" {
		// Past any real row: the keyset starts at the newest.
		at, after = listLatest, uuid.Max
	}
	// Before until: before (until, the least ID), when that is earlier
	// than the cursor.
	if !f.Until.IsZero() && f.Until.Before(at) {
		at, after = f.Until, uuid.Nil
	}
	since := listEarliest
	if !f.Since.IsZero() {
		since = f.Since
	}
	rows, err := tx.q.CandidateListForOrgNewest(ctx, tx.tx, dbgen.CandidateListForOrgNewestParams{
		OrgID: org, Region: region, Connection: connection, States: states, Skill: skill, Job: job,
		Since: since, BeforeAt: at, BeforeID: after, MaxRows: pageSize(f.Limit),
	})
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", interpretError(err))
	}
	for _, r := range rows {
		out = append(out, orgCandidate(r.ID, r.InterestID, r.FirstName, r.LastName, r.Connection, r.Region, r.Skills, r.State, r.OpenedAt, r.UpdatedAt))
	}
	return out, nil
}

// The ends of the list's time bounds: before any interest and after every
// one.
var (
	listEarliest = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	listLatest   = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

func orgCandidate(id, interestID uuid.UUID, first, last, conn, region *string, skills []string, state string, opened, updated time.Time) sim.OrgCandidate {
	return sim.OrgCandidate{
		CandidateID: id.String(), InterestID: interestID.String(), FirstName: deref(first), LastName: deref(last),
		Connection: sim.Connection(deref(conn)), Region: sim.Region(deref(region)), Skills: skills,
		State: sim.InterestState(state), OpenedAt: opened, UpdatedAt: updated,
	}
}

// containsPattern is an ILIKE pattern matching text that contains s, with
// s's own wildcards taken literally; nil for "".
func containsPattern(s string) *string {
	if s == "" {
		return nil
	}
	p := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
	return &p
}

// OrgCandidate returns one candidate's profile as the organisation orgID
// sees it, with the support recorded on their interest; the view is an
// audit event. ENOTFOUND when the organisation does not see the candidate
// (never chose it, took the choice back, withdrew consent, placed,
// withdrawn or rejected by a spot check), exactly as for an unknown ID.
func (tx *Tx) OrgCandidate(ctx context.Context, orgID, candidateID string, now time.Time) (sim.OrgCandidateProfile, error) {
	if err := tx.authorize(sim.PermViewCandidates); err != nil {
		return sim.OrgCandidateProfile{}, err
	}
	org, err := tx.orgIDFor(orgID)
	if err != nil {
		return sim.OrgCandidateProfile{}, err
	}
	cid, err := uuid.Parse(candidateID)
	if err != nil {
		return sim.OrgCandidateProfile{}, sim.ErrNotFound
	}
	r, err := tx.q.CandidateProfileForOrg(ctx, tx.tx, dbgen.CandidateProfileForOrgParams{OrgID: org, CandidateID: cid})
	if err != nil {
		return sim.OrgCandidateProfile{}, wrapNotFound("load candidate", err)
	}
	p := sim.OrgCandidateProfile{
		OrgCandidate:   orgCandidate(r.ID, r.InterestID, r.FirstName, r.LastName, r.Connection, r.Region, r.Skills, r.State, r.OpenedAt, r.InterestUpdatedAt),
		Email:          r.Email,
		Phone:          deref(r.Phone),
		JobPreferences: deref(r.JobPreferences),
		RegisteredAt:   deref(r.RegisteredAt),
		Interviewed:    r.Interviewed,
		WorkPlaced:     r.WorkPlaced,
		Allowed:        sim.AllowedInterventions(sim.InterestState(r.State)),
	}
	if p.Interventions, err = tx.interventionsOf(ctx, r.InterestID); err != nil {
		return sim.OrgCandidateProfile{}, err
	}
	if err := tx.audit(ctx, sim.AuditCandidateViewed, sim.ObjectCandidate, cid, &org, now); err != nil {
		return sim.OrgCandidateProfile{}, err
	}
	return p, nil
}

func (tx *Tx) interventionsOf(ctx context.Context, interestID uuid.UUID) ([]sim.RecordedIntervention, error) {
	rows, err := tx.q.InterventionListForInterest(ctx, tx.tx, interestID)
	if err != nil {
		return nil, fmt.Errorf("list interventions: %w", interpretError(err))
	}
	out := make([]sim.RecordedIntervention, len(rows))
	for i, r := range rows {
		out[i] = interventionFromInternal(r)
	}
	return out, nil
}

func interventionFromInternal(r dbgen.Intervention) sim.RecordedIntervention {
	return sim.RecordedIntervention{
		ID: r.ID.String(),
		Intervention: sim.Intervention{
			Kind: sim.InterventionKind(r.Kind), On: r.OccurredOn, EndsOn: deref(r.EndsOn), Attended: deref(r.Attended),
			Direct: r.Direct, Reason: sim.NotProgressedReason(deref(r.Reason)),
		},
		RecordedBy: idString(r.RecordedBy), RecordedAt: r.RecordedAt,
	}
}

// InterventionRecord records support given by the organisation orgID to
// the candidate candidateID on their interest: a journey event and an
// audit event, and, for a placement, the candidate's record closes as
// placed. It returns the intervention as recorded and the interest's new
// state. For the organisation's own people; ENOTFOUND when the
// organisation does not see the candidate; EINVALID for a bad
// intervention; ECONFLICT when the interest's state does not allow it,
// saying what does.
func (tx *Tx) InterventionRecord(ctx context.Context, orgID, candidateID string, iv sim.Intervention, now time.Time) (sim.RecordedIntervention, sim.InterestState, error) {
	if err := tx.authorize(sim.PermRecordSupport); err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	org, err := tx.orgIDFor(orgID)
	if err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	cid, err := uuid.Parse(candidateID)
	if err != nil {
		return sim.RecordedIntervention{}, "", sim.ErrNotFound
	}
	iv.On, iv.EndsOn = dateValue(iv.On), dateValue(iv.EndsOn)
	row, err := tx.q.InterestForOrgForUpdate(ctx, tx.tx, dbgen.InterestForOrgForUpdateParams{OrgID: org, CandidateID: cid})
	if err != nil {
		return sim.RecordedIntervention{}, "", wrapNotFound("load interest", err)
	}
	next, ev, err := sim.RecordIntervention(interestOf(row.Interest), iv, now)
	if err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	if err := tx.setInterest(ctx, row.Interest.ID, next, now); err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	saved, err := tx.q.InterventionCreate(ctx, tx.tx, dbgen.InterventionCreateParams{
		ID: uuid.New(), InterestID: row.Interest.ID, Kind: string(iv.Kind), OccurredOn: iv.On, EndsOn: optionalTime(iv.EndsOn),
		Attended: attendedOf(iv), Direct: iv.Direct, Reason: ptr(string(iv.Reason)), RecordedBy: optionalID(tx.actor.UserID), Now: now,
	})
	if err != nil {
		return sim.RecordedIntervention{}, "", fmt.Errorf("record intervention: %w", interpretError(err))
	}
	if _, err := tx.interestEvent(ctx, cid, row.Interest, ev); err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	if err := tx.audit(ctx, sim.AuditSupportRecorded, sim.ObjectInterest, row.Interest.ID, &org, now); err != nil {
		return sim.RecordedIntervention{}, "", err
	}
	if next.State == sim.InterestPlaced {
		// The placement closes the candidate's record: the journey's own
		// rule decides whether it may, and the intervention's event is the
		// one event of this command. Last, because from then on the
		// organisation no longer sees the candidate (unless the policy
		// keeps placed records with the placer), so row-level security
		// would refuse the intervention's and the event's rows.
		if _, _, err := sim.Transition(sim.Journey{Status: sim.Status(row.CandidateStatus)}, sim.Command{Kind: sim.CmdPlace}, now); err != nil {
			return sim.RecordedIntervention{}, "", err
		}
		n, err := tx.q.CandidateSetPlaced(ctx, tx.tx, cid)
		if err != nil {
			return sim.RecordedIntervention{}, "", fmt.Errorf("close candidate as placed: %w", interpretError(err))
		}
		if n != 1 {
			// Another organisation placed them, or they withdrew, since
			// the interest was read: nothing of this command stands.
			return sim.RecordedIntervention{}, "", sim.Errorf(sim.ECONFLICT, "the candidate's record closed meanwhile: nothing was recorded")
		}
		// The placement is followed up from the job's start date.
		intent := sim.StartPlacementFollowUp(row.Interest.ID.String(), org.String(), iv.On, tx.store.followUps)
		if err := tx.enqueue(ctx, intent); err != nil {
			return sim.RecordedIntervention{}, "", err
		}
	}
	return interventionFromInternal(saved), next.State, nil
}

// attendedOf is an information day's attendance; nothing for the others.
func attendedOf(iv sim.Intervention) *bool {
	if iv.Kind != sim.InterventionInfoDay {
		return nil
	}
	return &iv.Attended
}

// dateValue is t's calendar date at midnight UTC, or the zero time.
func dateValue(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// choiceIDs parses a request's organisation IDs, without repeats.
func choiceIDs(orgIDs []string) ([]uuid.UUID, error) {
	if len(orgIDs) == 0 {
		return nil, sim.FieldError("org_ids", "choose at least one organisation")
	}
	if len(orgIDs) > sim.MaxChoices {
		return nil, sim.FieldError("org_ids", "at most %d organisations at once", sim.MaxChoices)
	}
	ids := make([]uuid.UUID, 0, len(orgIDs))
	for _, s := range orgIDs {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, sim.FieldError("org_ids", "org_ids must be organisation IDs (UUIDs)")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
