package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"

	"github.com/muster-cms/muster/sim"
)

// Reports as files: CSV, XLSX and PDF. Whatever the form, a report's
// figures never travel without what they need to be read: the title, the
// period and the moment they are exact at, and the notes (definitions,
// source, the disclosure rule applied and what it withheld). In the PDF
// the notes are on every page.

// reportDoc is a report laid out for any form: its tables, a chart, and
// the notes.
type reportDoc struct {
	title, subtitle string
	tables          []docTable
	chart           docChart
	notes           []string
}

// docTable is one table: a header and rows of cells.
type docTable struct {
	name   string
	sheet  string // the workbook's sheet (at most 31 characters)
	header []string
	rows   [][]docCell
}

// docCell is one cell: the text shown and, for a count or a share shown
// as a figure, its number (so that a spreadsheet can add it up).
type docCell struct {
	text    string
	number  *float64
	percent bool // the number is a share, shown as a percentage
}

// docChart is a bar chart: a label and a value for each bar, and the text
// shown on it ("*" for a withheld count, whose bar is empty).
type docChart struct {
	title  string
	labels []string
	values []float64
	shown  []string
}

func textCell(s string) docCell { return docCell{text: s} }

func countCell(c sim.ReleasedCount) docCell {
	if c.Withheld != sim.Shown {
		return docCell{text: c.String()}
	}
	v := float64(c.Value)
	return docCell{text: c.String(), number: &v}
}

func shareCell(s sim.ReleasedStatistic, first bool) docCell {
	switch {
	case first:
		return docCell{}
	case s.Withheld != sim.Shown:
		return docCell{text: "*"}
	}
	v := s.Value
	return docCell{text: strconv.FormatFloat(100*s.Value, 'f', 0, 64) + "%", number: &v, percent: true}
}

func reportSubtitle(p sim.ReportPeriod, asOf string) string {
	return fmt.Sprintf("Registered %s to %s; exact as of %s UTC", p.From.Format("January 2006"), p.To.Format("January 2006"), asOf)
}

func funnelTable(name, sheet string, figures []sim.FunnelFigure) docTable {
	t := docTable{name: name, sheet: sheet, header: []string{"Stage", "People", "Conversion from the stage before", "Median days from the stage before"}}
	for i, f := range figures {
		t.rows = append(t.rows, []docCell{textCell(stageWords(f.Stage)), countCell(f.People), shareCell(f.Conversion, i == 0), daysCell(f.MedianDays)})
	}
	return t
}

// daysCell is a median number of days: empty where there is none to show
// (the first stage), * where it is withheld.
func daysCell(s *sim.ReleasedStatistic) docCell {
	switch {
	case s == nil:
		return docCell{}
	case s.Withheld != sim.Shown:
		return docCell{text: "*"}
	}
	v := s.Value
	return docCell{text: strconv.FormatFloat(s.Value, 'f', 0, 64), number: &v}
}

// stageWords is a stage as a person reads it.
func stageWords(s sim.FunnelStage) string { return words(string(s)) }

// words is a state or stage written in snake case as a person reads it:
// "work_placement" is "Work placement".
func words(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
}

func funnelDoc(r sim.FunnelReport) reportDoc {
	d := reportDoc{
		title:    "The programme's funnel",
		subtitle: reportSubtitle(r.Period, r.AsOf.UTC().Format("2006-01-02 15:04")),
		notes:    r.Notes(),
	}
	chartOf := r.Programme
	if r.OrgID != "" {
		d.title = r.OrgName + ": the organisation's funnel, beside the programme's"
		d.tables = append(d.tables, funnelTable(r.OrgName, "Organisation", r.Organisation))
		chartOf = r.Organisation
	}
	programme := "Programme"
	if r.Released {
		programme = "Programme (released under disclosure control)"
	}
	d.tables = append(d.tables, funnelTable(programme, "Programme", r.Programme))
	d.chart.title = "People at each stage: " + d.tables[0].name
	for _, f := range chartOf {
		d.chart.labels = append(d.chart.labels, stageWords(f.Stage))
		d.chart.values = append(d.chart.values, float64(f.People.Value))
		d.chart.shown = append(d.chart.shown, f.People.String())
	}
	return d
}

