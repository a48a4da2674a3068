package render

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/muster-cms/muster/sim"
)

// Reading rosters (sim.RosterHeader): the files organisations keep their
// lists in, CSV and XLSX, read a row at a time so that memory stays
// bounded however long the file. Whatever is wrong with the file as a
// whole (not a CSV, not a workbook, a quote never closed, no header) is
// an EINVALID *sim.Error saying so; whatever is wrong with a row is a
// sim.RosterProblem handed on with it.

// RosterLimits bound what reading a roster may cost.
type RosterLimits struct {
	MaxRowBytes int   // the longest row, in bytes (CSV); a row longer is refused
	MaxRows     int   // the most rows after the header
	MaxUnzipped int64 // XLSX: the most a workbook may hold unzipped
}

// DefaultRosterLimits: rows of at most 64 KiB, 200,000 rows, a workbook of
// at most 128 MiB unzipped.
var DefaultRosterLimits = RosterLimits{MaxRowBytes: 64 << 10, MaxRows: 200_000, MaxUnzipped: 128 << 20}

// RosterRowFunc receives each non-blank row of a roster, with its
// problems (none when it is valid). An error it returns stops the reading
// and is returned as it is.
type RosterRowFunc func(row sim.RosterRow, problems []sim.RosterProblem) error

// ReadRosterCSV reads a roster from CSV: UTF-8 with or without a byte
// order mark, or Windows-1252 (charset names it; when it is empty, a file
// whose first 64 KiB are not UTF-8 is read as Windows-1252), cells
// separated by commas or semicolons (whichever the header row has more
// of, outside quotes).
func ReadRosterCSV(r io.Reader, charset string, limits RosterLimits, each RosterRowFunc) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("read the roster: %w", err)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0 {
		return sim.Errorf(sim.EINVALID, "the file is empty: a roster is a header row naming the columns, then a row per person")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return sim.Errorf(sim.EINVALID, "the file is not a CSV file (it holds binary data): upload CSV text or an XLSX workbook")
	}
	var text io.Reader = br
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8":
		if bytes.HasPrefix(head, utf8BOM) {
			_, _ = br.Discard(len(utf8BOM))
			head = head[len(utf8BOM):]
		} else if charset == "" && !validPrefix(head, len(head) == 64<<10) {
			text = charmap.Windows1252.NewDecoder().Reader(br)
			head, _ = charmap.Windows1252.NewDecoder().Bytes(head)
		}
	case "windows-1252", "cp1252", "iso-8859-1", "latin1":
		text = charmap.Windows1252.NewDecoder().Reader(br)
		head, _ = charmap.Windows1252.NewDecoder().Bytes(head)
	default:
		return sim.Errorf(sim.EINVALID, "the file's character set %q is not one Muster reads: save it as UTF-8 (or Windows-1252)", clipped(charset))
	}
	bounded := &rowBound{r: text, max: int64(limits.MaxRowBytes) + 64<<10}
	cr := csv.NewReader(bounded)
	cr.Comma = delimiter(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	next := func() ([]string, int, error) {
		bounded.mark()
		start := cr.InputOffset()
		rec, err := cr.Read()
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
		}
		if errors.Is(err, errRowTooLong) {
			return nil, line, sim.Errorf(sim.EINVALID, "a row is longer than %d KiB (is a quote never closed?)", limits.MaxRowBytes>>10)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.StartLine, sim.Errorf(sim.EINVALID, "the file is not well-formed CSV at line %d: %s", pe.Line, csvProblem(pe.Err))
		}
		if err == nil && cr.InputOffset()-start > int64(limits.MaxRowBytes) {
			return nil, line, sim.Errorf(sim.EINVALID, "the row at line %d is longer than %d KiB", line, limits.MaxRowBytes>>10)
		}
		return rec, line, err
	}
	return readRoster(next, false, limits, each)
}

// ReadRosterXLSX reads a roster from the first sheet of the XLSX workbook
// at path (a file: a workbook is a zip, read from its end). A file that
// is not a workbook, or that unzips to more than the limit (a zip bomb),
// is refused; the sheet is read a row at a time.
func ReadRosterXLSX(path string, limits RosterLimits, each RosterRowFunc) (err error) {
	if err := checkWorkbookZip(path, limits.MaxUnzipped); err != nil {
		return err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: limits.MaxUnzipped, UnzipXMLSizeLimit: min(16<<20, limits.MaxUnzipped)})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return sim.Errorf(sim.EINVALID, "the workbook unzips to more than %d MiB: split it, or save it as CSV", limits.MaxUnzipped>>20)
		}
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, zip.ErrFormat) || strings.Contains(err.Error(), "zip") {
			return sim.Errorf(sim.EINVALID, "the file is not an XLSX workbook: save it as .xlsx (Excel Workbook) or as CSV")
		}
		return sim.Errorf(sim.EINVALID, "the workbook cannot be read: save it again as .xlsx or as CSV")
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close the workbook: %w", cerr)
		}
	}()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return sim.Errorf(sim.EINVALID, "the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return sim.Errorf(sim.EINVALID, "the workbook's first sheet cannot be read: save it again as .xlsx or as CSV")
	}
	defer rows.Close()
	n := 0
	next := func() ([]string, int, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, n, sim.Errorf(sim.EINVALID, "the workbook's first sheet cannot be read after row %d", n)
			}
			return nil, n, io.EOF
		}
		n++
		cols, err := rows.Columns()
		if err != nil {
			return nil, n, sim.Errorf(sim.EINVALID, "row %d of the workbook's first sheet cannot be read", n)
		}
		return cols, n, nil
	}
	return readRoster(next, true, limits, each)
}

