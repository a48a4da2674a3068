package render_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

func export() sim.SubjectAccess {
	return sim.SubjectAccess{
		CandidateID: "c-1", GeneratedAt: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
		Tables: []sim.SubjectTable{
			{Name: "candidates", Purpose: "Members of the Armed Forces community.", Columns: []string{"id", "first_name", "skills", "sharing"},
				Rows: []map[string]any{{"id": "c-1", "first_name": `=HYPERLINK("http://evil","x")`, "skills": []any{"first aid", "+logistics"}, "sharing": true}}},
			{Name: "a_table_whose_name_is_longer_than_a_sheet_allows", Purpose: "Long.", Columns: []string{"n"}, Rows: []map[string]any{{"n": 3.0}}},
			{Name: "messages", Purpose: "Messages.", Columns: []string{"body"}},
		},
		Access: []sim.AccessRecord{{Seq: 4, At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Action: sim.AuditCandidateViewed, By: "Northshire NHS Trust"}},
	}
}

// Every form of the export holds every table, column and row, and the
// access log; a value a spreadsheet would run as a formula is shown as
// typed in the CSV and the workbook (and left as it is in JSON, which no
// spreadsheet opens).
func TestSubjectExportForms(t *testing.T) {
	t.Parallel()
	d := export()

	var j bytes.Buffer
	require.NoError(t, render.SubjectJSON(&j, d))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(j.Bytes(), &doc))
	tables := doc["tables"].(map[string]any)
	require.Len(t, tables, 3)
	require.Equal(t, `=HYPERLINK("http://evil","x")`, tables["candidates"].([]any)[0].(map[string]any)["first_name"])
	require.Equal(t, []any{}, tables["messages"], "an empty table is an empty list")
	require.Equal(t, "Northshire NHS Trust", doc["access"].([]any)[0].(map[string]any)["by"])

	var z bytes.Buffer
	require.NoError(t, render.SubjectCSVZip(&z, d))
	zr, err := zip.NewReader(bytes.NewReader(z.Bytes()), int64(z.Len()))
	require.NoError(t, err)
	files := map[string][][]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		if f.Name == "README.txt" {
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.Contains(t, string(b), "messages: Messages. (0 rows)")
			continue
		}
		rows, err := csv.NewReader(rc).ReadAll()
		require.NoError(t, err, f.Name)
		files[f.Name] = rows
	}
	require.Equal(t, [][]string{{"id", "first_name", "skills", "sharing"}, {"c-1", `'=HYPERLINK("http://evil","x")`, "first aid; +logistics", "true"}}, files["candidates.csv"])
	require.Equal(t, [][]string{{"at", "by", "action"}, {"2026-12-01T09:00:00Z", "Northshire NHS Trust", "candidate.viewed"}}, files["access.csv"])
	require.Len(t, files, 4)

	var x bytes.Buffer
	require.NoError(t, render.SubjectXLSX(&x, d))
	f, err := excelize.OpenReader(&x)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"About", "candidates", "a_table_whose_name_is_longer_th", "messages", "access"}, f.GetSheetList())
	rows, err := f.GetRows("candidates")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"id", "first_name", "skills", "sharing"}, {"c-1", `=HYPERLINK("http://evil","x")`, "first aid; +logistics", "true"}}, rows,
		"the workbook shows each value as typed")
	formula, err := f.GetCellFormula("candidates", "B2")
	require.NoError(t, err)
	require.Empty(t, formula, "no cell is a formula")
	typ, err := f.GetCellType("candidates", "B2")
	require.NoError(t, err)
	require.Contains(t, []excelize.CellType{excelize.CellTypeInlineString, excelize.CellTypeSharedString}, typ, "a value that begins with = is text")
}