func breakdownDoc(r sim.BreakdownReport) reportDoc {
	d := reportDoc{
		title:    "The programme's people by " + strings.ReplaceAll(string(r.Dimension), "_", " ") + " and how far they got",
		subtitle: reportSubtitle(r.Period, r.AsOf.UTC().Format("2006-01-02 15:04")),
		notes:    r.Notes(),
	}
	if r.Released {
		d.subtitle += "; released under disclosure control"
	}
	t := docTable{name: "Breakdown", sheet: "Breakdown", header: []string{strings.ReplaceAll(string(r.Dimension), "_", " ")}}
	for _, c := range r.Columns {
		t.header = append(t.header, stageWords(c))
	}
	t.header = append(t.header, "Total")
	for i, label := range r.Labels {
		row := []docCell{textCell(label)}
		for _, c := range r.Table.Cells[i] {
			row = append(row, countCell(c))
		}
		t.rows = append(t.rows, append(row, countCell(r.Table.RowTotals[i])))
	}
	totals := []docCell{textCell("Total")}
	for _, c := range r.Table.ColTotals {
		totals = append(totals, countCell(c))
	}
	t.rows = append(t.rows, append(totals, countCell(r.Table.Total)))
	d.tables = []docTable{t}
	// By month, the trend; otherwise, how far everyone got.
	if r.Dimension == sim.ByRegisteredMonth {
		d.chart.title = "People registered, by month"
		for i, label := range r.Labels {
			d.chart.labels = append(d.chart.labels, label)
			d.chart.values = append(d.chart.values, float64(r.Table.RowTotals[i].Value))
			d.chart.shown = append(d.chart.shown, r.Table.RowTotals[i].String())
		}
	} else {
		d.chart.title = "People by the furthest stage reached"
		for j, c := range r.Columns {
			d.chart.labels = append(d.chart.labels, stageWords(c))
			d.chart.values = append(d.chart.values, float64(r.Table.ColTotals[j].Value))
			d.chart.shown = append(d.chart.shown, r.Table.ColTotals[j].String())
		}
	}
	return d
}

// followUpDoc lays out a placement follow-up: one row per check-in, and a
// chart of the share still in post.
func followUpDoc(r sim.FollowUpReport) reportDoc {
	d := reportDoc{
		title: "The programme's placement follow-up",
		subtitle: fmt.Sprintf("Placements whose job started %s to %s; exact as of %s UTC",
			r.Period.From.Format("January 2006"), r.Period.To.Format("January 2006"), r.AsOf.UTC().Format("2006-01-02 15:04")),
		notes: r.Notes(),
	}
	if r.OrgID != "" {
		d.title = "The organisation's placement follow-up"
	}
	name := "Placements and their check-ins"
	if r.Released {
		name += " (released under disclosure control)"
	}
	t := docTable{name: name, sheet: "Follow-up", header: []string{"Months after the start", "Placements", "Answered", "In post", "No answer", "Still in post"}}
	d.chart.title = "Share still in post, of those who answered"
	for _, f := range r.Rows {
		months := float64(f.Months)
		t.rows = append(t.rows, []docCell{{text: strconv.Itoa(f.Months), number: &months}, countCell(f.Placed), countCell(f.Answered),
			countCell(f.InPost), countCell(f.NoAnswer), shareCell(f.StillInPost, false)})
		d.chart.labels = append(d.chart.labels, strconv.Itoa(f.Months)+" months")
		share := shareCell(f.StillInPost, false)
		d.chart.shown = append(d.chart.shown, share.text)
		if share.number != nil {
			d.chart.values = append(d.chart.values, 100**share.number)
		} else {
			d.chart.values = append(d.chart.values, 0)
		}
	}
	d.tables = append(d.tables, t)
	return d
}

// FollowUpCSV, FollowUpXLSX and FollowUpPDF write a placement follow-up as
// a file.
func FollowUpCSV(w io.Writer, r sim.FollowUpReport) error  { return followUpDoc(r).csv(w) }
func FollowUpXLSX(w io.Writer, r sim.FollowUpReport) error { return followUpDoc(r).xlsx(w) }
func FollowUpPDF(w io.Writer, r sim.FollowUpReport) error  { return followUpDoc(r).pdf(w) }

