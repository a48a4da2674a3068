package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"rsc.io/pdf"

	"github.com/muster-cms/muster/internal/teststack"
)

// firstPageText is the text of a PDF's first page, without the spaces its
// text runs are split at (see squashed).
func firstPageText(t *testing.T, raw []byte) string {
	t.Helper()
	doc, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err, "a PDF a reader can open")
	var text strings.Builder
	for _, tx := range doc.Page(1).Content().Text {
		text.WriteString(tx.S)
	}
	return squashed(text.String())
}

// squashed is s without its spaces.
func squashed(s string) string { return strings.Join(strings.Fields(s), "") }

// funnelShown is a funnel's figures as shown, stage=shown.
func funnelShown(t *testing.T, figures any) []string {
	t.Helper()
	var out []string
	for _, f := range figures.([]any) {
		m := f.(map[string]any)
		out = append(out, fmt.Sprintf("%s=%s", m["stage"], m["people"].(map[string]any)["shown"]))
	}
	return out
}

// The funnel through the API: the operator sees the programme's figures
// exactly; an organisation's admin sees their own exactly and the
// programme's released under disclosure control, with the notes that go
// with them; another organisation's admin gets 404; a bad period is
// refused naming its field.
func TestFunnelReport(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgA, adminA := onboard(t, s, op, "Funnel NHS Trust", "admin@funnel-a.example")
	_, adminB := onboard(t, s, op, "Other Health Board", "admin@funnel-b.example")

	// Nine register; eight choose A; A contacts two.
	today := time.Now().UTC().Format(time.DateOnly)
	for i := range 9 {
		cand, candID := journeyCandidate(t, s, op, fmt.Sprintf("funnel%d@example.org", i), nil)
		if i == 8 {
			continue
		}
		r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgA}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		if i < 2 {
			r = s.JSON(t, http.MethodPost, "/v1/organisations/"+orgA+"/candidates/"+candID+"/interventions", adminA, map[string]any{"kind": "contacted", "on": today})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
		}
	}
	none := []string{"information_day=0", "work_placement=0", "interview=0", "offer=0", "placed=0"}

	r := s.Do(t, http.MethodGet, "/v1/reports/funnel", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, false, r.Body["released"])
	require.Equal(t, append([]string{"invited=9", "registered=9", "interested=8", "contacted=2"}, none...), funnelShown(t, r.Body["programme"]))
	exact := r.Body["programme"].([]any)
	require.Nil(t, exact[1].(map[string]any)["median_days"], "registering has no median")
	require.Equal(t, 0.0, exact[3].(map[string]any)["median_days"], "contacted the day they chose")
	require.Equal(t, time.Now().UTC().Format("2006-01"), r.Body["to"])
	require.Nil(t, r.Body["organisation"])

	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/funnel", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, true, r.Body["released"])
	require.Equal(t, append([]string{"interested=8", "contacted=2"}, none...), funnelShown(t, r.Body["organisation"]), "their own, exactly")
	require.Equal(t, append([]string{"invited=10", "registered=10", "interested=10", "contacted=*"}, none...), funnelShown(t, r.Body["programme"]), "the programme's, released")
	programme := r.Body["programme"].([]any)
	require.Equal(t, 1.0, programme[2].(map[string]any)["conversion"], "10 of 10, from the released counts")
	require.Equal(t, 0.0, programme[2].(map[string]any)["median_days"], "a median of 8 intervals")
	require.Equal(t, true, programme[3].(map[string]any)["conversion_withheld"], "on a withheld count")
	require.Equal(t, true, programme[3].(map[string]any)["median_withheld"], "a median of 2 intervals")
	require.Nil(t, programme[3].(map[string]any)["people"].(map[string]any)["value"], "no value behind a *")
	require.Contains(t, fmt.Sprint(r.Body["notes"]), "disclosure control")
	require.Contains(t, fmt.Sprint(r.Body["notes"]), "Not to be put in the public domain")

	r = s.Do(t, http.MethodGet, "/v1/reports/funnel", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, append([]string{"invited=10", "registered=10", "interested=10", "contacted=*"}, none...), funnelShown(t, r.Body["programme"]))

	// The same as files: the workbook's figures are the database's (their
	// own exactly, the programme's released); the PDF carries the notes.
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/funnel?format=xlsx", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.Header.Get("Content-Type"))
	require.Regexp(t, `^attachment; filename="muster-funnel-\d{4}-\d{2}-\d{4}-\d{2}\.xlsx"$`, r.Header.Get("Content-Disposition"))
	book, err := excelize.OpenReader(bytes.NewReader(r.Raw))
	require.NoError(t, err)
	sheetRows := func(sheet string) map[string][]string {
		rows, err := book.GetRows(sheet)
		require.NoError(t, err)
		out := map[string][]string{}
		for _, row := range rows {
			if len(row) > 1 {
				out[row[0]] = row[1:]
			}
		}
		return out
	}
	require.Equal(t, []string{"Organisation", "Programme", "Notes"}, book.GetSheetList())
	require.Equal(t, []string{"8", "", "0"}, sheetRows("Organisation")["Interested"], "people, no conversion, median days")
	require.Equal(t, []string{"2", "25%", "0"}, sheetRows("Organisation")["Contacted"])
	require.Equal(t, []string{"10", "100%"}, sheetRows("Programme")["Registered"])
	require.Equal(t, []string{"*", "*", "*"}, sheetRows("Programme")["Contacted"])
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/funnel?format=pdf", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "application/pdf", r.Header.Get("Content-Type"))
	page := firstPageText(t, r.Raw)
	require.Contains(t, page, squashed("Not to be put in the public domain without the programme's approval"))
	require.Contains(t, page, "FunnelNHSTrust", "named in the title")
	r = s.Do(t, http.MethodGet, "/v1/reports/funnel?format=doc", adminA, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))

	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/funnel", adminB, nil)
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
	r = s.Do(t, http.MethodGet, "/v1/organisations/7f1e0c2a-9b3d-4e5f-8a6b-1c2d3e4f5a6b/reports/funnel", op, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "an organisation that does not exist: %s", r.Raw)

	// The period: months people registered in.
	r = s.Do(t, http.MethodGet, "/v1/reports/funnel?from=2020-01&to=2020-12", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, append([]string{"invited=0", "registered=0", "interested=0", "contacted=0"}, none...), funnelShown(t, r.Body["programme"]))
	r = s.Do(t, http.MethodGet, "/v1/reports/funnel?from=2026-05&to=2026-04", op, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "to", r.Body["error"].(map[string]any)["field"])
	r = s.Do(t, http.MethodGet, "/v1/reports/funnel?from=2026-13", op, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))

	// The follow-up: nobody placed yet, so nothing to follow; the
	// organisation's own exactly, another organisation's not found.
	r = s.Do(t, http.MethodGet, "/v1/reports/follow-ups", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var months []float64
	for _, c := range r.Body["checkins"].([]any) {
		months = append(months, c.(map[string]any)["months"].(float64))
		require.Equal(t, "0", c.(map[string]any)["placed"].(map[string]any)["shown"])
		require.Equal(t, true, c.(map[string]any)["still_in_post_withheld"])
	}
	require.Equal(t, []float64{3, 6, 12}, months)
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/follow-ups", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, false, r.Body["released"], "their own placements, exactly")
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/follow-ups", adminB, nil)
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/follow-ups?format=xlsx", adminB, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "nor as a file: %s", r.Raw)
	r = s.Do(t, http.MethodGet, "/v1/organisations/"+orgA+"/reports/follow-ups?format=csv", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
	require.Regexp(t, `^attachment; filename="muster-follow-up-\d{4}-\d{2}-\d{4}-\d{2}\.csv"$`, r.Header.Get("Content-Disposition"))
	require.Contains(t, string(r.Raw), "3,0,0,0,0,*\n", "three months: nobody placed, so no share")
	r = s.Do(t, http.MethodGet, "/v1/reports/follow-ups?format=pdf", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Contains(t, firstPageText(t, r.Raw), squashed("Not to be put in the public domain without the programme's approval"), "the programme's, released")

	// The operator's view of the programme: two organisations, both
	// onboarding; nothing waiting.
	r = s.Do(t, http.MethodGet, "/v1/reports/programme", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	orgs := r.Body["organisations"].(map[string]any)
	var total float64
	for _, n := range orgs["by_status"].(map[string]any) {
		total += n.(float64)
	}
	require.EqualValues(t, 2, total, "A and B")
	require.EqualValues(t, 0, r.Body["open"].(map[string]any)["moderation"])
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/reports/programme", adminA, nil).Status)
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/reports/programme?format=csv", adminA, nil).Status, "nor as a file")
	r = s.Do(t, http.MethodGet, "/v1/reports/programme?format=xlsx", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	book, err = excelize.OpenReader(bytes.NewReader(r.Raw))
	require.NoError(t, err)
	status, err := book.GetRows("Status")
	require.NoError(t, err)
	var active int
	for _, row := range status {
		if len(row) == 2 && (row[0] == "Active" || row[0] == "Inactive") {
			n, err := strconv.Atoi(row[1])
			require.NoError(t, err)
			active += n
		}
	}
	require.Equal(t, 2, active, "the workbook counts A and B as the JSON does")

	// Breakdowns by the organisations' type: A is a trust.
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=organisation_type", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Len(t, r.Body["rows"].([]any), 1, "only A was chosen")

	// Breakdowns: by organisation, exactly for the operator.
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=organisation", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	rows := r.Body["rows"].([]any)
	require.Len(t, rows, 1, "only A was chosen")
	row := rows[0].(map[string]any)
	require.Equal(t, orgA, row["key"])
	require.Equal(t, "Funnel NHS Trust", row["label"])
	var cells []string
	for _, c := range row["cells"].([]any) {
		cells = append(cells, c.(map[string]any)["shown"].(string))
	}
	require.Equal(t, []string{"6", "2", "0", "0", "0", "0", "0"}, cells, "interested and no further, contacted")
	require.Equal(t, "8", row["total"].(map[string]any)["shown"])
	require.Equal(t, "interested", r.Body["columns"].([]any)[0])
	// The same breakdown as a workbook: the organisation's row holds the
	// figures the JSON holds, and the notes travel with it.
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=organisation&format=xlsx", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	book, err = excelize.OpenReader(bytes.NewReader(r.Raw))
	require.NoError(t, err)
	require.Equal(t, []string{"6", "2", "0", "0", "0", "0", "0", "8"}, sheetRows(book.GetSheetList()[0])["Funnel NHS Trust"])
	require.Contains(t, book.GetSheetList(), "Notes")
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=region&format=pdf", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Contains(t, firstPageText(t, r.Raw), squashed("Not to be put in the public domain without the programme's approval"), "released to an organisation, with its condition")

	// By region, released to an organisation: no exact figure but 0.
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=region", adminA, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, true, r.Body["released"])
	for _, row := range r.Body["rows"].([]any) {
		for _, c := range row.(map[string]any)["cells"].([]any) {
			cell := c.(map[string]any)
			switch cell["shown"] {
			case "*", "c":
				require.Nil(t, cell["value"])
			default:
				require.Zero(t, int(cell["value"].(float64))%5, "rounded: %v", cell)
			}
		}
	}
	require.Contains(t, fmt.Sprint(r.Body["notes"]), "disclosure control")
	r = s.Do(t, http.MethodGet, "/v1/reports/breakdown?by=surname", op, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
}

// The register of information requests through the API: an academic's
// request logged, acknowledged and supplied with a breakdown released
// under disclosure control, whose PDF carries the programme's proviso and
// whose stored files answer with the SHA-256 kept beside them; a
// company's request denied by policy and flagged at once, and never
// supplied; bad input refused naming its field; the register the
// operator's alone.
func TestInformationRequests(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr)
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgA, adminA := onboard(t, s, op, "Register NHS Trust", "admin@register.example")
	for i := range 3 {
		cand, _ := journeyCandidate(t, s, op, fmt.Sprintf("register%d@example.org", i), nil)
		r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgA}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	}

	r := s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{
		"requester": "academic", "who": "University of Northshire", "purpose": "An MSc dissertation", "asked": "People by region",
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, "received", r.Body["state"])
	require.EqualValues(t, 7, r.Body["days_left"])
	decide := func(id string, body map[string]any) teststack.Response {
		return s.JSON(t, http.MethodPost, "/v1/information-requests/"+id+"/decision", op, body)
	}
	r = decide(id, map[string]any{"action": "supply", "report": map[string]any{"kind": "funnel"}})
	require.Equal(t, http.StatusConflict, r.Status, "acknowledged first: %s", r.Raw)
	r = decide(id, map[string]any{"action": "acknowledge"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "acknowledged", r.Body["state"])
	r = decide(id, map[string]any{"action": "supply", "report": map[string]any{"kind": "breakdown"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "report.by", errorOf(t, r)["field"])
	r = decide(id, map[string]any{"action": "supply", "report": map[string]any{"kind": "breakdown", "by": "region"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "supplied", r.Body["state"])
	require.Contains(t, r.Body["reason"], "breakdown by region")

	// The release, as stored: its hash is the file's; the PDF is the
	// released table, with the proviso; the workbook holds no exact small
	// count.
	r = s.Do(t, http.MethodGet, "/v1/information-requests/"+id+"/release", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "application/pdf", r.Header.Get("Content-Type"))
	sum := sha256.Sum256(r.Raw)
	require.Equal(t, hex.EncodeToString(sum[:]), r.Header.Get("X-Content-SHA256"))
	page := firstPageText(t, r.Raw)
	require.Contains(t, page, squashed("Not to be put in the public domain without the programme's approval"))
	require.Contains(t, page, squashed("released under disclosure control"))
	r = s.Do(t, http.MethodGet, "/v1/information-requests/"+id+"/release?format=xlsx", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	book, err := excelize.OpenReader(bytes.NewReader(r.Raw))
	require.NoError(t, err)
	rows, err := book.GetRows(book.GetSheetList()[0])
	require.NoError(t, err)
	found := false
	for _, row := range rows {
		if len(row) > 2 && row[0] == "Total" {
			found = true
			require.NotContains(t, row[1:], "3", "three people: never shown exactly outside the programme")
		}
	}
	require.True(t, found, "the table's totals row")

	// A company: denied by policy and flagged, and never supplied.
	r = s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{
		"requester": "commercial", "who": "Acme Equipment Ltd", "purpose": "Marketing", "asked": "Every organisation's contacts", "commercial_gain": true,
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "denied", r.Body["state"])
	require.Equal(t, true, r.Body["flagged"])
	company := r.Body["id"].(string)
	r = decide(company, map[string]any{"action": "acknowledge"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Raw))

	r = s.Do(t, http.MethodGet, "/v1/information-requests", op, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Len(t, r.Body["requests"], 2, "both stay in the register")
	r = s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{"requester": "journalist", "who": "X", "purpose": "Y", "asked": "Z"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{"requester": "other", "who": " ", "purpose": "Y", "asked": "Z"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "who", errorOf(t, r)["field"])
	r = s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{"requester": "other", "who": "X", "purpose": "Y\u0000", "asked": "Z"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "purpose", errorOf(t, r)["field"])
	r = s.JSON(t, http.MethodPost, "/v1/information-requests/"+company+"/decision", op, map[string]any{"action": "deny", "reason": "x"})
	require.Equal(t, http.StatusConflict, r.Status, "already denied: %s", r.Raw)
	r = s.Do(t, http.MethodGet, "/v1/information-requests", op, nil)
	require.Len(t, r.Body["requests"], 2, "nothing refused was logged")
	require.Equal(t, http.StatusForbidden, s.Do(t, http.MethodGet, "/v1/information-requests", adminA, nil).Status)
	require.Equal(t, http.StatusNotFound, s.Do(t, http.MethodGet, "/v1/information-requests/"+company+"/release", op, nil).Status, "never supplied")

	// The register pages: every request on some page, each once.
	all := s.Do(t, http.MethodGet, "/v1/information-requests", op, nil).Body["requests"].([]any)
	var paged []any
	path := "/v1/information-requests?limit=1"
	for range 5 {
		r = s.Do(t, http.MethodGet, path, op, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		paged = append(paged, r.Body["requests"].([]any)...)
		c, more := r.Body["next_cursor"].(string)
		if !more {
			break
		}
		path = "/v1/information-requests?limit=1&cursor=" + c
	}
	require.Equal(t, all, paged)
	r = s.Do(t, http.MethodGet, "/v1/information-requests?cursor=bm90LW91cnM", op, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, "cursor", errorOf(t, r)["field"])
}
