package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// MaxRosterBytes bounds an uploaded roster: a roster of 200,000 people
// with long names is about 30 MiB as CSV.
const MaxRosterBytes = 64 << 20

// isUpload says whether r uploads a roster: it is streamed to its handler
// rather than read whole and checked against the document as JSON (the
// handler checks the file itself).
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/rosters")
}

type uploadTypeKey struct{}

// withUploadType keeps an upload's Content-Type for its handler (the
// charset of a CSV body).
func withUploadType(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), uploadTypeKey{}, r.Header.Get("Content-Type")))
}

// UploadRoster stages and checks an organisation's roster (see the
// document). The upload is spooled to a temporary file while its SHA-256
// is taken (the same file again is the same import; an XLSX workbook is
// read from its end), then read a row at a time into the database.
func (s *server) UploadRoster(ctx context.Context, req api.UploadRosterRequestObject) (api.UploadRosterResponseObject, error) {
	body, format, charset, err := rosterBody(ctx, req)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "muster-roster-*")
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close(); _ = os.Remove(f.Name()) }()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errTooLarge(MaxRosterBytes)
	case err != nil:
		return nil, malformed("could not read the uploaded file", "file")
	case n == 0:
		return nil, sim.FieldError("file", "the file is empty: a roster is a header row naming the columns, then a row per person")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	read := func(each func(sim.RosterRow, []sim.RosterProblem) error) error {
		if format == "xlsx" {
			return render.ReadRosterXLSX(f.Name(), render.DefaultRosterLimits, each)
		}
		return render.ReadRosterCSV(f, charset, render.DefaultRosterLimits, each)
	}
	up := db.RosterUpload{OrgID: req.OrgId.String(), SHA256: h.Sum(nil), Format: format, Now: s.cfg.Now()}
	var again bool
	imp, err := within(s, ctx, func(tx *db.Tx) (db.RosterImport, error) {
		imp, a, err := tx.RosterStage(ctx, up, read)
		again = a
		return imp, err
	})
	if err != nil {
		return nil, err
	}
	if again {
		return api.UploadRoster200JSONResponse(rosterImportOut(imp)), nil
	}
	return api.UploadRoster201JSONResponse(rosterImportOut(imp)), nil
}

// rosterBody is the roster in an upload, its format and its charset: the
// body itself (text/csv), or the form's file part, whose name (.csv,
// .xlsx) or type says which.
func rosterBody(ctx context.Context, req api.UploadRosterRequestObject) (io.Reader, string, string, error) {
	if req.Body != nil {
		_, params, _ := mime.ParseMediaType(contentTypeOf(ctx))
		return req.Body, "csv", params["charset"], nil
	}
	if req.MultipartBody == nil {
		return nil, "", "", malformed("upload the roster as text/csv, or as the file part of multipart/form-data", "")
	}
	for {
		part, err := req.MultipartBody.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", "", malformed("the form has no file part: send the roster as its file", "file")
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, "", "", errTooLarge(MaxRosterBytes)
		}
		if err != nil {
			return nil, "", "", malformed("the form could not be read as multipart/form-data", "")
		}
		if part.FormName() != "file" {
			continue
		}
		ct, params, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ext := strings.ToLower(path.Ext(part.FileName())); {
		case ext == ".xlsx" || ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
			return part, "xlsx", "", nil
		case ext == ".csv" || ct == "text/csv" || ct == "text/plain":
			return part, "csv", params["charset"], nil
		}
		return nil, "", "", sim.FieldError("file", "the file must be a .csv or an .xlsx workbook")
	}
}

func contentTypeOf(ctx context.Context) string {
	ct, _ := ctx.Value(uploadTypeKey{}).(string)
	return ct
}

func rosterImportOut(i db.RosterImport) api.RosterImport {
	return api.RosterImport{Id: uuid.MustParse(i.ID), OrgId: uuid.MustParse(i.OrgID), Format: api.RosterImportFormat(i.Format),
		State: api.RosterImportState(i.State), Rows: i.Rows, Valid: i.Valid, UploadedAt: i.UploadedAt}
}

