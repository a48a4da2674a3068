package db

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Message threads: one per candidate and organisation, read whole by the
// candidate and every user of the organisation. An organisation reads
// and writes a thread only while it sees the candidate; the candidate
// always reads their own threads and writes while the organisation sees
// them. Row-level security holds the same rule behind these checks.

// ThreadKey names a thread from the reader's side: a candidate names the
// organisation, and Mine (it is their own thread); an organisation's
// user names their organisation and the candidate.
type ThreadKey struct {
	OrgID       string
	CandidateID string
	Mine        bool
}

// thread is a thread resolved for the signed-in participant.
type thread struct {
	candidateID uuid.UUID
	orgID       uuid.UUID
	id          uuid.UUID // uuid.Nil until its first message
	open        bool      // whether the two may write to each other now
	candidate   bool      // whether the reader is the candidate
}

// resolveThread finds the thread k names for the signed-in participant.
// ENOTFOUND when the candidate never chose the organisation, and, for an
// organisation's user, whenever the organisation does not see the
// candidate now: exactly as for an unknown ID.
func (tx *Tx) resolveThread(ctx context.Context, k ThreadKey) (thread, error) {
	if k.Mine && tx.actor.Role != sim.RoleCandidate {
		return thread{}, sim.Errorf(sim.EFORBIDDEN, "only a candidate has threads of their own")
	}
	if !k.Mine && tx.actor.Role == sim.RoleCandidate {
		return thread{}, sim.Errorf(sim.EFORBIDDEN, "a candidate reads their threads as their own")
	}
	if err := tx.authorize(sim.PermMessage); err != nil {
		return thread{}, err
	}
	t := thread{candidate: k.Mine}
	var err error
	if t.candidate {
		if t.orgID, err = uuid.Parse(k.OrgID); err != nil {
			return thread{}, sim.ErrNotFound
		}
		if t.candidateID, err = tx.ownCandidate(ctx); err != nil {
			return thread{}, err
		}
	} else {
		if t.orgID, err = tx.orgIDFor(k.OrgID); err != nil {
			return thread{}, err
		}
		if t.candidateID, err = uuid.Parse(k.CandidateID); err != nil {
			return thread{}, sim.ErrNotFound
		}
	}
	t.open, err = tx.q.ThreadOpenFor(ctx, tx.tx, dbgen.ThreadOpenForParams{CandidateID: t.candidateID, OrgID: t.orgID})
	if err != nil {
		return thread{}, wrapNotFound("load interest", err)
	}
	if !t.open && !t.candidate {
		return thread{}, sim.ErrNotFound
	}
	row, err := tx.q.ThreadFor(ctx, tx.tx, dbgen.ThreadForParams{CandidateID: t.candidateID, OrgID: t.orgID})
	switch err = interpretError(err); {
	case err == nil:
		t.id = row.ID
	case !notFound(err):
		return thread{}, fmt.Errorf("load thread: %w", err)
	}
	return t, nil
}

// ThreadMessages returns a page of the thread k names, newest first,
// older than before (nil for the newest), at most limit messages (see
// PageSize). Hidden messages are not in it. A thread with no messages yet
// is empty.
func (tx *Tx) ThreadMessages(ctx context.Context, k ThreadKey, before *sim.MessageCursor, limit int) ([]sim.ThreadMessage, error) {
	t, err := tx.resolveThread(ctx, k)
	if err != nil || t.id == uuid.Nil {
		return nil, err
	}
	beforeSeq := int64(math.MaxInt64)
	if before != nil {
		beforeSeq = before.Seq
	}
	rows, err := tx.q.MessagesPage(ctx, tx.tx, dbgen.MessagesPageParams{ThreadID: t.id, BeforeSeq: beforeSeq, MaxRows: pageSize(limit)})
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", interpretError(err))
	}
	out := make([]sim.ThreadMessage, len(rows))
	for i, r := range rows {
		out[i] = sim.ThreadMessage{ID: r.ID.String(), Seq: r.Seq, FromCandidate: r.FromCandidate, AuthorID: idString(r.AuthorID), Body: r.Body, SentAt: r.SentAt}
	}
	return out, nil
}

