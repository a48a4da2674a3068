package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// exportDoc is the JSON form of a subject-access export.
type exportDoc struct {
	CandidateID string                        `json:"candidate_id"`
	Tables      map[string][]map[string]any   `json:"tables"`
	About       map[string]string             `json:"about"`
	Access      []struct{ By, Action string } `json:"access"`
}

var downloadName = regexp.MustCompile(`^attachment; filename="muster-export-\d{4}-\d{2}-\d{2}\.(json|zip|xlsx)"$`)

// download fetches an export and checks it is served as a file of type
// contentType whose name says nothing about the person.
func download(t *testing.T, s *teststack.Stack, path, token, contentType string) []byte {
	t.Helper()
	r := s.Do(t, http.MethodGet, path, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, contentType, r.Header.Get("Content-Type"))
	require.Regexp(t, downloadName, r.Header.Get("Content-Disposition"))
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	return r.Raw
}

// csvFiles reads a zipped CSV export: each file's rows by name.
func csvFiles(t *testing.T, raw []byte) map[string][][]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	out := map[string][][]string{}
	for _, f := range z.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if !strings.HasSuffix(f.Name, ".csv") {
			out[f.Name] = [][]string{{string(b)}}
			continue
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		require.NoError(t, err, f.Name)
		out[f.Name] = rows
	}
	return out
}

// column is the values of one column of a table read from CSV or XLSX
// (its first row the header).
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	require.NotEmpty(t, rows)
	i := slices.Index(rows[0], name)
	require.GreaterOrEqual(t, i, 0, "no column %s in %v", name, rows[0])
	var out []string
	for _, r := range rows[1:] {
		if i < len(r) {
			out = append(out, r[i])
		}
	}
	return out
}

