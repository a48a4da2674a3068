package render

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/muster-cms/muster/sim"
)

// A candidate's subject-access export, as a person downloads it: JSON,
// CSV files in a zip, or an XLSX workbook. Each holds every table's rows
// about them, column by column, and who accessed their record; every
// spreadsheet cell is neutralised against formula injection.

// subjectJSON is the JSON form of an export.
type subjectJSON struct {
	CandidateID string                      `json:"candidate_id"`
	GeneratedAt time.Time                   `json:"generated_at"`
	Tables      map[string][]map[string]any `json:"tables"`
	About       map[string]string           `json:"about"`
	Access      []accessJSON                `json:"access"`
}

type accessJSON struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
}

// SubjectJSON writes the export as one JSON document: each table's rows
// under its name, what each table is for under about, and the access log.
func SubjectJSON(w io.Writer, d sim.SubjectAccess) error {
	out := subjectJSON{CandidateID: d.CandidateID, GeneratedAt: d.GeneratedAt, Tables: map[string][]map[string]any{}, About: map[string]string{}}
	for _, t := range d.Tables {
		rows := t.Rows
		if rows == nil {
			rows = []map[string]any{}
		}
		out.Tables[t.Name], out.About[t.Name] = rows, t.Purpose
	}
	out.Access = make([]accessJSON, len(d.Access))
	for i, a := range d.Access {
		out.Access[i] = accessJSON{At: a.At, By: a.By, Action: string(a.Action)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Value writes one exported value as text: a list's items joined by
// "; ", nothing for a missing value, JSON for anything else structured.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = Value(p)
		}
		return strings.Join(parts, "; ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// accessHeader and accessRow write the access log as a table.
var accessHeader = []string{"at", "by", "action"}

func accessRow(a sim.AccessRecord) []string {
	return []string{a.At.UTC().Format(time.RFC3339), a.By, string(a.Action)}
}

// rows feeds a table's rows, as text, one at a time to emit.
type rows func(emit func([]string) error) error

// tableRows is a table's rows, each value as text in its column's order.
func tableRows(t sim.SubjectTable) rows {
	return func(emit func([]string) error) error {
		for _, row := range t.Rows {
			r := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				r[i] = Value(row[c])
			}
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// accessRows is the access log's rows.
func accessRows(log []sim.AccessRecord) rows {
	return func(emit func([]string) error) error {
		for _, a := range log {
			if err := emit(accessRow(a)); err != nil {
				return err
			}
		}
		return nil
	}
}

// readme says what the files of an export are.
func readme(d sim.SubjectAccess) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Everything held about you, as of %s.\n\n", d.GeneratedAt.UTC().Format(time.RFC3339))
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "%s: %s (%d rows)\n", t.Name, t.Purpose, len(t.Rows))
	}
	b.WriteString("access: who looked at or acted on your record: an organisation, or the programme team.\n")
	return b.String()
}

// SubjectCSVZip writes the export as a zip of CSV files: one per table,
// one for the access log, and a README that says what each is.
func SubjectCSVZip(w io.Writer, d sim.SubjectAccess) error {
	z := zip.NewWriter(w)
	write := func(name string, header []string, rows rows) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := rows(func(r []string) error {
			for i := range r {
				r[i] = Cell(r[i])
			}
			return cw.Write(r)
		}); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	f, err := z.Create("README.txt")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, readme(d)); err != nil {
		return err
	}
	for _, t := range d.Tables {
		if err := write(t.Name+".csv", t.Columns, tableRows(t)); err != nil {
			return err
		}
	}
	if err := write("access.csv", accessHeader, accessRows(d.Access)); err != nil {
		return err
	}
	return z.Close()
}

// sheetName fits a table's name to a worksheet's 31 characters.
func sheetName(s string) string {
	if len(s) > 31 {
		return s[:31]
	}
	return s
}

// SubjectXLSX writes the export as an XLSX workbook, streamed: an About
// sheet, one sheet per table and one for the access log.
func SubjectXLSX(w io.Writer, d sim.SubjectAccess) error {
	f := excelize.NewFile()
	defer f.Close()
	stream := func(sheet string, header []string, rows rows) error {
		if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		n := 1
		put := func(r []string) error {
			// Every cell is written as text, never as a formula, so a value
			// that begins with = is shown as typed (the CSV, which has no
			// types, is neutralised with Cell instead).
			cells := make([]any, len(r))
			for i, v := range r {
				cells[i] = v
			}
			cell, err := excelize.CoordinatesToCellName(1, n)
			if err != nil {
				return err
			}
			n++
			return sw.SetRow(cell, cells)
		}
		if err := put(header); err != nil {
			return err
		}
		if err := rows(put); err != nil {
			return err
		}
		return sw.Flush()
	}
	if err := stream("About", []string{"table", "what it holds", "rows"}, func(emit func([]string) error) error {
		for _, t := range d.Tables {
			if err := emit([]string{t.Name, t.Purpose, strconv.Itoa(len(t.Rows))}); err != nil {
				return err
			}
		}
		return emit([]string{"access", "who looked at or acted on your record: an organisation, or the programme team", strconv.Itoa(len(d.Access))})
	}); err != nil {
		return err
	}
	for _, t := range d.Tables {
		if err := stream(sheetName(t.Name), t.Columns, tableRows(t)); err != nil {
			return err
		}
	}
	if err := stream("access", accessHeader, accessRows(d.Access)); err != nil {
		return err
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return err
	}
	return f.Write(w)
}
