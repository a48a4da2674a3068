package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// Subject access: everything held about a candidate, downloaded by them
// or by the operator answering their data request, and who accessed
// their record. Package render turns the data layer's export into the
// file a person downloads (the one reason httpapi imports render).

// exportForm is a form an export is downloaded in.
type exportForm struct {
	render      func(io.Writer, sim.SubjectAccess) error
	contentType string
	ext         string
}

// exportForms are the document's ExportFormat values.
var exportForms = map[string]exportForm{
	"json": {render.SubjectJSON, "application/json", "json"},
	"csv":  {render.SubjectCSVZip, "application/zip", "zip"},
	"xlsx": {render.SubjectXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
}

// subjectFile is a rendered export, answered as a download whose name
// holds nothing about the person: only the day it was made.
type subjectFile struct {
	body        []byte
	contentType string
	name        string
}

// exportFile renders d in format ("" is json). The whole file is rendered
// before anything is sent, so a failure is still an error answer, not a
// truncated download.
func exportFile(format string, d sim.SubjectAccess) (subjectFile, error) {
	if format == "" {
		format = "json"
	}
	f, ok := exportForms[format]
	if !ok { // the document refuses it first
		return subjectFile{}, malformed("format must be one of json, csv, xlsx", "format")
	}
	var buf bytes.Buffer
	if err := f.render(&buf, d); err != nil {
		return subjectFile{}, fmt.Errorf("render the %s export: %w", format, err)
	}
	return subjectFile{body: buf.Bytes(), contentType: f.contentType, name: "muster-export-" + d.GeneratedAt.UTC().Format(time.DateOnly) + "." + f.ext}, nil
}

func (f subjectFile) write(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	h.Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(f.body)
	return err
}

// VisitExportMyDataResponse answers GET /v1/me/export with the file.
func (f subjectFile) VisitExportMyDataResponse(w http.ResponseWriter) error { return f.write(w) }

// VisitExportDataRequestSubjectResponse answers GET
// /v1/data-requests/{requestId}/export with the file.
func (f subjectFile) VisitExportDataRequestSubjectResponse(w http.ResponseWriter) error {
	return f.write(w)
}

// ExportMyData answers the signed-in candidate's subject access: their
// data as a download.
func (s *server) ExportMyData(ctx context.Context, req api.ExportMyDataRequestObject) (api.ExportMyDataResponseObject, error) {
	now := s.cfg.Now()
	d, err := within(s, ctx, func(tx *db.Tx) (sim.SubjectAccess, error) { return tx.SubjectAccess(ctx, "", now) })
	if err != nil {
		return nil, err
	}
	return exportFile(string(deref(req.Params.Format)), d)
}

func accessOut(list []sim.AccessRecord) []api.AccessRecord {
	out := make([]api.AccessRecord, len(list))
	for i, a := range list {
		out[i] = api.AccessRecord{At: a.At, By: a.By, Action: string(a.Action)}
	}
	return out
}

// ListMyAccess returns a page of who accessed the signed-in candidate's
// record, newest first. Its cursor is bound to the caller.
func (s *server) ListMyAccess(ctx context.Context, req api.ListMyAccessRequestObject) (api.ListMyAccessResponseObject, error) {
	sc := scope("my-access", actor(ctx).UserID)
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var before *sim.AccessCursor
	if c != nil {
		before = &sim.AccessCursor{Seq: c.Seq}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]sim.AccessRecord, error) { return tx.AccessLog(ctx, before, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListMyAccess200JSONResponse{Access: accessOut(list)}
	out.NextCursor = page(s.cursors, sc, list, n, func(a sim.AccessRecord) position { return position{Seq: a.Seq} })
	return out, nil
}