// MessageSend writes body to the thread k names, as the signed-in
// participant: the thread is created at its first message, the writer has
// read it up to their own message, and a MessageNotification tells the
// other side (without the text) through the outbox. ECONFLICT when the
// candidate writes to an organisation that no longer sees them.
func (tx *Tx) MessageSend(ctx context.Context, k ThreadKey, body string, now time.Time) (sim.ThreadMessage, error) {
	if err := sim.CheckMessage(body); err != nil {
		return sim.ThreadMessage{}, err
	}
	t, err := tx.resolveThread(ctx, k)
	if err != nil {
		return sim.ThreadMessage{}, err
	}
	if !t.open {
		return sim.ThreadMessage{}, sim.Errorf(sim.ECONFLICT, "this organisation can no longer see your record, so you cannot write to it")
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return sim.ThreadMessage{}, err
	}
	if t.id, err = tx.q.ThreadTouch(ctx, tx.tx, dbgen.ThreadTouchParams{ID: uuid.New(), CandidateID: t.candidateID, OrgID: t.orgID, Now: now}); err != nil {
		return sim.ThreadMessage{}, fmt.Errorf("save thread: %w", interpretError(err))
	}
	m := sim.ThreadMessage{ID: uuid.NewString(), FromCandidate: t.candidate, AuthorID: uid.String(), Body: body, SentAt: now}
	if m.Seq, err = tx.q.MessageInsert(ctx, tx.tx, dbgen.MessageInsertParams{
		ID: uuid.MustParse(m.ID), ThreadID: t.id, AuthorID: &uid, FromCandidate: t.candidate, Body: body, SentAt: now,
	}); err != nil {
		return sim.ThreadMessage{}, fmt.Errorf("save message: %w", interpretError(err))
	}
	if err := tx.q.ThreadMarkRead(ctx, tx.tx, dbgen.ThreadMarkReadParams{ThreadID: t.id, UserID: uid, ReadSeq: m.Seq}); err != nil {
		return sim.ThreadMessage{}, fmt.Errorf("mark thread read: %w", interpretError(err))
	}
	err = tx.enqueue(ctx, sim.StartMessageNotification(sim.MessageNotificationArgs{
		MessageID: m.ID, ThreadID: t.id.String(), OrgID: t.orgID.String(), FromCandidate: t.candidate,
	}))
	return m, err
}

// ThreadMarkRead records that the signed-in participant has read the
// whole thread k names as it is now.
func (tx *Tx) ThreadMarkRead(ctx context.Context, k ThreadKey) error {
	t, err := tx.resolveThread(ctx, k)
	if err != nil || t.id == uuid.Nil {
		return err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return err
	}
	last, err := tx.q.ThreadLastSeq(ctx, tx.tx, t.id)
	if err != nil {
		return fmt.Errorf("load thread: %w", interpretError(err))
	}
	if err := tx.q.ThreadMarkRead(ctx, tx.tx, dbgen.ThreadMarkReadParams{ThreadID: t.id, UserID: uid, ReadSeq: last}); err != nil {
		return fmt.Errorf("mark thread read: %w", interpretError(err))
	}
	return nil
}

// CandidateThreads returns the signed-in candidate's threads, latest
// first, each with how many of the organisation's messages they have not
// read.
func (tx *Tx) CandidateThreads(ctx context.Context) ([]sim.ThreadSummary, error) {
	if tx.actor.Role != sim.RoleCandidate {
		return nil, sim.Errorf(sim.EFORBIDDEN, "only a candidate has threads of their own")
	}
	if err := tx.authorize(sim.PermMessage); err != nil {
		return nil, err
	}
	c, err := tx.ownCandidate(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.ThreadsForCandidate(ctx, tx.tx, dbgen.ThreadsForCandidateParams{CandidateID: c, UserID: uuid.MustParse(tx.actor.UserID)})
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", interpretError(err))
	}
	out := make([]sim.ThreadSummary, len(rows))
	for i, r := range rows {
		out[i] = sim.ThreadSummary{ID: r.ID.String(), CandidateID: c.String(), OrgID: r.OrgID.String(), OrgName: r.OrgName,
			LastMessageAt: r.LastMessageAt, Unread: int(r.Unread)}
	}
	return out, nil
}

