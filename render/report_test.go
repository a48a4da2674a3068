package render_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"rsc.io/pdf"

	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

func funnelReport(released bool) sim.FunnelReport {
	counts := []sim.FunnelCount{
		{Stage: sim.FunnelRegistered, People: 1003}, {Stage: "interested", People: 498, MedianDays: 12, Intervals: 520},
		{Stage: "contacted", People: 9, MedianDays: 5, Intervals: 9},
		{Stage: "information_day", People: 3, MedianDays: 30, Intervals: 3}, {Stage: "work_placement", People: 0}, {Stage: "interview", People: 0},
		{Stage: "offer", People: 0}, {Stage: "placed", People: 0},
	}
	r := sim.FunnelReport{
		AsOf:   time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC),
		Period: sim.ReportPeriod{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
	}
	if released {
		r.Programme, r.Released = sim.ReleaseFunnel(counts), true
	} else {
		r.Programme = sim.ExactFunnel(counts)
	}
	return r
}

// pdfText is the text of every page of a PDF, page by page.
func pdfText(t *testing.T, b []byte) []string {
	t.Helper()
	doc, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err, "a PDF a reader can open")
	var pages []string
	for i := 1; i <= doc.NumPage(); i++ {
		var s strings.Builder
		for _, tx := range doc.Page(i).Content().Text {
			s.WriteString(tx.S)
		}
		pages = append(pages, s.String())
	}
	return pages
}

// squash drops the spaces a PDF's text runs are split at.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// Each form of a released funnel carries the figures as released and the
// notes with them: the CSV and the workbook read back, the PDF's text on
// its page.
func TestFunnelFiles(t *testing.T) {
	r := funnelReport(true)
	var b bytes.Buffer
	require.NoError(t, render.FunnelCSV(&b, r))
	reader := csv.NewReader(bytes.NewReader(b.Bytes()))
	reader.FieldsPerRecord = -1 // the title, tables and notes differ in width
	records, err := reader.ReadAll()
	require.NoError(t, err)
	flat := ""
	for _, rec := range records {
		flat += strings.Join(rec, "|") + "\n"
	}
	require.Contains(t, flat, "Registered|1005||\n")
	require.Contains(t, flat, "Interested|500|50%|12\n")
	require.Contains(t, flat, "Contacted|10|2%|5\n", "a median over 9 intervals")
	require.Contains(t, flat, "Information day|*|*|*\n", "a median over 3 intervals is withheld")
	require.Contains(t, flat, "Not to be put in the public domain")
	require.NotContains(t, flat, "1003", "no exact figure")

	b.Reset()
	require.NoError(t, render.FunnelXLSX(&b, r))
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	sheets := f.GetSheetList()
	require.Contains(t, sheets, "Notes")
	rows, err := f.GetRows(sheets[0])
	require.NoError(t, err)
	var registered []string
	for _, row := range rows {
		if len(row) > 1 && row[0] == "Registered" {
			registered = row
		}
	}
	require.Equal(t, []string{"Registered", "1005"}, registered)
	v, err := f.GetCellType(sheets[0], "B5")
	require.NoError(t, err)
	require.NotEqual(t, excelize.CellTypeInlineString, v, "a count is a number")

	b.Reset()
	require.NoError(t, render.FunnelPDF(&b, r))
	pages := pdfText(t, b.Bytes())
	require.NotEmpty(t, pages)
	for i, p := range pages {
		require.Contains(t, squash(p), squash("other counts are rounded to the nearest 5"), "page %d carries the rule", i+1)
		require.Contains(t, squash(p), squash("Not to be put in the public domain"), "page %d carries the condition", i+1)
		require.Contains(t, squash(p), squash("Registered January 2026 to December 2026"), "page %d names its period", i+1)
	}
	require.Contains(t, squash(pages[0]), "1005")
	require.NotContains(t, squash(pages[0]), "1003")
}