// programmeDoc lays out the operator's view of the programme: the
// organisations by each state, what waits for the operator, and a chart of
// the organisations by onboarding state.
func programmeDoc(v sim.ProgrammeView) reportDoc {
	d := reportDoc{
		title:    "The programme at a glance",
		subtitle: "Exact as of " + v.AsOf.UTC().Format("2006-01-02 15:04") + " UTC",
		notes: []string{
			"Organisations by onboarding state, by the data-sharing agreement they signed (the current version, a retired one, or none) and active or not; and what waits for the programme operator.",
			"Source: the programme's records, exact as of the time above. For the programme operator: not to be shared beyond the programme.",
		},
	}
	count := func(n int64) docCell {
		v := float64(n)
		return docCell{text: strconv.FormatInt(n, 10), number: &v}
	}
	for _, by := range []struct{ key, name, sheet string }{
		{"onboarding", "Organisations by onboarding state", "Onboarding"},
		{"agreement", "Organisations by data-sharing agreement", "Agreement"},
		{"organisations", "Organisations active or not", "Status"},
	} {
		t := docTable{name: by.name, sheet: by.sheet, header: []string{"State", "Organisations"}}
		states := slices.Sorted(maps.Keys(v.OrganisationsBy[by.key]))
		for _, state := range states {
			t.rows = append(t.rows, []docCell{textCell(words(state)), count(v.OrganisationsBy[by.key][state])})
			if by.key == "onboarding" {
				d.chart.labels = append(d.chart.labels, words(state))
				d.chart.values = append(d.chart.values, float64(v.OrganisationsBy[by.key][state]))
				d.chart.shown = append(d.chart.shown, strconv.FormatInt(v.OrganisationsBy[by.key][state], 10))
			}
		}
		d.tables = append(d.tables, t)
	}
	d.chart.title = "Organisations by onboarding state"
	open := docTable{name: "Waiting for the programme operator", sheet: "Open", header: []string{"What", "How many"}}
	open.rows = append(open.rows,
		[]docCell{textCell("Spot checks open"), count(v.OpenSpotChecks)},
		[]docCell{textCell("Messages reported, to moderate"), count(v.OpenModeration)})
	for _, k := range slices.Sorted(maps.Keys(v.OpenDataRequests)) {
		open.rows = append(open.rows, []docCell{textCell("Data requests " + strings.ReplaceAll(string(k), "_", " ")), count(v.OpenDataRequests[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(v.OpenInfoRequests)) {
		open.rows = append(open.rows, []docCell{textCell("Information requests " + strings.ReplaceAll(string(k), "_", " ")), count(v.OpenInfoRequests[k])})
	}
	open.rows = append(open.rows, []docCell{textCell("Information requests flagged"), count(v.FlaggedInfoRequests)})
	d.tables = append(d.tables, open)
	return d
}

// ProgrammeCSV, ProgrammeXLSX and ProgrammePDF write the operator's view of
// the programme as a file.
func ProgrammeCSV(w io.Writer, v sim.ProgrammeView) error  { return programmeDoc(v).csv(w) }
func ProgrammeXLSX(w io.Writer, v sim.ProgrammeView) error { return programmeDoc(v).xlsx(w) }
func ProgrammePDF(w io.Writer, v sim.ProgrammeView) error  { return programmeDoc(v).pdf(w) }

// FunnelCSV, FunnelXLSX and FunnelPDF write a funnel report.
func FunnelCSV(w io.Writer, r sim.FunnelReport) error  { return funnelDoc(r).csv(w) }
func FunnelXLSX(w io.Writer, r sim.FunnelReport) error { return funnelDoc(r).xlsx(w) }
func FunnelPDF(w io.Writer, r sim.FunnelReport) error  { return funnelDoc(r).pdf(w) }

// BreakdownCSV, BreakdownXLSX and BreakdownPDF write a breakdown report.
func BreakdownCSV(w io.Writer, r sim.BreakdownReport) error  { return breakdownDoc(r).csv(w) }
func BreakdownXLSX(w io.Writer, r sim.BreakdownReport) error { return breakdownDoc(r).xlsx(w) }
func BreakdownPDF(w io.Writer, r sim.BreakdownReport) error  { return breakdownDoc(r).pdf(w) }

// csv writes the title and subtitle, each table after a line with its
// name, and the notes, one per line, each cell neutralised.
func (d reportDoc) csv(w io.Writer) error {
	out := csv.NewWriter(w)
	write := func(cells ...string) {
		for i, c := range cells {
			cells[i] = Cell(c)
		}
		_ = out.Write(cells)
	}
	write(d.title)
	write(d.subtitle)
	for _, t := range d.tables {
		write()
		write(t.name)
		write(t.header...)
		for _, row := range t.rows {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = c.text
			}
			write(cells...)
		}
	}
	write()
	write("Notes")
	for _, n := range d.notes {
		write(n)
	}
	out.Flush()
	return out.Error()
}

// xlsx writes one sheet per table, the title, subtitle and notes above and
// below it, and a Notes sheet; figures are numbers, withheld ones text.
func (d reportDoc) xlsx(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 9}) // 0%
	if err != nil {
		return err
	}
	first := true
	for _, t := range d.tables {
		name := sheetName(t.sheet)
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		row := 1
		set := func(col int, v any) error {
			cell, err := excelize.CoordinatesToCellName(col, row)
			if err != nil {
				return err
			}
			return f.SetCellValue(name, cell, v)
		}
		for _, line := range []string{d.title, d.subtitle} {
			if err := set(1, Cell(line)); err != nil {
				return err
			}
			row++
		}
		row++
		for i, h := range t.header {
			if err := set(i+1, Cell(h)); err != nil {
				return err
			}
		}
		for _, r := range t.rows {
			row++
			for i, c := range r {
				var v any = Cell(c.text)
				if c.number != nil {
					v = *c.number
				}
				if err := set(i+1, v); err != nil {
					return err
				}
				if c.percent {
					cell, _ := excelize.CoordinatesToCellName(i+1, row)
					if err := f.SetCellStyle(name, cell, cell, percent); err != nil {
						return err
					}
				}
			}
		}
		row += 2
		for _, n := range d.notes {
			if err := set(1, Cell(n)); err != nil {
				return err
			}
			row++
		}
	}
	if _, err := f.NewSheet("Notes"); err != nil {
		return err
	}
	for i, n := range append([]string{d.title, d.subtitle}, d.notes...) {
		if err := f.SetCellValue("Notes", fmt.Sprintf("A%d", i+1), Cell(n)); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// pdf writes an A4 page (or more): the title and subtitle, each table,
// the chart, and the notes in every page's footer.
func (d reportDoc) pdf(w io.Writer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	const margin, footer = 15.0, 42.0
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, footer)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-footer + 4)
		pdf.SetFont("Helvetica", "", 6.5)
		pdf.SetTextColor(60, 60, 60)
		for _, n := range d.notes {
			pdf.MultiCell(0, 3, tr(n), "", "L", false)
		}
		pdf.CellFormat(0, 3, tr(fmt.Sprintf("%s. Page %d of {nb}", d.subtitle, pdf.PageNo())), "", 0, "L", false, 0, "")
	})
	pdf.AliasNbPages("")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, tr(d.title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, tr(d.subtitle), "", "L", false)
	pdf.Ln(3)
	width, _ := pdf.GetPageSize()
	usable := width - 2*margin
	for _, t := range d.tables {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, tr(t.name), "", 1, "L", false, 0, "")
		first := usable * 0.3
		if len(t.header) == 3 {
			first = usable * 0.4
		}
		rest := (usable - first) / float64(len(t.header)-1)
		cell := func(i int, s string, bold bool) {
			style := ""
			if bold {
				style = "B"
			}
			pdf.SetFont("Helvetica", style, 7.5)
			wd, align := rest, "R"
			if i == 0 {
				wd, align = first, "L"
			}
			pdf.CellFormat(wd, 5, tr(s), "1", 0, align, false, 0, "")
		}
		for i, h := range t.header {
			cell(i, h, true)
		}
		pdf.Ln(-1)
		for _, r := range t.rows {
			for i, c := range r {
				cell(i, c.text, false)
			}
			pdf.Ln(-1)
		}
		pdf.Ln(4)
	}
	d.chart.draw(pdf, tr, margin, usable)
	var buf strings.Builder
	if err := pdf.Output(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(w, buf.String())
	return err
}