// OrgThreads returns the threads of the organisation orgID with the
// candidates it sees, latest first, after the cursor (nil for the first
// page), at most limit (see PageSize), each with how many of the
// candidate's messages the signed-in user has not read.
func (tx *Tx) OrgThreads(ctx context.Context, orgID string, after *sim.ThreadCursor, limit int) ([]sim.ThreadSummary, error) {
	if err := tx.authorize(sim.PermMessage); err != nil {
		return nil, err
	}
	if !tx.actor.Role.OrgRole() {
		return nil, sim.Errorf(sim.EFORBIDDEN, "only an organisation's users read its threads")
	}
	org, err := tx.orgIDFor(orgID)
	if err != nil {
		return nil, err
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return nil, err
	}
	at, id := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), uuid.Max
	if after != nil {
		if id, err = parseID("cursor", after.ID); err != nil {
			return nil, err
		}
		at = after.LastMessageAt
	}
	rows, err := tx.q.ThreadsForOrg(ctx, tx.tx, dbgen.ThreadsForOrgParams{OrgID: org, UserID: uid, BeforeAt: at, BeforeID: id, MaxRows: pageSize(limit)})
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", interpretError(err))
	}
	out := make([]sim.ThreadSummary, len(rows))
	for i, r := range rows {
		out[i] = sim.ThreadSummary{ID: r.ID.String(), CandidateID: r.CandidateID.String(), OrgID: org.String(),
			LastMessageAt: r.LastMessageAt, Unread: int(r.Unread)}
	}
	return out, nil
}

// MessageReport reports the message messageID as inappropriate, as a
// participant who can read it; reporting it again returns the first
// report. It returns the report's ID and whether it is new. ENOTFOUND for
// a message the reporter cannot read; ECONFLICT for their own message.
func (tx *Tx) MessageReport(ctx context.Context, messageID string, r sim.MessageReport, now time.Time) (string, bool, error) {
	if err := tx.authorize(sim.PermReportMessage); err != nil {
		return "", false, err
	}
	if err := r.Validate(); err != nil {
		return "", false, err
	}
	id, err := uuid.Parse(messageID)
	if err != nil {
		return "", false, sim.ErrNotFound
	}
	m, err := tx.q.MessageForReport(ctx, tx.tx, id)
	if err != nil {
		return "", false, wrapNotFound("load message", err)
	}
	// The row is readable, but the reader must also be a participant now:
	// an organisation's user only while it sees the candidate.
	mine := tx.actor.Role == sim.RoleCandidate
	t, err := tx.resolveThread(ctx, ThreadKey{OrgID: m.OrgID.String(), CandidateID: m.CandidateID.String(), Mine: mine})
	if err != nil {
		return "", false, err
	}
	if t.candidateID != m.CandidateID {
		return "", false, sim.ErrNotFound // another candidate's thread
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return "", false, err
	}
	if m.AuthorID != nil && *m.AuthorID == uid {
		return "", false, sim.Errorf(sim.ECONFLICT, "you cannot report your own message")
	}
	saved, err := tx.q.MessageReportInsert(ctx, tx.tx, dbgen.MessageReportInsertParams{
		ID: uuid.New(), MessageID: id, ReportedBy: &uid, Reason: string(r.Reason), Note: ptr(r.Note), ReportedAt: now,
	})
	switch err = interpretError(err); {
	case err == nil:
		if err := tx.audit(ctx, sim.AuditMessageReported, sim.ObjectMessage, id, &m.OrgID, now); err != nil {
			return "", false, err
		}
		return saved.String(), true, nil
	case !notFound(err):
		return "", false, fmt.Errorf("save report: %w", err)
	}
	first, err := tx.q.MessageReportOf(ctx, tx.tx, dbgen.MessageReportOfParams{MessageID: id, ReportedBy: &uid})
	if err != nil {
		return "", false, fmt.Errorf("load report: %w", interpretError(err))
	}
	return first.String(), false, nil
}

