package db

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The register of information requests (sim.InfoRequest): the operator's
// alone. Every change is audited; nothing is deleted. An open request is
// followed by its InfoRequest workflow (started and told of each step
// through the outbox, in the same transaction).

// InfoRequestLog logs a request as the operator receives it; one the
// policy denies is denied and flagged at once (sim.NewInfoRequest).
func (tx *Tx) InfoRequestLog(ctx context.Context, requester sim.Requester, who, purpose, asked string, commercialGain bool, now time.Time) (sim.InfoRequest, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return sim.InfoRequest{}, err
	}
	r, err := sim.NewInfoRequest(uuid.NewString(), requester, who, purpose, asked, commercialGain, now)
	if err != nil {
		return sim.InfoRequest{}, err
	}
	var loggedBy *uuid.UUID
	if uid, err := uuid.Parse(tx.actor.UserID); err == nil {
		loggedBy = &uid
	}
	row, err := tx.q.InfoRequestCreate(ctx, tx.tx, dbgen.InfoRequestCreateParams{
		ID: uuid.MustParse(r.ID), Requester: string(r.Requester), Who: r.Who, Purpose: r.Purpose, Asked: r.Asked,
		CommercialGain: r.CommercialGain, State: string(r.State), ReceivedAt: r.ReceivedAt, ClosedAt: optionalTime(r.ClosedAt),
		Reason: ptr(r.Reason), Flagged: r.Flagged, LoggedBy: loggedBy,
	})
	if err != nil {
		return sim.InfoRequest{}, fmt.Errorf("log information request: %w", interpretError(err))
	}
	if err := tx.audit(ctx, sim.AuditInfoRequestLogged, sim.ObjectInfoRequest, row.ID, nil, now); err != nil {
		return sim.InfoRequest{}, err
	}
	out := infoRequestOf(row)
	if out.State == sim.InfoDenied {
		return out, tx.audit(ctx, sim.AuditInfoRequestDenied, sim.ObjectInfoRequest, row.ID, nil, now)
	}
	// Its InformationRequest workflow follows it to its deadlines.
	return out, tx.enqueue(ctx, sim.StartInfoRequest(out))
}

// InfoRequestAcknowledge acknowledges the request id.
func (tx *Tx) InfoRequestAcknowledge(ctx context.Context, id string, now time.Time) (sim.InfoRequest, error) {
	return tx.infoRequestStep(ctx, id, sim.AuditInfoRequestAcknowledged, now, func(r sim.InfoRequest) (sim.InfoRequest, error) { return r.Acknowledge(now) })
}

// InfoRequestDeny denies the request id for reason.
func (tx *Tx) InfoRequestDeny(ctx context.Context, id, reason string, now time.Time) (sim.InfoRequest, error) {
	return tx.infoRequestStep(ctx, id, sim.AuditInfoRequestDenied, now, func(r sim.InfoRequest) (sim.InfoRequest, error) { return r.Deny(reason, now) })
}

// InfoReleaseFiles is what answers a request: the report (its name), as
// PDF and XLSX.
type InfoReleaseFiles struct {
	Report    string
	PDF, XLSX []byte
}

// InfoRelease is a stored release with its SHA-256s.
type InfoRelease struct {
	InfoReleaseFiles
	PDFSHA256, XLSXSHA256 []byte
	CreatedAt             time.Time
}

// InfoRequestSupply records that the request id was supplied with the
// release files, stored beside it with their SHA-256.
func (tx *Tx) InfoRequestSupply(ctx context.Context, id string, files InfoReleaseFiles, now time.Time) (sim.InfoRequest, error) {
	return tx.infoRequestStep(ctx, id, sim.AuditInfoRequestSupplied, now, func(r sim.InfoRequest) (sim.InfoRequest, error) {
		r, err := r.Supply(files.Report, now)
		if err != nil {
			return r, err
		}
		var by *uuid.UUID
		if uid, err := uuid.Parse(tx.actor.UserID); err == nil {
			by = &uid
		}
		pdf, xlsx := sha256.Sum256(files.PDF), sha256.Sum256(files.XLSX)
		err = tx.q.InfoReleaseCreate(ctx, tx.tx, dbgen.InfoReleaseCreateParams{
			ID: uuid.New(), RequestID: uuid.MustParse(r.ID), Report: files.Report, Pdf: files.PDF, PdfSha256: pdf[:],
			Xlsx: files.XLSX, XlsxSha256: xlsx[:], CreatedAt: now, CreatedBy: by,
		})
		if err != nil {
			return r, fmt.Errorf("store the release: %w", interpretError(err))
		}
		return r, nil
	})
}

