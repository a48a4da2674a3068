package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Message threads between a candidate and an organisation, and the
// operator's moderation of reported messages.

func messageOut(m sim.ThreadMessage) api.Message {
	out := api.Message{Id: uuid.MustParse(m.ID), FromCandidate: m.FromCandidate, Body: m.Body, SentAt: m.SentAt}
	if m.AuthorID != "" {
		id := uuid.MustParse(m.AuthorID)
		out.AuthorId = &id
	}
	return out
}

// messagePage returns a page of the thread k names. Its cursor is bound to
// the thread: for a candidate's own, to the candidate and the
// organisation; for an organisation's, to it and the candidate.
func (s *server) messagePage(ctx context.Context, k db.ThreadKey, cursor *string, limit *int) (api.MessagePage, error) {
	sc := scope("messages", k.OrgID, k.CandidateID)
	if k.Mine {
		sc = scope("my-messages", actor(ctx).UserID, k.OrgID)
	}
	c, err := s.cursors.read(sc, cursor)
	if err != nil {
		return api.MessagePage{}, err
	}
	var before *sim.MessageCursor
	if c != nil {
		before = &sim.MessageCursor{Seq: c.Seq}
	}
	n := pageLimit(limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.ThreadMessage, error) { return tx.ThreadMessages(ctx, k, before, n) })
	if err != nil {
		return api.MessagePage{}, err
	}
	out := api.MessagePage{Messages: make([]api.Message, len(list))}
	for i, m := range list {
		out.Messages[i] = messageOut(m)
	}
	out.NextCursor = page(s.cursors, sc, list, n, func(m sim.ThreadMessage) position { return position{Seq: m.Seq} })
	return out, nil
}

func (s *server) sendMessage(ctx context.Context, k db.ThreadKey, body string) (api.Message, error) {
	m, err := within(s, ctx, func(tx *db.Tx) (sim.ThreadMessage, error) { return tx.MessageSend(ctx, k, body, s.cfg.Now()) })
	if err != nil {
		return api.Message{}, err
	}
	return messageOut(m), nil
}

func threadsOut(list []sim.ThreadSummary) []api.ThreadSummary {
	out := make([]api.ThreadSummary, len(list))
	for i, t := range list {
		out[i] = api.ThreadSummary{
			Id: uuid.MustParse(t.ID), OrgId: uuid.MustParse(t.OrgID), CandidateId: uuid.MustParse(t.CandidateID),
			LastMessageAt: t.LastMessageAt, Unread: t.Unread,
		}
		if t.OrgName != "" {
			name := t.OrgName
			out[i].OrgName = &name
		}
	}
	return out
}

// ListMyThreads lists the signed-in candidate's threads.
func (s *server) ListMyThreads(ctx context.Context, _ api.ListMyThreadsRequestObject) (api.ListMyThreadsResponseObject, error) {
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.ThreadSummary, error) { return tx.CandidateThreads(ctx) })
	if err != nil {
		return nil, err
	}
	return api.ListMyThreads200JSONResponse{Threads: threadsOut(list)}, nil
}

// ListMyMessages returns a page of the candidate's thread with an organisation.
func (s *server) ListMyMessages(ctx context.Context, req api.ListMyMessagesRequestObject) (api.ListMyMessagesResponseObject, error) {
	p, err := s.messagePage(ctx, db.ThreadKey{OrgID: req.OrgId.String(), Mine: true}, req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	return api.ListMyMessages200JSONResponse(p), nil
}

// SendMyMessage writes to an organisation as the signed-in candidate.
func (s *server) SendMyMessage(ctx context.Context, req api.SendMyMessageRequestObject) (api.SendMyMessageResponseObject, error) {
	m, err := s.sendMessage(ctx, db.ThreadKey{OrgID: req.OrgId.String(), Mine: true}, req.Body.Body)
	if err != nil {
		return nil, err
	}
	return api.SendMyMessage201JSONResponse(m), nil
}

// MarkMyThreadRead marks the candidate's thread with an organisation read.
func (s *server) MarkMyThreadRead(ctx context.Context, req api.MarkMyThreadReadRequestObject) (api.MarkMyThreadReadResponseObject, error) {
	k := db.ThreadKey{OrgID: req.OrgId.String(), Mine: true}
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.ThreadMarkRead(ctx, k) }); err != nil {
		return nil, err
	}
	return api.MarkMyThreadRead204Response{}, nil
}