// maxWorkbookPart is the most a part of a workbook other than a sheet or
// its shared strings may hold unzipped: excelize reads those parts into
// memory whole (a sheet and the shared strings it streams from disk).
const maxWorkbookPart = 8 << 20

// checkWorkbookZip refuses, from the zip's directory alone, a file that is
// not a zip, that unzips to more than max in all, or that has a part
// other than a sheet or the shared strings larger than maxWorkbookPart.
// archive/zip refuses an entry that unzips to more than its directory
// says, so the sizes cannot lie.
func checkWorkbookZip(path string, max int64) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return sim.Errorf(sim.EINVALID, "the file is not an XLSX workbook: save it as .xlsx (Excel Workbook) or as CSV")
	}
	defer z.Close()
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		streamed := f.Name == "xl/sharedStrings.xml" || (strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml"))
		if total > uint64(max) || (!streamed && f.UncompressedSize64 > maxWorkbookPart) {
			return sim.Errorf(sim.EINVALID, "the workbook unzips to more than %d MiB, or has a part too large for a workbook: split it, or save it as CSV", max>>20)
		}
	}
	return nil
}

// readRoster reads the header, then hands each row on, numbered as the
// file numbers it (a CSV line, a sheet's row). pad is for a sheet, whose
// rows leave out their empty last cells: they are put back.
func readRoster(next func() ([]string, int, error), pad bool, limits RosterLimits, each RosterRowFunc) error {
	var header sim.RosterHeader
	for {
		cells, _, err := next()
		if errors.Is(err, io.EOF) {
			return sim.Errorf(sim.EINVALID, "the file is empty: a roster is a header row naming the columns, then a row per person")
		} else if err != nil {
			return err
		}
		if !sim.BlankCells(cells) {
			if header, err = sim.ParseRosterHeader(cells); err != nil {
				return err
			}
			break
		}
	}
	rows := 0
	for {
		cells, line, err := next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		for pad && len(cells) < header.Cells() {
			cells = append(cells, "")
		}
		row, problems, ok := header.Row(line, cells)
		if !ok {
			continue
		}
		if rows++; rows > limits.MaxRows {
			return sim.Errorf(sim.EINVALID, "the file has more than %d rows: split it", limits.MaxRows)
		}
		if err := each(row, problems); err != nil {
			return err
		}
	}
	if rows == 0 {
		return sim.Errorf(sim.EINVALID, "the file has a header row and no one in it")
	}
	return nil
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// validPrefix says whether b is UTF-8; when b is the first part of a
// longer file (cut), a character cut off at its end is allowed.
func validPrefix(b []byte, cut bool) bool {
	if cut {
		// Drop an incomplete last character: from the last byte that can
		// start one, if the bytes from there are not yet a whole one.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// delimiter is the separator of the first line of head: a semicolon if it
// has more semicolons than commas outside quotes, a comma otherwise.
func delimiter(head []byte) rune {
	commas, semicolons, quoted := 0, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semicolons+commas == 0 {
				continue // a blank line before the header
			}
			if semicolons > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

func csvProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return "a quote is not closed, or a quoted cell has text after its closing quote"
	case errors.Is(err, csv.ErrBareQuote):
		return `a quote (") inside a cell that is not quoted: quote the cell and double the quote`
	}
	return "it cannot be read as CSV"
}

func clipped(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToValidUTF8(s, "?")
}

var errRowTooLong = errors.New("row too long")

// rowBound refuses to read more than max bytes past the start of a row,
// so that a quote never closed cannot make the CSV reader hold the rest
// of a large file as one cell.
type rowBound struct {
	r          io.Reader
	read       int64
	start, max int64
}

func (b *rowBound) mark() { b.start = b.read }

func (b *rowBound) Read(p []byte) (int, error) {
	if b.read-b.start > b.max {
		return 0, errRowTooLong
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// RosterProblemsCSV writes a roster's problems as CSV: row, column,
// problem, warning ("yes" for one that leaves the row valid), a line each, in the order given; every cell neutralised (see
// Cell), though a problem never quotes the file.
func RosterProblemsCSV(w io.Writer, problems []sim.RosterProblem) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write([]string{"row", "column", "problem", "warning"}); err != nil {
		return err
	}
	for _, p := range problems {
		warning := ""
		if p.Warning {
			warning = "yes"
		}
		if err := cw.Write([]string{fmt.Sprint(p.Row), Cell(string(p.Column)), Cell(p.Problem), warning}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