// The operator's breakdown by month, as a workbook whose figures add up
// as the database's do, and a PDF with the trend.
func TestBreakdownFiles(t *testing.T) {
	months := []string{"2026-01", "2026-02", "2026-03"}
	cells := [][]int64{{10, 20, 0, 0, 0, 0, 0, 3}, {12, 0, 1, 0, 0, 0, 0, 0}, {40, 2, 0, 0, 0, 0, 0, 0}}
	r := sim.BreakdownReport{
		AsOf:      time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC),
		Period:    sim.ReportPeriod{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		Dimension: sim.ByRegisteredMonth, Rows: months, Labels: months, Columns: sim.ByRegisteredMonth.Columns(),
		Table: sim.ExactTable(cells),
	}
	var b bytes.Buffer
	require.NoError(t, render.BreakdownXLSX(&b, r))
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	rows, err := f.GetRows(f.GetSheetList()[0])
	require.NoError(t, err)
	var got [][]string
	for _, row := range rows {
		if len(row) == 10 {
			got = append(got, row)
		}
	}
	require.Equal(t, [][]string{
		{"registered month", "Registered", "Interested", "Contacted", "Information day", "Work placement", "Interview", "Offer", "Placed", "Total"},
		{"2026-01", "10", "20", "0", "0", "0", "0", "0", "3", "33"},
		{"2026-02", "12", "0", "1", "0", "0", "0", "0", "0", "13"},
		{"2026-03", "40", "2", "0", "0", "0", "0", "0", "0", "42"},
		{"Total", "62", "22", "1", "0", "0", "0", "0", "3", "88"},
	}, got)

	b.Reset()
	require.NoError(t, render.BreakdownPDF(&b, r))
	pages := pdfText(t, b.Bytes())
	require.Contains(t, squash(pages[0]), squash("People registered, by month"))
	require.Contains(t, squash(pages[0]), squash("counted once for each person"))

	// Ten years of months run over several pages, each with the notes.
	r.Rows, r.Labels, cells = nil, nil, nil
	for m := range 120 {
		month := time.Date(2017, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		r.Rows, r.Labels = append(r.Rows, month), append(r.Labels, month)
		cells = append(cells, []int64{int64(m), 1, 0, 0, 0, 0, 0, 0})
	}
	r.Table = sim.ExactTable(cells)
	b.Reset()
	require.NoError(t, render.BreakdownPDF(&b, r))
	pages = pdfText(t, b.Bytes())
	require.Greater(t, len(pages), 2)
	for i, p := range pages {
		require.Contains(t, squash(p), squash("counted once for each person at the furthest stage reached"), "page %d of %d carries the notes", i+1, len(pages))
		require.Contains(t, squash(p), squash(fmt.Sprintf("Page %d of %d", i+1, len(pages))))
	}
}

// A label that a spreadsheet would read as a formula is written as text.
func TestReportFilesNeutraliseFormulas(t *testing.T) {
	r := sim.BreakdownReport{
		AsOf:      time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC),
		Period:    sim.ReportPeriod{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Dimension: sim.ByOrganisation, Rows: []string{"x"}, Labels: []string{"=HYPERLINK(\"http://evil\")"}, Columns: sim.ByOrganisation.Columns(),
		Table: sim.ExactTable([][]int64{{1, 0, 0, 0, 0, 0, 0}}),
	}
	var b bytes.Buffer
	require.NoError(t, render.BreakdownCSV(&b, r))
	require.Contains(t, b.String(), `'=HYPERLINK`)
}

// A follow-up as files: the workbook's rows are the figures, released ones
// as released; the PDF carries its period and notes on every page.
func TestFollowUpFiles(t *testing.T) {
	r := sim.FollowUpReport{
		AsOf:     time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC),
		Period:   sim.ReportPeriod{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Released: true,
		Rows: sim.ReleaseFollowUps([]sim.FollowUpCount{
			{Months: 3, Placed: 41, InPost: 29, NotInPost: 2, NoAnswer: 4},
			{Months: 6, Placed: 41, InPost: 5, NotInPost: 1, NoAnswer: 0},
		}),
	}
	var b bytes.Buffer
	require.NoError(t, render.FollowUpXLSX(&b, r))
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	rows, err := f.GetRows(f.GetSheetList()[0])
	require.NoError(t, err)
	var got [][]string
	for _, row := range rows {
		if len(row) == 6 {
			got = append(got, row)
		}
	}
	require.Equal(t, [][]string{
		{"Months after the start", "Placements", "Answered", "In post", "No answer", "Still in post"},
		{"3", "40", "30", "30", "*", "100%"},
		{"6", "40", "*", "*", "0", "*"},
	}, got, "released: rounded to 5, 1 to 7 as *, shares from the released counts and withheld under 8 answers")

	b.Reset()
	require.NoError(t, render.FollowUpPDF(&b, r))
	pages := pdfText(t, b.Bytes())
	require.NotEmpty(t, pages)
	for i, p := range pages {
		require.Contains(t, squash(p), squash("Placements whose job started January 2026 to December 2026"), "page %d names its period", i+1)
		require.Contains(t, squash(p), squash("Not to be put in the public domain"), "page %d carries the condition", i+1)
	}
	require.Contains(t, squash(pages[0]), squash("Share still in post, of those who answered"))
	require.NotContains(t, squash(pages[0]), "41", "no exact figure")
}

// The operator's view of the programme as files: every state's count in
// the workbook, the notes on the PDF's page.
func TestProgrammeFiles(t *testing.T) {
	v := sim.ProgrammeView{
		AsOf: time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC),
		OrganisationsBy: map[string]map[string]int64{
			"onboarding": {"completed": 41, "inviting": 3}, "agreement": {"current": 43, "none": 1}, "organisations": {"active": 44},
		},
		OpenSpotChecks: 7, OpenModeration: 2,
		OpenDataRequests: map[sim.DataRequestState]int64{"open": 1}, OpenInfoRequests: map[sim.InfoRequestState]int64{"received": 2},
		FlaggedInfoRequests: 1,
	}
	var b bytes.Buffer
	require.NoError(t, render.ProgrammeXLSX(&b, v))
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	require.Equal(t, []string{"Onboarding", "Agreement", "Status", "Open", "Notes"}, f.GetSheetList())
	shown := map[string]string{}
	for _, sheet := range f.GetSheetList()[:4] {
		rows, err := f.GetRows(sheet)
		require.NoError(t, err)
		for _, row := range rows {
			if len(row) == 2 {
				shown[sheet+"/"+row[0]] = row[1]
			}
		}
	}
	require.Equal(t, "41", shown["Onboarding/Completed"])
	require.Equal(t, "3", shown["Onboarding/Inviting"])
	require.Equal(t, "1", shown["Agreement/None"])
	require.Equal(t, "7", shown["Open/Spot checks open"])
	require.Equal(t, "2", shown["Open/Information requests received"])
	require.Equal(t, "1", shown["Open/Information requests flagged"])

	b.Reset()
	require.NoError(t, render.ProgrammePDF(&b, v))
	pages := pdfText(t, b.Bytes())
	require.Contains(t, squash(pages[0]), squash("Exact as of 2026-12-07 22:00 UTC"))
	require.Contains(t, squash(pages[0]), squash("not to be shared beyond the programme"))
}
