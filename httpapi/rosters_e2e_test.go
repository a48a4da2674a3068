package httpapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/muster-cms/muster/internal/teststack"
)

// uploadCSV posts body as text/csv (with contentType's parameters).
func uploadCSV(t *testing.T, s *teststack.Stack, org, token, contentType string, body []byte) teststack.Response {
	t.Helper()
	return s.DoWithHeaders(t, http.MethodPost, "/v1/organisations/"+org+"/rosters", token, body, http.Header{"Content-Type": {contentType}})
}

// uploadFile posts data as the file part of a form.
func uploadFile(t *testing.T, s *teststack.Stack, org, token, name string, data []byte) teststack.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = part.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return s.DoWithHeaders(t, http.MethodPost, "/v1/organisations/"+org+"/rosters", token, b.Bytes(), http.Header{"Content-Type": {w.FormDataContentType()}})
}

// Rosters through the API, as real files: CSV in Windows-1252 with
// semicolons as the body, XLSX as a form's file; every row checked, the
// problems downloadable; the same file again is the same import; and
// every malformed file is a clear 4xx that stages nothing.
func TestRosterUploads(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	org, admin := onboard(t, s, op, "Roster NHS Trust", "admin@roster.example")
	r := s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": "invited@example.org"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))

	text := "Name;E-mail address;Armed Forces connection;How consent to contact was obtained;Region\r\n" +
		"Zoë Brontë;zoe@example.org;Veteran;In writing;North West\r\n" +
		"Sam Lee;invited@example.org;Reservist;By email;\r\n" +
		"=SUM(A1);hyper@example.org;veteran;by email;\r\n" +
		"Al Jones;zoe@example.org;veteran;verbally;\r\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	require.NoError(t, err)
	r = uploadCSV(t, s, org, admin, "text/csv; charset=windows-1252", []byte(cp1252))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	imp := r.Body["id"].(string)
	require.Equal(t, float64(4), r.Body["rows"])
	require.Equal(t, float64(1), r.Body["valid"])
	require.Equal(t, "checked", r.Body["state"])

	r = s.Do(t, http.MethodGet, "/v1/organisations/"+org+"/rosters/"+imp+"/problems", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, []any{
		map[string]any{"row": float64(3), "column": "email", "problem": "already has an invitation waiting"},
		map[string]any{"row": float64(4), "column": "name", "problem": "starts like a spreadsheet formula (=, +, -, @): remove it, or the leading character"},
		map[string]any{"row": float64(5), "column": "email", "problem": "is the same address as row 2"},
	}, r.Body["problems"])
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+org+"/rosters/"+imp+"/problems?format=csv", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
	rows, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, [][]string{{"row", "column", "problem", "warning"}, {"3", "email", "already has an invitation waiting", ""},
		{"4", "name", "starts like a spreadsheet formula (=, +, -, @): remove it, or the leading character", ""},
		{"5", "email", "is the same address as row 2", ""}}, rows)
	require.NotContains(t, string(r.Raw), "SUM(A1)", "a problem never quotes the file")

	// The same file again: the same import, 200.
	r = uploadCSV(t, s, org, admin, "text/csv; charset=windows-1252", []byte(cp1252))
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, imp, r.Body["id"])

	// An XLSX workbook as a form's file.
	x := excelize.NewFile()
	for i, row := range [][]any{{"name", "email", "connection", "consent", "phone"}, {"Pat Lee", "pat@example.org", "veteran", "by email"}} {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, err)
		require.NoError(t, x.SetSheetRow("Sheet1", cell, &row))
	}
	var book bytes.Buffer
	require.NoError(t, x.Write(&book))
	r = uploadFile(t, s, org, admin, "roster.xlsx", book.Bytes())
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "xlsx", r.Body["format"])
	require.Equal(t, float64(1), r.Body["valid"])

	// Hostile bytes in a cell past the part that tells the encoding (a
	// NUL, a byte that is not UTF-8): that row's problem, never the file's
	// failure, and never stored.
	var long strings.Builder
	long.WriteString("name,email,connection,consent\n")
	for i := range 2500 {
		long.WriteString("Pat Lee,pat" + strconv.Itoa(i) + "@example.org,veteran,by email\n")
	}
	long.WriteString("Jo\x00Reid,nul@example.org,veteran,by email\nZo\xeb,bad@example.org,veteran,by email\n")
	r = uploadCSV(t, s, org, admin, "text/csv", []byte(long.String()))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	hostile := r.Body["id"].(string)
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+org+"/rosters/"+hostile+"/problems?limit=200", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	problems := r.Body["problems"].([]any)
	require.Len(t, problems, 2, "%v", problems)
	require.Equal(t, []any{float64(2502), "name"}, []any{problems[0].(map[string]any)["row"], problems[0].(map[string]any)["column"]})
	require.Equal(t, map[string]any{"row": float64(2503), "column": "name", "problem": "is not text in the file's encoding (save the file as UTF-8)"}, problems[1])
	var stored int
	require.NoError(t, s.DB.Admin.QueryRow(t.Context(), "SELECT count(*) FROM roster_rows WHERE import_id = $1 AND row IN (2502, 2503) AND name = ''", hostile).Scan(&stored))
	require.Equal(t, 2, stored, "the bad names are not stored")

	// Discarded: the staged details go at once; once only; the same file
	// may then be uploaded again.
	decide := func(id string) teststack.Response {
		return s.JSON(t, http.MethodPost, "/v1/organisations/"+org+"/rosters/"+id+"/decision", admin, map[string]any{"action": "discard"})
	}
	r = decide(hostile)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "discarded", r.Body["state"])
	require.NoError(t, s.DB.Admin.QueryRow(t.Context(), "SELECT count(*) FROM roster_rows WHERE import_id = $1", hostile).Scan(&stored))
	require.Zero(t, stored)
	r = decide(hostile)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+org+"/rosters/"+hostile+"/decision", admin, map[string]any{"action": "import_everyone"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	r = uploadCSV(t, s, org, admin, "text/csv", []byte(long.String()))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.NotEqual(t, hostile, r.Body["id"])

	// The organisation's rosters, latest first, a page at a time; not
	// another organisation's admin's to list.
	var listed []any
	path := "/v1/organisations/" + org + "/rosters?limit=2"
	for range 5 {
		r = s.Do(t, http.MethodGet, path, admin, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		listed = append(listed, r.Body["rosters"].([]any)...)
		c, more := r.Body["next_cursor"].(string)
		if !more {
			break
		}
		path = "/v1/organisations/" + org + "/rosters?limit=2&cursor=" + c
	}
	require.Len(t, listed, 4, "the Windows-1252 file, the workbook, the hostile file discarded, and its upload again")
	states := map[string]int{}
	for _, l := range listed {
		states[l.(map[string]any)["state"].(string)]++
	}
	require.Equal(t, map[string]int{"checked": 3, "discarded": 1}, states)
	_, adminB := onboard(t, s, op, "Other Roster NHS Trust", "admin@other-roster.example")
	require.Equal(t, http.StatusNotFound, s.Do(t, http.MethodGet, "/v1/organisations/"+org+"/rosters", adminB, nil).Status)

	// Every malformed file: a clear 4xx, and nothing staged.
	staged := func() int {
		var n int
		require.NoError(t, s.DB.Admin.QueryRow(t.Context(), "SELECT (SELECT count(*) FROM roster_imports) * 1000 + (SELECT count(*) FROM roster_rows)").Scan(&n))
		return n
	}
	before := staged()
	var bomb bytes.Buffer
	z := zip.NewWriter(&bomb)
	w, err := z.Create("xl/worksheets/sheet1.xml")
	require.NoError(t, err)
	_, err = w.Write(make([]byte, 200<<20))
	require.NoError(t, err)
	require.NoError(t, z.Close())
	for name, c := range map[string]struct {
		send   func() teststack.Response
		status int
		says   string
	}{
		"an empty file": {func() teststack.Response { return uploadCSV(t, s, org, admin, "text/csv", []byte{}) }, http.StatusUnprocessableEntity, "empty"},
		"a header only": {func() teststack.Response {
			return uploadCSV(t, s, org, admin, "text/csv", []byte("name,email,connection,consent\n"))
		}, http.StatusUnprocessableEntity, "no one in it"},
		"unbalanced quotes": {func() teststack.Response {
			return uploadCSV(t, s, org, admin, "text/csv", []byte("name,email,connection,consent\n\"Jo,jo@example.org,veteran,by email\n"))
		}, http.StatusUnprocessableEntity, "quote"},
		"not a roster": {func() teststack.Response {
			return uploadCSV(t, s, org, admin, "text/csv", []byte("a,b\n1,2\n"))
		}, http.StatusUnprocessableEntity, "not a roster column"},
		"binary as CSV": {func() teststack.Response {
			return uploadCSV(t, s, org, admin, "text/csv", []byte("PK\x03\x04\x00\x00"))
		}, http.StatusUnprocessableEntity, "not a CSV file"},
		"an unknown charset": {func() teststack.Response {
			return uploadCSV(t, s, org, admin, "text/csv; charset=ebcdic", []byte("name,email,connection,consent\n"))
		}, http.StatusUnprocessableEntity, "character set"},
		"a zip bomb": {func() teststack.Response { return uploadFile(t, s, org, admin, "bomb.xlsx", bomb.Bytes()) }, http.StatusUnprocessableEntity, "unzips to more than"},
		"not a workbook": {func() teststack.Response {
			return uploadFile(t, s, org, admin, "roster.xlsx", []byte("name,email\n"))
		}, http.StatusUnprocessableEntity, "not an XLSX workbook"},
		"a PDF": {func() teststack.Response { return uploadFile(t, s, org, admin, "roster.pdf", []byte("%PDF-1.4")) }, http.StatusUnprocessableEntity, ".csv or an .xlsx"},
		"JSON": {func() teststack.Response {
			return s.JSON(t, http.MethodPost, "/v1/organisations/"+org+"/rosters", admin, map[string]any{"name": "Jo"})
		}, http.StatusBadRequest, "text/csv"},
		"more than 64 MiB": {func() teststack.Response {
			big := strings.Repeat("Jo Reid,jo@example.org,veteran,by email\n", 65<<20/40)
			return uploadCSV(t, s, org, admin, "text/csv", []byte("name,email,connection,consent\n"+big))
		}, http.StatusRequestEntityTooLarge, "at most"},
	} {
		r := c.send()
		require.Equal(t, c.status, r.Status, "%s: %s", name, r.Raw)
		require.Contains(t, errorOf(t, r)["message"], c.says, name)
		require.Equal(t, before, staged(), "%s: nothing staged", name)
	}

	// A file larger than the limit and sent without a length is cut off
	// as it streams.
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte("name,email,connection,consent\n"))
		for range 65 << 10 {
			if _, err := pw.Write([]byte(strings.Repeat("x", 1023) + "\n")); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/organisations/"+org+"/rosters", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	_ = pr.Close()
	require.Equal(t, before, staged())
}