// ListOrganisationThreads lists a page of an organisation's threads.
func (s *server) ListOrganisationThreads(ctx context.Context, req api.ListOrganisationThreadsRequestObject) (api.ListOrganisationThreadsResponseObject, error) {
	sc := scope("threads", req.OrgId.String())
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *sim.ThreadCursor
	if c != nil {
		after = &sim.ThreadCursor{LastMessageAt: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.ThreadSummary, error) {
		return tx.OrgThreads(ctx, req.OrgId.String(), after, n)
	})
	if err != nil {
		return nil, err
	}
	out := api.ListOrganisationThreads200JSONResponse{Threads: threadsOut(list)}
	out.NextCursor = page(s.cursors, sc, list, n, func(t sim.ThreadSummary) position { return position{At: t.LastMessageAt, ID: t.ID} })
	return out, nil
}

// ListCandidateMessages returns a page of an organisation's thread with a candidate.
func (s *server) ListCandidateMessages(ctx context.Context, req api.ListCandidateMessagesRequestObject) (api.ListCandidateMessagesResponseObject, error) {
	p, err := s.messagePage(ctx, db.ThreadKey{OrgID: req.OrgId.String(), CandidateID: req.CandidateId}, req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	return api.ListCandidateMessages200JSONResponse(p), nil
}

// SendCandidateMessage writes to a candidate as one of the organisation's users.
func (s *server) SendCandidateMessage(ctx context.Context, req api.SendCandidateMessageRequestObject) (api.SendCandidateMessageResponseObject, error) {
	m, err := s.sendMessage(ctx, db.ThreadKey{OrgID: req.OrgId.String(), CandidateID: req.CandidateId}, req.Body.Body)
	if err != nil {
		return nil, err
	}
	return api.SendCandidateMessage201JSONResponse(m), nil
}

// MarkCandidateThreadRead marks an organisation's thread with a candidate read for the signed-in user.
func (s *server) MarkCandidateThreadRead(ctx context.Context, req api.MarkCandidateThreadReadRequestObject) (api.MarkCandidateThreadReadResponseObject, error) {
	k := db.ThreadKey{OrgID: req.OrgId.String(), CandidateID: req.CandidateId}
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.ThreadMarkRead(ctx, k) }); err != nil {
		return nil, err
	}
	return api.MarkCandidateThreadRead204Response{}, nil
}

// ReportMessage reports a message as inappropriate.
func (s *server) ReportMessage(ctx context.Context, req api.ReportMessageRequestObject) (api.ReportMessageResponseObject, error) {
	r := sim.MessageReport{Reason: sim.ReportReason(req.Body.Reason), Note: deref(req.Body.Note)}
	type result struct {
		id      string
		created bool
	}
	res, err := within(s, ctx, func(tx *db.Tx) (result, error) {
		id, created, err := tx.MessageReport(ctx, req.MessageId, r, s.cfg.Now())
		return result{id, created}, err
	})
	if err != nil {
		return nil, err
	}
	out := api.ReportCreated{Id: uuid.MustParse(res.id)}
	if !res.created {
		return api.ReportMessage200JSONResponse(out), nil
	}
	return api.ReportMessage201JSONResponse(out), nil
}

// ListModerationQueue lists a page of open reports.
func (s *server) ListModerationQueue(ctx context.Context, req api.ListModerationQueueRequestObject) (api.ListModerationQueueResponseObject, error) {
	sc := scope("moderation-reports")
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *sim.ReportCursor
	if c != nil {
		after = &sim.ReportCursor{ReportedAt: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.ReportedMessage, error) { return tx.ModerationQueue(ctx, after, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListModerationQueue200JSONResponse{Reports: make([]api.ReportedMessage, len(list))}
	for i, r := range list {
		out.Reports[i] = api.ReportedMessage{
			ReportId: uuid.MustParse(r.ReportID), MessageId: uuid.MustParse(r.MessageID), ThreadId: uuid.MustParse(r.ThreadID),
			OrgId: uuid.MustParse(r.OrgID), ReportedBy: optionalUUID(r.ReportedBy), Reason: api.ReportReason(r.Reason),
			ReportedAt: r.ReportedAt, Body: r.Body, FromCandidate: r.FromCandidate, AuthorId: optionalUUID(r.AuthorID), SentAt: r.SentAt,
		}
		if r.Note != "" {
			note := r.Note
			out.Reports[i].Note = &note
		}
	}
	out.NextCursor = page(s.cursors, sc, list, n, func(r sim.ReportedMessage) position { return position{At: r.ReportedAt, ID: r.ReportID} })
	return out, nil
}

// DecideReport hides a reported message or dismisses the report.
func (s *server) DecideReport(ctx context.Context, req api.DecideReportRequestObject) (api.DecideReportResponseObject, error) {
	d := sim.ModerationDecision{Action: sim.ModerationAction(req.Body.Action), Reason: deref(req.Body.Reason)}
	if err := s.inTx(ctx, func(tx *db.Tx) error { return tx.ModerationDecide(ctx, req.ReportId, d, s.cfg.Now()) }); err != nil {
		return nil, err
	}
	return api.DecideReport204Response{}, nil
}

func optionalUUID(s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id := uuid.MustParse(s)
	return &id
}