// Subject access through the API: a candidate who chose an organisation,
// wrote to it and was viewed by it downloads everything held about them
// as JSON, zipped CSV and XLSX; each holds their profile, their message
// and the organisation's view, and a value that looks like a formula
// comes back as text in the spreadsheets. The access log names the
// organisation and pages; nobody else may download.
func TestSubjectAccessThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Export NHS Trust", "admin@export.example")
	profile := map[string]any{"first_name": "Robin", "last_name": "Ashdown", "job_preferences": "=1+1", "skills": []string{"@SUM(A1)", "Carpentry"}}
	cand, candID := journeyCandidate(t, s, op, "robin@example.org", profile)
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	moved := teststack.Profile()
	for k, v := range profile {
		moved[k] = v
	}
	moved["region"] = "london"
	r = s.JSON(t, http.MethodPut, "/v1/me/profile", cand, moved)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	const message = "I would like to hear about estates roles in Leeds"
	r = s.JSON(t, http.MethodPost, "/v1/me/threads/"+orgID+"/messages", cand, map[string]any{"body": message})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, admin, nil).Status)

	// JSON, the default: values as they are.
	var doc exportDoc
	require.NoError(t, json.Unmarshal(download(t, s, "/v1/me/export", cand, "application/json"), &doc))
	require.Equal(t, candID, doc.CandidateID)
	require.Len(t, doc.Tables["candidates"], 1)
	exported := doc.Tables["candidates"][0]
	require.Equal(t, "Robin", exported["first_name"])
	require.Equal(t, "Ashdown", exported["last_name"])
	require.Equal(t, "london", exported["region"])
	require.Equal(t, "=1+1", exported["job_preferences"])
	require.Equal(t, "robin@example.org", doc.Tables["users"][0]["email"])
	require.NotContains(t, doc.Tables["users"][0], "password_hash", "credentials are left out")
	var bodies []any
	for _, m := range doc.Tables["messages"] {
		bodies = append(bodies, m["body"])
	}
	require.Contains(t, bodies, message)
	require.NotEmpty(t, doc.About["candidates"])

	// Zipped CSV: a file per table, the access log and a README; the
	// formula is text.
	files := csvFiles(t, download(t, s, "/v1/me/export?format=csv", cand, "application/zip"))
	require.Contains(t, files, "README.txt")
	require.Equal(t, []string{"Robin"}, column(t, files["candidates.csv"], "first_name"))
	require.Equal(t, []string{"'=1+1"}, column(t, files["candidates.csv"], "job_preferences"))
	require.Equal(t, []string{"'@SUM(A1); Carpentry"}, column(t, files["candidates.csv"], "skills"))
	require.Contains(t, column(t, files["messages.csv"], "body"), message)
	require.Contains(t, column(t, files["access.csv"], "action"), "candidate.viewed")

	// XLSX: a sheet per table; no cell is a formula.
	book, err := excelize.OpenReader(bytes.NewReader(download(t, s, "/v1/me/export?format=xlsx", cand,
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))
	require.NoError(t, err)
	defer book.Close()
	rows, err := book.GetRows("candidates")
	require.NoError(t, err)
	require.Equal(t, []string{"Robin"}, column(t, rows, "first_name"))
	require.Equal(t, []string{"=1+1"}, column(t, rows, "job_preferences"), "shown as typed, as text")
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet)
		require.NoError(t, err)
		for y, row := range rows {
			for x := range row {
				cell, err := excelize.CoordinatesToCellName(x+1, y+1)
				require.NoError(t, err)
				formula, err := book.GetCellFormula(sheet, cell)
				require.NoError(t, err)
				require.Empty(t, formula, "%s!%s", sheet, cell)
			}
		}
	}
	rows, err = book.GetRows("messages")
	require.NoError(t, err)
	require.Contains(t, column(t, rows, "body"), message)
	accessRows, err := book.GetRows("access")
	require.NoError(t, err)
	require.Contains(t, column(t, accessRows, "action"), "candidate.viewed")

	r = s.Do(t, http.MethodGet, "/v1/me/export?format=pdf", cand, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "format", errField(r))
	for _, token := range []string{admin, op} {
		r = s.Do(t, http.MethodGet, "/v1/me/export", token, nil)
		require.Equal(t, http.StatusForbidden, r.Status, string(r.Raw))
	}

	// The access log: the organisation's view, named by the organisation
	// and never by the person; a page at a time.
	r = s.Do(t, http.MethodGet, "/v1/me/access", cand, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var log struct {
		Access     []struct{ At, By, Action string } `json:"access"`
		NextCursor string                            `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(r.Raw, &log))
	require.NotContains(t, string(r.Raw), "admin@export.example")
	type entry struct{ By, Action string }
	got := make([]entry, len(log.Access))
	for i, a := range log.Access {
		got[i] = entry{a.By, a.Action}
	}
	// Newest first: the three downloads above (each export is an audited
	// act), the organisation's view, the candidate's own correction.
	require.GreaterOrEqual(t, len(got), 5)
	require.Equal(t, []entry{{"you", "subject_access.exported"}, {"you", "subject_access.exported"}, {"you", "subject_access.exported"}}, got[:3])
	require.Equal(t, entry{"Export NHS Trust", "candidate.viewed"}, got[3], "the organisation is named")
	require.Equal(t, entry{"you", "profile.updated"}, got[4])
	var paged []string
	cursor := ""
	for {
		path := "/v1/me/access?limit=1"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := s.Do(t, http.MethodGet, path, cand, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		for _, a := range r.Body["access"].([]any) {
			paged = append(paged, a.(map[string]any)["at"].(string)+" "+a.(map[string]any)["action"].(string))
		}
		next, _ := r.Body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	var all []string
	for _, a := range log.Access {
		all = append(all, a.At+" "+a.Action)
	}
	require.Equal(t, all, paged, "the pages are the whole log, in order")
	other, _ := journeyCandidate(t, s, op, "other@example.org", nil)
	first := s.Do(t, http.MethodGet, "/v1/me/access?limit=1", cand, nil)
	r = s.Do(t, http.MethodGet, "/v1/me/access?limit=1&cursor="+first.Body["next_cursor"].(string), other, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "another candidate's cursor: %s", r.Raw)
	require.Equal(t, "cursor", errField(r))
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/me/access", admin, nil).Status)

	// Who viewed the record is named: the organisation, never the person,
	// in the log and in every form of the export.
	viewed := struct{ By, Action string }{"Export NHS Trust", "candidate.viewed"}
	require.Equal(t, viewed, struct{ By, Action string }{log.Access[3].By, log.Access[3].Action})
	require.Contains(t, doc.Access, viewed)
	require.Contains(t, column(t, files["access.csv"], "by"), viewed.By)
	require.Contains(t, column(t, accessRows, "by"), viewed.By)
}

// ghostCount is how many ghost records there are.
func ghostCount(t *testing.T, s *teststack.Stack) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM ghosts").Scan(&n))
	return n
}

func candidateRows(t *testing.T, s *teststack.Stack, candID string) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT count(*) FROM candidates WHERE id = $1", candID).Scan(&n))
	return n
}

var receiptNumber = regexp.MustCompile(`ER-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// Erasure through the API: a candidate asks, is signed out at once, is
// sent a receipt with its number; the organisation they chose is told a
// candidate left, naming nobody, and no longer sees them; a ghost record
// keeps the statistics. The operator erases another on their behalf,
// asking twice for one erasure; unknown and malformed IDs are not found.
func TestErasureThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Erasure NHS Trust", "admin@erasure.example")
	colleagueOf(t, s, admin, orgID, "user@erasure.example")
	const message = "Please call me about the porter vacancy"
	cand, candID := journeyCandidate(t, s, op, "quinn@example.org", map[string]any{"first_name": "Quinn", "last_name": "Harrowgate"})
	other, otherID := journeyCandidate(t, s, op, "blake@example.org", map[string]any{"first_name": "Blake"})
	for _, token := range []string{cand, other} {
		r := s.JSON(t, http.MethodPost, "/v1/me/interests", token, map[string]any{"org_ids": []string{orgID}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	}
	r := s.JSON(t, http.MethodPost, "/v1/me/threads/"+orgID+"/messages", cand, map[string]any{"body": message})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.ElementsMatch(t, []string{candID, otherID}, candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil)))
	ghosts := ghostCount(t, s)

	// Only the operator erases on someone's behalf, and a candidate's own
	// route names nobody else.
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodPost, "/v1/candidates/"+candID+"/erasure", admin, nil).Status)
	require.Equal(t, http.StatusNotFound, s.Do(t, http.MethodPost, "/v1/candidates/"+otherID+"/erasure", cand, nil).Status)
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodPost, "/v1/me/erasure", admin, nil).Status)

	r = s.Do(t, http.MethodPost, "/v1/me/erasure", cand, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	require.Contains(t, r.Body["message"], "receipt")
	// Signed out at once: the token answers nothing more.
	for _, path := range []string{"/v1/me", "/v1/me/export"} {
		require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, path, cand, nil).Status, path)
	}
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodPost, "/v1/me/erasure", cand, nil).Status)

	receipt := waitMailsWith(t, s, "quinn@example.org", "has been erased", 1)[0]
	require.Regexp(t, receiptNumber, receipt)
	for _, rcpt := range []string{"admin@erasure.example", "user@erasure.example"} {
		mail := waitMailsWith(t, s, rcpt, "has left", 1)[0]
		require.Contains(t, mail, "Erasure NHS Trust")
		for _, personal := range []string{"Quinn", "Harrowgate", "quinn@example.org", candID, "porter", receiptNumber.FindString(receipt)} {
			require.NotContains(t, mail, personal, "%s is told nothing about the person", rcpt)
		}
	}
	require.Equal(t, []string{sim.ErasureWorkflowID(candID)}, s.Finished(t, sim.WorkflowErasure))
	require.Equal(t, []string{otherID}, candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil)))
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, admin, nil)
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
	require.Equal(t, ghosts+1, ghostCount(t, s), "one ghost record keeps the statistics")
	require.Zero(t, candidateRows(t, s, candID))
	r = s.JSON(t, http.MethodPost, "/v1/sessions", "", map[string]any{"email": "quinn@example.org", "password": "a very good passphrase"})
	require.Equal(t, http.StatusUnauthorized, r.Status, "the account is gone: %s", r.Raw)

	// The operator, on another's behalf; asking again before it is done
	// starts no second erasure. Holding the candidate's row keeps the
	// erasure from getting anywhere in between (it locks the row).
	ctx := context.Background()
	hold, err := s.DB.Admin.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = hold.Rollback(ctx) })
	_, err = hold.Exec(ctx, "SELECT 1 FROM candidates WHERE id = $1 FOR NO KEY UPDATE", otherID)
	require.NoError(t, err)
	for range 2 {
		r = s.Do(t, http.MethodPost, "/v1/candidates/"+otherID+"/erasure", op, nil)
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
		require.Contains(t, r.Body["message"], "receipt")
	}
	require.Equal(t, 1, candidateRows(t, s, otherID), "not erased yet")
	require.NoError(t, hold.Rollback(ctx))
	require.Regexp(t, receiptNumber, waitMailsWith(t, s, "blake@example.org", "has been erased", 1)[0])
	require.ElementsMatch(t, []string{sim.ErasureWorkflowID(candID), sim.ErasureWorkflowID(otherID)}, s.Finished(t, sim.WorkflowErasure))
	require.Len(t, mailsWith(s, "blake@example.org", "has been erased"), 1, "one receipt")
	require.Equal(t, http.StatusUnauthorized, s.Do(t, http.MethodGet, "/v1/me", other, nil).Status, "their sessions ended")
	require.Empty(t, candidateIDs(t, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates", admin, nil)))
	require.Equal(t, ghosts+2, ghostCount(t, s))
	require.Zero(t, candidateRows(t, s, otherID))

	// Erased, unknown and malformed IDs: not found.
	for _, id := range []string{candID, otherID, uuid.NewString(), "not-an-id", strings.ToUpper(uuid.NewString())} {
		r := s.Do(t, http.MethodPost, "/v1/candidates/"+id+"/erasure", op, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s: %s", id, r.Raw)
	}
	audit := s.Do(t, http.MethodGet, "/v1/audit-events?object_id="+otherID, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	require.Contains(t, string(audit.Raw), `"erasure.requested"`)
	require.NotContains(t, string(audit.Raw), "blake")
}

// A database restored from a backup taken before an erasure brings the
// person back; muster.ReapplyErasures, run after the restore, finds the
// erasure in Temporal and erases them again, and a second run changes
// nothing.
func TestErasuresReappliedAfterARestore(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	ctx := context.Background()
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	cand, candID := journeyCandidate(t, s, op, "restored@example.org", map[string]any{"first_name": "Morgan"})
	_, stayID := journeyCandidate(t, s, op, "stays@example.org", nil)
	started := time.Now().Add(-time.Minute)

	// The backup: the candidate's account and record as they were.
	for _, sql := range []string{
		"CREATE TABLE backup_users AS SELECT u.* FROM users u JOIN candidates c ON c.user_id = u.id WHERE c.id = $1",
		"CREATE TABLE backup_candidates AS SELECT * FROM candidates WHERE id = $1",
	} {
		_, err := s.DB.Admin.Exec(ctx, sql, candID)
		require.NoError(t, err, sql)
	}
	r := s.Do(t, http.MethodPost, "/v1/me/erasure", cand, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	require.Equal(t, []string{sim.ErasureWorkflowID(candID)}, s.Finished(t, sim.WorkflowErasure))
	require.Zero(t, candidateRows(t, s, candID))
	ghosts := ghostCount(t, s)

	// The restore brings them back (rows copied as they were: no trigger).
	conn, err := s.DB.Admin.Acquire(ctx)
	require.NoError(t, err)
	for _, sql := range []string{
		"SET session_replication_role = replica",
		"INSERT INTO users SELECT * FROM backup_users",
		"INSERT INTO candidates SELECT * FROM backup_candidates",
		"RESET session_replication_role",
	} {
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	conn.Release()
	require.Equal(t, 1, candidateRows(t, s, candID), "restored")

	var res muster.Reapplied
	require.Eventually(t, func() bool { // Temporal's list lags the close a moment
		res, err = muster.ReapplyErasures(ctx, s.Store, s.Temporal, "default", started)
		require.NoError(t, err)
		return res.ErasedAgain == 1
	}, 30*time.Second, 200*time.Millisecond, "the restored candidate is erased again: %+v", res)
	require.GreaterOrEqual(t, res.Erasures, 1)
	require.Zero(t, candidateRows(t, s, candID), "erased again")
	require.Equal(t, 1, candidateRows(t, s, stayID), "nobody else")
	// A ghost record, as any anonymisation leaves: after a full restore
	// it is their only one (the backup predates the first); here, where
	// only their rows came back, it is a second (see docs/privacy.md).
	require.Equal(t, ghosts+1, ghostCount(t, s))

	res, err = muster.ReapplyErasures(ctx, s.Store, s.Temporal, "default", started)
	require.NoError(t, err)
	require.Zero(t, res.ErasedAgain, "again: nothing more")
}

// dataRequestOf finds the request id in a list answer.
func dataRequestOf(t *testing.T, r teststack.Response, id string) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	for _, x := range r.Body["data_requests"].([]any) {
		if x := x.(map[string]any); x["id"] == id {
			return x
		}
	}
	return nil
}

func timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, v.(string))
	require.NoError(t, err)
	return at
}

// The register of data requests through the API: a candidate makes a
// subject access request; the operator sees it with its deadline a month
// away, extends it for a reason (within the two months allowed), exports
// the person's data and answers it, once; its DataRequest workflow ends.
// Once the person is erased there is nothing left to export.
func TestDataRequestRegisterThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	cand, candID := journeyCandidate(t, s, op, "ellis@example.org", map[string]any{"first_name": "Ellis"})

	r := s.JSON(t, http.MethodPost, "/v1/me/data-requests", cand, map[string]any{"kind": "subject_access"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, "open", r.Body["state"])
	require.Equal(t, candID, r.Body["candidate_id"])
	received, due := timeOf(t, r.Body["received_at"]), timeOf(t, r.Body["due_at"])
	require.Equal(t, sim.AddMonths(received, 1), due, "due in a month")
	r = s.JSON(t, http.MethodPost, "/v1/me/data-requests", cand, map[string]any{"kind": "subject_access"})
	require.Equal(t, http.StatusConflict, r.Status, "one open at a time: %s", r.Raw)
	r = s.JSON(t, http.MethodPost, "/v1/data-requests", op, map[string]any{"candidate_id": candID, "kind": "subject_access"})
	require.Equal(t, http.StatusConflict, r.Status, "nor a second logged on their behalf: %s", r.Raw)
	month := int(due.Sub(received) / (24 * time.Hour))

	// The register: soonest first, with the days left.
	got := dataRequestOf(t, s.Do(t, http.MethodGet, "/v1/data-requests", op, nil), id)
	require.NotNil(t, got)
	require.Equal(t, candID, got["candidate_id"])
	require.Equal(t, "subject_access", got["kind"])
	require.Contains(t, []float64{float64(month - 1), float64(month)}, got["days_left"], "a month (%d days) away", month)
	require.Contains(t, []float64{30, 31}, got["days_left"].(float64)+float64(31-month), "30 or 31 days in a 31-day month")
	_, otherID := journeyCandidate(t, s, op, "harper@example.org", nil)
	r = s.JSON(t, http.MethodPost, "/v1/data-requests", op, map[string]any{"candidate_id": otherID, "kind": "subject_access"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	logged := r.Body["id"].(string)
	page := s.Do(t, http.MethodGet, "/v1/data-requests?limit=1", op, nil)
	require.Equal(t, http.StatusOK, page.Status, string(page.Raw))
	require.Equal(t, id, page.Body["data_requests"].([]any)[0].(map[string]any)["id"])
	next := page.Body["next_cursor"].(string)
	page = s.Do(t, http.MethodGet, "/v1/data-requests?limit=1&cursor="+next, op, nil)
	require.Equal(t, logged, page.Body["data_requests"].([]any)[0].(map[string]any)["id"])
	r = s.Do(t, http.MethodGet, "/v1/data-requests?answered=true&limit=1&cursor="+next, op, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a cursor of another filter: %s", r.Raw)
	require.Equal(t, "cursor", errField(r))

	// Extended for a reason, within two months in all.
	extension := "/v1/data-requests/" + id + "/extension"
	r = s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 1})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "reason", errField(r))
	r = s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 1, "reason": "  "})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "reason", errField(r))
	r = s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 3, "reason": "Complex"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "months", errField(r))
	require.Equal(t, http.StatusForbidden, s.JSON(t, http.MethodPost, extension, cand, map[string]any{"months": 1, "reason": "Complex"}).Status)
	const reason = "The request covers five years of messages with three organisations."
	r = s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 1, "reason": reason})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "extended", r.Body["state"])
	require.Equal(t, reason, r.Body["extension"])
	require.Equal(t, sim.AddMonths(received, 2), timeOf(t, r.Body["due_at"]))
	r = s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 2, "reason": reason})
	require.Equal(t, http.StatusConflict, r.Status, "three months beyond the first deadline: %s", r.Raw)
	r = s.Do(t, http.MethodGet, "/v1/data-requests/"+id, op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, sim.AddMonths(received, 2), timeOf(t, r.Body["due_at"]), "the refused extension changed nothing")

	// The operator downloads the person's data to answer the request.
	var doc exportDoc
	require.NoError(t, json.Unmarshal(download(t, s, "/v1/data-requests/"+id+"/export", op, "application/json"), &doc))
	require.Equal(t, candID, doc.CandidateID)
	require.Equal(t, "Ellis", doc.Tables["candidates"][0]["first_name"])
	require.Len(t, doc.Tables["data_requests"], 1, "the request itself is the person's data too")
	files := csvFiles(t, download(t, s, "/v1/data-requests/"+id+"/export?format=csv", op, "application/zip"))
	require.Equal(t, []string{"Ellis"}, column(t, files["candidates.csv"], "first_name"))

	// Answered, once; the workflow that followed it ends.
	r = s.Do(t, http.MethodPost, "/v1/data-requests/"+id+"/answer", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "answered", r.Body["state"])
	require.NotEmpty(t, r.Body["answered_at"])
	r = s.Do(t, http.MethodPost, "/v1/data-requests/"+id+"/answer", op, nil)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	require.Equal(t, http.StatusConflict, s.JSON(t, http.MethodPost, extension, op, map[string]any{"months": 1, "reason": reason}).Status)
	require.Nil(t, dataRequestOf(t, s.Do(t, http.MethodGet, "/v1/data-requests", op, nil), id), "no longer waiting")
	require.Equal(t, "answered", dataRequestOf(t, s.Do(t, http.MethodGet, "/v1/data-requests?answered=true", op, nil), id)["state"])
	mine := dataRequestOf(t, s.Do(t, http.MethodGet, "/v1/me/data-requests", cand, nil), id)
	require.Equal(t, "answered", mine["state"])
	require.Equal(t, reason, mine["extension"])
	r = s.JSON(t, http.MethodPost, "/v1/me/data-requests", cand, map[string]any{"kind": "subject_access"})
	require.Equal(t, http.StatusCreated, r.Status, "once answered, they may ask again: %s", r.Raw)
	again := r.Body["id"].(string)
	var workflowStatus struct{ State sim.DataRequestState }
	require.NoError(t, s.Temporal.GetWorkflow(context.Background(), sim.DataRequestWorkflowID(id), "").Get(context.Background(), &workflowStatus))
	require.Equal(t, sim.RequestAnswered, workflowStatus.State)

	audit := s.Do(t, http.MethodGet, "/v1/audit-events?object_id="+id, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	for _, action := range []string{"data_request.logged", "data_request.extended", "data_request.answered"} {
		require.Contains(t, string(audit.Raw), `"`+action+`"`)
	}
	require.NotContains(t, string(audit.Raw), "five years", "the reason is not in the audit trail")

	// Once the person is erased, there is nothing left to export.
	require.Equal(t, http.StatusAccepted, s.Do(t, http.MethodPost, "/v1/candidates/"+candID+"/erasure", op, nil).Status)
	s.Finished(t, sim.WorkflowErasure)
	for _, path := range []string{"/v1/data-requests/" + again + "/export", "/v1/data-requests/" + id + "/export?format=xlsx"} {
		r = s.Do(t, http.MethodGet, path, op, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s: %s", path, r.Raw)
	}
}

// The retention schedule through the API: the operator reads every
// category's rule in words, changes the session's period within its
// limits (audited), and is refused, naming the field and the limits, out
// of them; a category the programme fixes cannot be changed; nobody else
// may read or change it.
func TestRetentionScheduleThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Retention NHS Trust", "admin@retention.example")
	user := colleagueOf(t, s, admin, orgID, "user@retention.example")
	cand, _ := journeyCandidate(t, s, op, "rowan@example.org", nil)

	rule := func(category string) map[string]any {
		t.Helper()
		r := s.Do(t, http.MethodGet, "/v1/retention-schedule", op, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		rules := r.Body["rules"].([]any)
		require.Len(t, rules, len(sim.RetentionCategories))
		for _, x := range rules {
			if x := x.(map[string]any); x["category"] == category {
				return x
			}
		}
		t.Fatalf("no rule for %s", category)
		return nil
	}
	session := rule("session")
	require.Equal(t, "delete", session["action"])
	require.EqualValues(t, 30, session["keep_days"])
	require.Equal(t, true, session["changeable"])
	require.Equal(t, "deleted 30 days after its retention clock", session["description"])
	require.Equal(t, map[string]any{"keep_days_min": 1.0, "keep_days_max": 730.0}, session["limits"])
	record := rule("candidate_record")
	require.Equal(t, "anonymise", record["action"])
	require.EqualValues(t, 365, record["org_visible_days"])
	require.EqualValues(t, 30, record["limits"].(map[string]any)["org_visible_days_min"])
	audit := rule("audit")
	require.Equal(t, false, audit["changeable"])
	require.Equal(t, "indefinitely", audit["description"])
	require.NotContains(t, audit, "keep_days")
	require.NotContains(t, audit, "limits")

	put := func(token, category string, body any) teststack.Response {
		return s.JSON(t, http.MethodPut, "/v1/retention-schedule/"+category, token, body)
	}
	r := put(op, "session", map[string]any{"keep_days": 60})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.EqualValues(t, 60, r.Body["keep_days"])
	require.Equal(t, "deleted 60 days after its retention clock", r.Body["description"])
	require.EqualValues(t, 60, rule("session")["keep_days"])
	events := s.Do(t, http.MethodGet, "/v1/audit-events", op, nil)
	require.Equal(t, http.StatusOK, events.Status, string(events.Raw))
	var changed int
	for _, e := range events.Body["events"].([]any) {
		if e := e.(map[string]any); e["action"] == "retention.changed" {
			changed++
			require.Equal(t, "retention_rule", e["object_type"])
		}
	}
	require.Equal(t, 1, changed)

	for _, c := range []struct {
		category string
		body     map[string]any
		status   int
		field    string
		words    string
	}{
		{"session", map[string]any{"keep_days": 0}, http.StatusUnprocessableEntity, "keep_days", "between 1 day and 2 years"},
		{"session", map[string]any{"keep_days": 731}, http.StatusUnprocessableEntity, "keep_days", "between 1 day and 2 years"},
		{"session", map[string]any{"keep_days": 30, "org_visible_days": 30}, http.StatusUnprocessableEntity, "org_visible_days", ""},
		{"candidate_record", map[string]any{"keep_days": 1095}, http.StatusUnprocessableEntity, "org_visible_days", "between 30 days and 5 years"},
		{"candidate_record", map[string]any{"keep_days": 400, "org_visible_days": 500}, http.StatusUnprocessableEntity, "org_visible_days", "no longer than"},
		{"session", map[string]any{"keep_days": -1}, http.StatusBadRequest, "keep_days", ""},
		{"session", map[string]any{"keep_days": 1e15}, http.StatusBadRequest, "keep_days", ""},
		{"session", map[string]any{}, http.StatusBadRequest, "keep_days", ""},
		{"bogus", map[string]any{"keep_days": 30}, http.StatusBadRequest, "category", ""},
		{"audit", map[string]any{"keep_days": 30}, http.StatusConflict, "", ""},
		{"consent", map[string]any{"keep_days": 30}, http.StatusConflict, "", ""},
	} {
		r := put(op, c.category, c.body)
		require.Equal(t, c.status, r.Status, "%s %v: %s", c.category, c.body, r.Raw)
		if c.field != "" {
			require.Equal(t, c.field, errField(r), "%s %v", c.category, c.body)
		}
		require.Contains(t, r.Body["error"].(map[string]any)["message"], c.words)
	}
	require.EqualValues(t, 60, rule("session")["keep_days"], "nothing refused changed anything")
	require.EqualValues(t, 1095, rule("candidate_record")["keep_days"])

	for _, token := range []string{admin, user, cand} {
		require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/retention-schedule", token, nil).Status)
		require.Equal(t, http.StatusForbidden, put(token, "session", map[string]any{"keep_days": 90}).Status)
	}
	require.EqualValues(t, 60, rule("session")["keep_days"])
}

// Versions of the consent wording through the API: the operator publishes
// a second, once; a candidate who agreed to the first sees they are not up
// to date until they agree to the second, and their history keeps both.
func TestConsentVersionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	cand, _ := journeyCandidate(t, s, op, "avery@example.org", nil)
	const v1, v2 = "2026-11-share-v1", "2027-01-share-v2"
	const wording = "I agree that the organisations I choose may see my profile and write to me; I can withdraw at any time."

	r := s.Do(t, http.MethodGet, "/v1/me/consent", cand, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, v1, r.Body["current_version"])
	require.Equal(t, true, r.Body["up_to_date"])
	require.Len(t, r.Body["history"], 1)

	r = s.JSON(t, http.MethodPost, "/v1/consent-texts", op, map[string]any{"version": v2, "body": wording})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, v2, r.Body["version"])
	require.Equal(t, wording, r.Body["body"])
	r = s.JSON(t, http.MethodPost, "/v1/consent-texts", op, map[string]any{"version": v2, "body": "Another wording"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	require.Equal(t, http.StatusForbidden, s.JSON(t, http.MethodPost, "/v1/consent-texts", cand, map[string]any{"version": "2027-02-share-v3", "body": wording}).Status)
	r = s.Do(t, http.MethodGet, "/v1/consent-text", "", nil)
	require.Equal(t, v2, r.Body["version"], "registrations are shown the new wording")
	require.Equal(t, wording, r.Body["body"])

	r = s.Do(t, http.MethodGet, "/v1/me/consent", cand, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, v2, r.Body["current_version"])
	require.Equal(t, wording, r.Body["current_body"])
	require.Equal(t, false, r.Body["up_to_date"])
	require.Equal(t, v1, r.Body["latest"].(map[string]any)["text_version"])

	r = s.JSON(t, http.MethodPut, "/v1/me/consent", cand, map[string]any{"text_version": v2, "given": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	r = s.Do(t, http.MethodGet, "/v1/me/consent", cand, nil)
	require.Equal(t, true, r.Body["up_to_date"])
	require.Equal(t, v2, r.Body["latest"].(map[string]any)["text_version"])
	var versions []any
	for _, h := range r.Body["history"].([]any) {
		versions = append(versions, h.(map[string]any)["text_version"])
	}
	require.Equal(t, []any{v2, v1}, versions, "newest first")
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/me/consent", op, nil).Status)
	audit := s.Do(t, http.MethodGet, "/v1/audit-events", op, nil)
	require.Contains(t, string(audit.Raw), `"consent_text.published"`)

	// The longest wording the document allows is accepted, however its
	// characters are escaped (here 6 bytes each: more than any other
	// request may send).
	long := `{"version":"2027-02-share-v3","body":"` + strings.Repeat(`\u00e9`, sim.MaxConsentLen) + `"}`
	require.Greater(t, len(long), 64<<10)
	r = s.Do(t, http.MethodPost, "/v1/consent-texts", op, []byte(long))
	require.Equal(t, http.StatusCreated, r.Status, "%.300s", r.Raw)
	require.Equal(t, strings.Repeat("é", sim.MaxConsentLen), r.Body["body"])
}

// Rectification through the API: a candidate corrects their name and
// phone; the audit trail names the fields corrected and holds neither the
// old values nor the new; the candidate's access log shows their own act.
func TestRectificationIsAuditedByFieldName(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	cand, candID := journeyCandidate(t, s, op, "sasha@example.org", nil)
	p := teststack.Profile()
	p["first_name"], p["phone"] = "Morwenna", "+44 7700 900456"
	r := s.JSON(t, http.MethodPut, "/v1/me/profile", cand, p)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPut, "/v1/me/profile", cand, p)
	require.Equal(t, http.StatusOK, r.Status, "the same profile again changes nothing: %s", r.Raw)

	audit := s.Do(t, http.MethodGet, "/v1/audit-events?object_id="+candID, op, nil)
	require.Equal(t, http.StatusOK, audit.Status, string(audit.Raw))
	var updates []any
	for _, e := range audit.Body["events"].([]any) {
		if e := e.(map[string]any); e["action"] == "profile.updated" {
			updates = append(updates, e["detail"])
		}
	}
	require.Equal(t, []any{"first_name,phone"}, updates, "one update, naming the fields")
	for _, value := range []string{"Morwenna", "900456", "Jordan", "900123"} {
		require.NotContains(t, string(audit.Raw), value)
	}
	r = s.Do(t, http.MethodGet, "/v1/me/access", cand, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	newest := r.Body["access"].([]any)[0].(map[string]any)
	require.Equal(t, "you", newest["by"])
	require.Equal(t, "profile.updated", newest["action"])
}

// Every new route refuses bad input with a 4xx that names the field, and
// nothing in the database changes: unknown, malformed and other people's
// IDs, values out of range, invalid UTF-8 and NUL characters.
func TestPrivacyRoutesRefuseBadInput(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	cand, candID := journeyCandidate(t, s, op, "jules@example.org", nil)
	_, otherID := journeyCandidate(t, s, op, "kit@example.org", nil)
	r := s.JSON(t, http.MethodPost, "/v1/me/data-requests", cand, map[string]any{"kind": "subject_access"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	request := "/v1/data-requests/" + r.Body["id"].(string)
	// Nothing is still to come from the engine that could change a row
	// while the snapshots are compared.
	s.Finished(t, sim.WorkflowInvitation)

	missing := uuid.NewString()
	cases := []struct {
		method, path, token, body string
		status                    int
		field                     string
	}{
		// Data requests.
		{"GET", "/v1/data-requests/" + missing, op, "", 404, ""},
		{"GET", "/v1/data-requests/not-an-id", op, "", 404, ""},
		{"GET", "/v1/data-requests/" + missing + "/export", op, "", 404, ""},
		{"GET", request + "/export?format=pdf", op, "", 400, "format"},
		{"POST", "/v1/data-requests/" + missing + "/answer", op, "", 404, ""},
		{"POST", "/v1/data-requests/not-an-id/answer", op, "", 404, ""},
		{"POST", "/v1/data-requests/" + missing + "/extension", op, `{"months":1,"reason":"Complex"}`, 404, ""},
		{"POST", request + "/extension", op, `{"months":1,"reason":"nul \u0000 byte"}`, 400, "reason"},
		{"POST", request + "/extension", op, "{\"months\":1,\"reason\":\"bad \xff byte\"}", 400, "reason"},
		{"POST", request + "/extension", op, `{"months":1,"reason":"turn \u202e around"}`, 422, "reason"},
		{"POST", request + "/extension", op, `{"months":1,"reason":"` + strings.Repeat("x", sim.MaxExtensionReason+1) + `"}`, 422, "reason"},
		{"POST", request + "/extension", op, `{"months":0,"reason":"Complex"}`, 400, "months"},
		{"POST", request + "/extension", op, `{"months":"one","reason":"Complex"}`, 400, "months"},
		{"POST", request + "/extension", op, `{"months":1,"reason":"Complex","extra":true}`, 400, "extra"},
		{"POST", request + "/answer", cand, "", 403, ""},
		{"POST", "/v1/data-requests", op, `{"candidate_id":"` + missing + `","kind":"subject_access"}`, 404, ""},
		{"POST", "/v1/data-requests", op, `{"candidate_id":"not-an-id","kind":"subject_access"}`, 400, "candidate_id"},
		{"POST", "/v1/data-requests", op, `{"candidate_id":"` + candID + `","kind":"erasure"}`, 400, "kind"},
		{"POST", "/v1/data-requests", cand, `{"candidate_id":"` + otherID + `","kind":"subject_access"}`, 404, ""},
		{"POST", "/v1/me/data-requests", cand, `{"kind":"rectification"}`, 400, "kind"},
		{"POST", "/v1/me/data-requests", cand, `{}`, 400, "kind"},
		{"POST", "/v1/me/data-requests", op, `{"kind":"subject_access"}`, 403, ""},
		{"GET", "/v1/data-requests?answered=maybe", op, "", 400, "answered"},
		{"GET", "/v1/data-requests?cursor=bm90IG91cnM", op, "", 422, "cursor"},
		// Erasure.
		{"POST", "/v1/candidates/" + missing + "/erasure", op, "", 404, ""},
		{"POST", "/v1/candidates/not-an-id/erasure", op, "", 404, ""},
		{"POST", "/v1/candidates/" + otherID + "/erasure", cand, "", 404, ""},
		// Subject access.
		{"GET", "/v1/me/export?format=pdf", cand, "", 400, "format"},
		{"GET", "/v1/me/access?cursor=bm90IG91cnM", cand, "", 422, "cursor"},
		{"GET", "/v1/me/access?limit=0", cand, "", 400, "limit"},
		// The retention schedule.
		{"PUT", "/v1/retention-schedule/bogus", op, `{"keep_days":30}`, 400, "category"},
		{"PUT", "/v1/retention-schedule/session", op, `{"keep_days":0}`, 422, "keep_days"},
		{"PUT", "/v1/retention-schedule/session", op, `{"keep_days":"30"}`, 400, "keep_days"},
		{"PUT", "/v1/retention-schedule/audit", op, `{"keep_days":30}`, 409, ""},
		// The consent wording.
		{"POST", "/v1/consent-texts", op, `{"version":"v\u0000","body":"I agree."}`, 400, "version"},
		{"POST", "/v1/consent-texts", op, "{\"version\":\"v\xff\",\"body\":\"I agree.\"}", 400, "version"},
		{"POST", "/v1/consent-texts", op, `{"version":"2027-v2","body":"I agree \u0000."}`, 400, "body"},
		{"POST", "/v1/consent-texts", op, "{\"version\":\"2027-v2\",\"body\":\"I agree \xfe.\"}", 400, "body"},
		{"POST", "/v1/consent-texts", op, `{"version":"2027-v2","body":"   "}`, 422, "body"},
		{"POST", "/v1/consent-texts", op, `{"version":"not a version!","body":"I agree."}`, 422, "version"},
		{"POST", "/v1/consent-texts", op, `{"version":"` + strings.Repeat("v", sim.MaxVersionLen+1) + `","body":"I agree."}`, 422, "version"},
		{"POST", "/v1/consent-texts", op, `{"version":"2026-11-share-v1","body":"I agree."}`, 409, ""},
		{"POST", "/v1/consent-texts", op, `{"version":"2027-v2"}`, 400, "body"},
	}
	before := mxSnap(t, s)
	for _, c := range cases {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		r := s.Do(t, c.method, c.path, c.token, body)
		name := c.method + " " + c.path + " " + c.body
		require.Equal(t, c.status, r.Status, "%s: %s", name, r.Raw)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"), name)
		if c.field != "" {
			require.Equal(t, c.field, errField(r), "%s: %s", name, r.Raw)
		}
		requireHumane(t, r.Body["error"].(map[string]any)["message"].(string), name)
	}
	after := mxSnap(t, s)
	require.Equal(t, before.Counts, after.Counts, "a refused request changed the row counts")
	require.Equal(t, before.Sums, after.Sums, "a refused request changed rows")
}