// GetRosterProblems lists what is wrong with an import's rows: a page as
// JSON, or every problem as CSV.
func (s *server) GetRosterProblems(ctx context.Context, req api.GetRosterProblemsRequestObject) (api.GetRosterProblemsResponseObject, error) {
	id := req.ImportId.String()
	sc := scope("roster-problems", id)
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	after := 0
	if c != nil {
		after = int(c.Seq)
	}
	csvForm := req.Params.Format != nil && *req.Params.Format == api.GetRosterProblemsParamsFormatCsv
	n := pageLimit(req.Params.Limit)
	var problems []sim.RosterProblem
	last := after
	err = s.inTx(ctx, func(tx *db.Tx) error {
		for {
			page, end, err := tx.RosterProblems(ctx, req.OrgId.String(), id, last, n)
			if err != nil {
				return err
			}
			problems = append(problems, page...)
			full := end > last && len(page) > 0
			last = end
			if !csvForm || !full {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if csvForm {
		var buf bytes.Buffer
		if err := render.RosterProblemsCSV(&buf, problems); err != nil {
			return nil, err
		}
		return rosterProblemsFile{subjectFile{body: buf.Bytes(), contentType: "text/csv; charset=utf-8", name: "muster-roster-problems-" + id + ".csv"}}, nil
	}
	out := api.GetRosterProblems200JSONResponse{Problems: make([]api.RosterProblem, len(problems))}
	rows := map[int]bool{}
	for i, p := range problems {
		out.Problems[i] = api.RosterProblem{Row: p.Row, Problem: p.Problem}
		if p.Warning {
			out.Problems[i].Warning = &p.Warning
		}
		if p.Column != "" {
			col := api.RosterProblemColumn(p.Column)
			out.Problems[i].Column = &col
		}
		rows[p.Row] = true
	}
	if len(rows) >= n {
		out.NextCursor = s.cursors.issue(sc, position{Seq: int64(last)})
	}
	return out, nil
}

type rosterProblemsFile struct{ subjectFile }

func (f rosterProblemsFile) VisitGetRosterProblemsResponse(w http.ResponseWriter) error {
	return f.write(w)
}

// DecideRoster decides a checked roster: discard it (nothing imported,
// its staged rows deleted).
func (s *server) DecideRoster(ctx context.Context, req api.DecideRosterRequestObject) (api.DecideRosterResponseObject, error) {
	id := req.ImportId.String()
	imp, err := within(s, ctx, func(tx *db.Tx) (db.RosterImport, error) {
		return tx.RosterDiscard(ctx, req.OrgId.String(), id, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	return api.DecideRoster200JSONResponse(rosterImportOut(imp)), nil
}

// ListRosters lists an organisation's uploaded rosters, latest first.
func (s *server) ListRosters(ctx context.Context, req api.ListRostersRequestObject) (api.ListRostersResponseObject, error) {
	org := req.OrgId.String()
	sc := scope("rosters", org)
	c, err := s.cursors.read(sc, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var after *db.RosterCursor
	if c != nil {
		after = &db.RosterCursor{At: c.At, ID: c.ID}
	}
	n := pageLimit(req.Params.Limit)
	list, err := within(s, ctx, func(tx *db.Tx) ([]db.RosterImport, error) { return tx.RosterImports(ctx, org, after, n) })
	if err != nil {
		return nil, err
	}
	out := api.ListRosters200JSONResponse{Rosters: make([]api.RosterImport, len(list))}
	for i, imp := range list {
		out.Rosters[i] = rosterImportOut(imp)
	}
	out.NextCursor = page(s.cursors, sc, list, n, func(i db.RosterImport) position { return position{At: i.UploadedAt, ID: i.ID} })
	return out, nil
}