// ModerationQueue returns the open reports, oldest first, after the
// cursor (nil for the first page), at most limit (see PageSize), each with
// the message reported. The operator's.
func (tx *Tx) ModerationQueue(ctx context.Context, after *sim.ReportCursor, limit int) ([]sim.ReportedMessage, error) {
	if err := tx.authorize(sim.PermModerate); err != nil {
		return nil, err
	}
	var at time.Time
	var id string
	if after != nil {
		at, id = after.ReportedAt, after.ID
	}
	at, key, err := keysetAfter(at, id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.ReportsOpen(ctx, tx.tx, dbgen.ReportsOpenParams{AfterAt: at, AfterID: key, MaxRows: pageSize(limit)})
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", interpretError(err))
	}
	out := make([]sim.ReportedMessage, len(rows))
	for i, r := range rows {
		out[i] = sim.ReportedMessage{
			ReportID: r.ID.String(), MessageID: r.MessageID.String(), ThreadID: r.ThreadID.String(), OrgID: r.OrgID.String(),
			ReportedBy: idString(r.ReportedBy), Reason: sim.ReportReason(r.Reason), Note: deref(r.Note), ReportedAt: r.ReportedAt,
			Body: r.Body, FromCandidate: r.FromCandidate, AuthorID: idString(r.AuthorID), SentAt: r.SentAt,
		}
	}
	return out, nil
}

// ModerationDecide decides the report reportID: hiding its message from
// everyone but the operator, with the reason kept beside it, or
// dismissing the report. Either closes every open report of the message
// and is an audit event. ENOTFOUND for an unknown report; ECONFLICT when
// it was already decided.
func (tx *Tx) ModerationDecide(ctx context.Context, reportID string, d sim.ModerationDecision, now time.Time) error {
	if err := tx.authorize(sim.PermModerate); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	id, err := uuid.Parse(reportID)
	if err != nil {
		return sim.ErrNotFound
	}
	if _, err := tx.q.MessageLockForReport(ctx, tx.tx, id); err != nil {
		return wrapNotFound("load report", err)
	}
	r, err := tx.q.ReportGetForUpdate(ctx, tx.tx, id)
	if err != nil {
		return wrapNotFound("load report", err)
	}
	if r.Decision != nil {
		return sim.Errorf(sim.ECONFLICT, "this report was already decided: %s", *r.Decision)
	}
	uid, err := parseID("user_id", tx.actor.UserID)
	if err != nil {
		return err
	}
	decision := "dismissed"
	if d.Action == sim.ModerationHide {
		decision = "hidden"
		n, err := tx.q.MessageHide(ctx, tx.tx, dbgen.MessageHideParams{ID: r.MessageID, HiddenAt: now, HiddenBy: uid, HiddenReason: d.Reason})
		if err != nil {
			return fmt.Errorf("hide message: %w", interpretError(err))
		}
		if n == 1 { // hidden now, not by an earlier decision
			if err := tx.audit(ctx, sim.AuditMessageHidden, sim.ObjectMessage, r.MessageID, &r.OrgID, now); err != nil {
				return err
			}
		}
	} else if err := tx.audit(ctx, sim.AuditReportDismissed, sim.ObjectMessageReport, r.ID, &r.OrgID, now); err != nil {
		return err
	}
	if _, err := tx.q.ReportsDecide(ctx, tx.tx, dbgen.ReportsDecideParams{MessageID: r.MessageID, Decision: decision, DecidedBy: uid, DecidedAt: now}); err != nil {
		return fmt.Errorf("close reports: %w", interpretError(err))
	}
	return nil
}

// keysetAfter is the (time, ID) key of an oldest-first list's page after
// the cursor at/id: the start of the list for none (id ""); EINVALID
// naming cursor for an ID that is not one.
func keysetAfter(at time.Time, id string) (time.Time, uuid.UUID, error) {
	if id == "" {
		return time.Time{}, uuid.Nil, nil
	}
	key, err := parseID("cursor", id)
	return at, key, err
}