// draw draws the chart as horizontal bars, each labelled and showing its
// figure as released ("*" beside an empty bar).
func (c docChart) draw(pdf *fpdf.Fpdf, tr func(string) string, left, width float64) {
	if len(c.values) == 0 {
		return
	}
	most := 0.0
	for _, v := range c.values {
		most = max(most, v)
	}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(0, 6, tr(c.title), "", 1, "L", false, 0, "")
	const bar, gap = 5.0, 1.5
	labelW := width * 0.3
	barW := width - labelW - 20
	for i, v := range c.values {
		if pdf.GetY()+bar+gap > 297-45 {
			pdf.AddPage()
		}
		y := pdf.GetY()
		pdf.SetFont("Helvetica", "", 7.5)
		pdf.SetXY(left, y)
		pdf.CellFormat(labelW, bar, tr(c.labels[i]), "", 0, "L", false, 0, "")
		length := 0.0
		if most > 0 {
			length = barW * v / most
		}
		pdf.SetFillColor(0, 94, 184) // NHS blue
		if length > 0 {
			pdf.Rect(left+labelW, y+0.5, length, bar-1, "F")
		}
		pdf.SetXY(left+labelW+length+1, y)
		pdf.CellFormat(18, bar, tr(c.shown[i]), "", 0, "L", false, 0, "")
		pdf.SetY(y + bar + gap)
	}
}