// infoRequestStep moves the request id by step, locked, and audits it.
// ENOTFOUND for an unknown request.
func (tx *Tx) infoRequestStep(ctx context.Context, id string, action sim.AuditAction, now time.Time, step func(sim.InfoRequest) (sim.InfoRequest, error)) (sim.InfoRequest, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return sim.InfoRequest{}, err
	}
	rid, err := uuid.Parse(id)
	if err != nil {
		return sim.InfoRequest{}, sim.ErrNotFound
	}
	row, err := tx.q.InfoRequestLock(ctx, tx.tx, rid)
	if err != nil {
		return sim.InfoRequest{}, fmt.Errorf("information request: %w", interpretError(err))
	}
	r, err := step(infoRequestOf(row))
	if err != nil {
		return sim.InfoRequest{}, err
	}
	row, err = tx.q.InfoRequestSet(ctx, tx.tx, dbgen.InfoRequestSetParams{
		ID: rid, State: string(r.State), AcknowledgedAt: optionalTime(r.AcknowledgedAt), ClosedAt: optionalTime(r.ClosedAt), Reason: ptr(r.Reason),
	})
	if err != nil {
		return sim.InfoRequest{}, fmt.Errorf("update information request: %w", interpretError(err))
	}
	if err := tx.audit(ctx, action, sim.ObjectInfoRequest, rid, nil, now); err != nil {
		return sim.InfoRequest{}, err
	}
	out := infoRequestOf(row)
	return out, tx.enqueue(ctx, sim.SignalInfoRequestStep(out))
}

// InfoRequestGet reads one request: the operator's, and the engine's (its
// workflow). ENOTFOUND for an unknown request.
func (tx *Tx) InfoRequestGet(ctx context.Context, id string) (sim.InfoRequest, error) {
	if tx.actor.Role != sim.RoleSystem {
		if err := tx.authorize(sim.PermInfoRequests); err != nil {
			return sim.InfoRequest{}, err
		}
	}
	rid, err := uuid.Parse(id)
	if err != nil {
		return sim.InfoRequest{}, sim.ErrNotFound
	}
	row, err := tx.q.InfoRequestGet(ctx, tx.tx, rid)
	if err != nil {
		return sim.InfoRequest{}, fmt.Errorf("information request: %w", interpretError(err))
	}
	return infoRequestOf(row), nil
}

// InfoRequestCursor is a position in the register: the last row of the
// page before, by whether it was closed, its time (received if open,
// closed if closed) and its ID.
type InfoRequestCursor struct {
	Closed bool
	At     time.Time
	ID     string
}

// InfoRequestCursorOf is the position of r in the register.
func InfoRequestCursorOf(r sim.InfoRequest) InfoRequestCursor {
	if !r.Open() {
		return InfoRequestCursor{Closed: true, At: r.ClosedAt, ID: r.ID}
	}
	return InfoRequestCursor{At: r.ReceivedAt, ID: r.ID}
}

// InfoRequests is a page of the register: open requests first, oldest
// first; then the closed ones, latest first; after cursor (nil for the
// first page), at most limit. Nothing ever leaves the register: every
// request is on some page.
func (tx *Tx) InfoRequests(ctx context.Context, after *InfoRequestCursor, limit int) ([]sim.InfoRequest, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return nil, err
	}
	p := dbgen.InfoRequestListParams{MaxRows: pageSize(limit)}
	if after != nil {
		id, err := uuid.Parse(after.ID)
		if err != nil {
			return nil, sim.FieldError("cursor", "cursor is not one this API gave for this list")
		}
		p.Paged, p.AfterClosed, p.AfterAt, p.AfterID = true, after.Closed, after.At, id
	}
	rows, err := tx.q.InfoRequestList(ctx, tx.tx, p)
	if err != nil {
		return nil, fmt.Errorf("information requests: %w", interpretError(err))
	}
	out := make([]sim.InfoRequest, len(rows))
	for i, r := range rows {
		out[i] = infoRequestOf(r)
	}
	return out, nil
}

// InfoReleaseOf is the release that answered the request id. ENOTFOUND
// when there is none.
func (tx *Tx) InfoReleaseOf(ctx context.Context, id string) (InfoRelease, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return InfoRelease{}, err
	}
	rid, err := uuid.Parse(id)
	if err != nil {
		return InfoRelease{}, sim.ErrNotFound
	}
	row, err := tx.q.InfoReleaseGet(ctx, tx.tx, rid)
	if err != nil {
		return InfoRelease{}, fmt.Errorf("release: %w", interpretError(err))
	}
	return InfoRelease{InfoReleaseFiles: InfoReleaseFiles{Report: row.Report, PDF: row.Pdf, XLSX: row.Xlsx},
		PDFSHA256: row.PdfSha256, XLSXSHA256: row.XlsxSha256, CreatedAt: row.CreatedAt}, nil
}

func infoRequestOf(r dbgen.InfoRequest) sim.InfoRequest {
	return sim.InfoRequest{
		ID: r.ID.String(), Requester: sim.Requester(r.Requester), Who: r.Who, Purpose: r.Purpose, Asked: r.Asked,
		CommercialGain: r.CommercialGain, State: sim.InfoRequestState(r.State), ReceivedAt: r.ReceivedAt,
		AcknowledgedAt: deref(r.AcknowledgedAt), ClosedAt: deref(r.ClosedAt), Reason: deref(r.Reason), Flagged: r.Flagged,
	}
}
