package render_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

type readRow struct {
	row      sim.RosterRow
	problems []sim.RosterProblem
}

func readCSV(t testing.TB, data []byte, charset string) ([]readRow, error) {
	t.Helper()
	var rows []readRow
	err := render.ReadRosterCSV(bytes.NewReader(data), charset, render.DefaultRosterLimits, func(r sim.RosterRow, p []sim.RosterProblem) error {
		rows = append(rows, readRow{r, p})
		return nil
	})
	return rows, err
}

const rosterCSV = "Name,Email,Phone,Connection,Region,Consent\r\n" +
	"Jo Reid,jo@example.org,+44 7700 900123,veteran,north_west,in writing\r\n" +
	"\r\n" +
	"\"Sam O'Neil, MBE\",sam@example.org,,Reservist,,by email\r\n"

func TestReadRosterCSVInEveryEncodingAndSeparator(t *testing.T) {
	semicolons := strings.ReplaceAll(strings.ReplaceAll(rosterCSV, ",", ";"), "O'Neil; MBE", "O'Neil, MBE")
	accented := strings.Replace(rosterCSV, "Jo Reid", "Zoë Brontë", 1)
	cp1252, err := charmap.Windows1252.NewEncoder().String(accented)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		data    string
		charset string
		first   string
	}{
		"UTF-8":                        {rosterCSV, "", "Jo Reid"},
		"UTF-8 with a byte order mark": {"\xef\xbb\xbf" + accented, "", "Zoë Brontë"},
		"semicolons":                   {semicolons, "", "Jo Reid"},
		"Windows-1252, found":          {cp1252, "", "Zoë Brontë"},
		"Windows-1252, declared":       {cp1252, "windows-1252", "Zoë Brontë"},
		"LF line ends":                 {strings.ReplaceAll(accented, "\r\n", "\n"), "utf-8", "Zoë Brontë"},
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := readCSV(t, []byte(c.data), c.charset)
			require.NoError(t, err)
			require.Len(t, rows, 2, "the blank line is nobody")
			require.Equal(t, sim.RosterRow{Row: 2, Name: c.first, Email: "jo@example.org", Phone: "+44 7700 900123",
				Connection: sim.ConnVeteran, Region: "north_west", Consent: "in_writing"}, rows[0].row)
			require.Empty(t, rows[0].problems)
			require.Equal(t, "Sam O'Neil, MBE", rows[1].row.Name)
			require.Equal(t, 4, rows[1].row.Row, "rows are numbered as the file's lines")
			require.Empty(t, rows[1].problems)
		})
	}
}

// A small Windows-1252 file whose only accented letter is in its last
// bytes is still found to be Windows-1252.
func TestReadRosterCSVFindsWindows1252AtTheEnd(t *testing.T) {
	for _, end := range []string{"Zo\xeb\n", "Ren\xe9e\r\n", "Zo\xeb"} {
		rows, err := readCSV(t, []byte("email,connection,consent,name\njo@example.org,veteran,by email,"+end), "")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Empty(t, rows[0].problems, "%q", end)
		require.Contains(t, []string{"Zoë", "Renée"}, rows[0].row.Name)
	}
	// And a separator found past a blank first line.
	rows, err := readCSV(t, []byte("\nname;email;connection;consent\nJo;jo@example.org;veteran;by email\n"), "")
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Empty(t, rows[0].problems)
}

func TestReadRosterCSVRefusesABadFileSayingWhy(t *testing.T) {
	for name, c := range map[string]struct {
		data    string
		charset string
		says    string
	}{
		"empty":                 {"", "", "the file is empty"},
		"only space":            {"\xef\xbb\xbf \r\n\r\n", "", "the file is empty"},
		"header only":           {"name,email,connection,consent\r\n", "", "a header row and no one in it"},
		"header and blank rows": {"name,email,connection,consent\r\n,,,\r\n\r\n", "", "a header row and no one in it"},
		"not a roster":          {"a,b,c\n1,2,3\n", "", "is not a roster column"},
		"unbalanced quotes":     {"name,email,connection,consent\n\"Jo,jo@example.org,veteran,by email\n", "", "a quote is not closed"},
		"a bare quote":          {"name,email,connection,consent\nJo \"JR\" Reid,jo@example.org,veteran,by email\n", "", "quote the cell"},
		"binary":                {"PK\x03\x04\x00\x00binary", "", "not a CSV file"},
		"unknown charset":       {rosterCSV, "ebcdic", "character set"},
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := readCSV(t, []byte(c.data), c.charset)
			require.Error(t, err)
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err), err)
			require.Contains(t, sim.ErrorMessage(err), c.says)
			require.Empty(t, rows)
		})
	}
}

func TestReadRosterCSVReportsEachBadRow(t *testing.T) {
	data := "name,email,connection,consent\n" +
		"Jo Reid,jo@example.org,veteran,by email\n" +
		"\"=HYPERLINK(\"\"http://evil\"\")\",sam@example.org,veteran,by email\n" +
		"Al,not-an-email,veteran\n"
	rows, err := readCSV(t, []byte(data), "")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Empty(t, rows[0].problems)
	require.Equal(t, []sim.RosterProblem{{Row: 3, Column: sim.RosterName, Problem: "starts like a spreadsheet formula (=, +, -, @): remove it, or the leading character"}}, rows[1].problems)
	require.Len(t, rows[2].problems, 2, "a short row: a bad email and no consent (its missing cells are empty): %v", rows[2].problems)
	// A UTF-8 file with a byte that is not, after the part that decided
	// the encoding: the row says so.
	rows, err = readCSV(t, []byte(data+strings.Repeat("Pat Lee,pat@example.org,veteran,by email\n", 2000)+"Zo\xeb,zo@example.org,veteran,by email\n"), "")
	require.NoError(t, err)
	last := rows[len(rows)-1]
	require.Equal(t, []sim.RosterProblem{{Row: 2005, Column: sim.RosterName, Problem: "is not text in the file's encoding (save the file as UTF-8)"}}, last.problems)
}

// A 50 MB roster is read a row at a time: the heap stays small however
// long the file; a quote never closed does not make one 50 MB cell.
func TestReadRosterCSVKeepsMemoryBounded(t *testing.T) {
	row := "Pat Lee,pat@example.org,+44 7700 900123,veteran,north_west,by email\n"
	n := 50 << 20 / len(row)
	big := io.MultiReader(strings.NewReader("name,email,phone,connection,region,consent\n"), &repeat{s: row, n: n})
	limits := render.DefaultRosterLimits
	limits.MaxRows = n
	var ms runtime.MemStats
	var peak uint64
	seen := 0
	require.NoError(t, render.ReadRosterCSV(big, "", limits, func(r sim.RosterRow, p []sim.RosterProblem) error {
		if seen++; seen%50_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	}))
	require.Equal(t, n, seen)
	require.Less(t, peak, uint64(32<<20), "the heap while reading 50 MB")

	unclosed := io.MultiReader(strings.NewReader("name,email,connection,consent\n\"Jo"), &repeat{s: strings.Repeat("x", 1023) + "\n", n: 50 << 10})
	err := render.ReadRosterCSV(unclosed, "", render.DefaultRosterLimits, func(sim.RosterRow, []sim.RosterProblem) error { return nil })
	require.Equal(t, sim.EINVALID, sim.ErrorCode(err), err)
	require.Contains(t, sim.ErrorMessage(err), "longer than 64 KiB")

	limits.MaxRows = 10
	err = render.ReadRosterCSV(io.MultiReader(strings.NewReader("name,email,connection,consent\n"), &repeat{s: "Jo,jo@example.org,veteran,by email\n", n: 11}), "", limits,
		func(sim.RosterRow, []sim.RosterProblem) error { return nil })
	require.ErrorContains(t, err, "more than 10 rows")
}

func TestReadRosterStopsWhenTheCallerDoes(t *testing.T) {
	stop := errors.New("stop")
	err := render.ReadRosterCSV(strings.NewReader(rosterCSV), "", render.DefaultRosterLimits, func(sim.RosterRow, []sim.RosterProblem) error { return stop })
	require.ErrorIs(t, err, stop)
}

func TestReadRosterXLSX(t *testing.T) {
	f := excelize.NewFile()
	for i, r := range [][]any{
		{"Name", "Email address", "Phone", "Armed Forces connection", "Region", "Consent to contact"},
		{"Jo Reid", "jo@example.org", "+44 7700 900123", "Veteran", "North West", "In writing"},
		{},
		{"Sam Lee", "sam@example.org", 7700900123, "reservist", nil, "by email"},
		{"=1+1", "bad", nil, "astronaut", nil, "by email"},
		{nil, "al@example.org", nil, "veteran", nil, "by email"},
	} {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, err)
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	require.NoError(t, f.SetCellFormula("Sheet1", "A6", "CONCAT(\"Al \", \"Jones\")"))
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))

	var rows []readRow
	require.NoError(t, render.ReadRosterXLSX(path, render.DefaultRosterLimits, func(r sim.RosterRow, p []sim.RosterProblem) error {
		rows = append(rows, readRow{r, p})
		return nil
	}))
	require.Len(t, rows, 4)
	require.Equal(t, sim.RosterRow{Row: 2, Name: "Jo Reid", Email: "jo@example.org", Phone: "+44 7700 900123",
		Connection: sim.ConnVeteran, Region: "north_west", Consent: "in_writing"}, rows[0].row)
	require.Empty(t, rows[0].problems)
	require.Equal(t, "7700900123", rows[1].row.Phone, "a number is read as it is shown")
	require.Equal(t, 4, rows[1].row.Row)
	require.Empty(t, rows[1].problems)
	cols := func(problems []sim.RosterProblem) (out []sim.RosterColumn) {
		for _, p := range problems {
			out = append(out, p.Column)
		}
		return out
	}
	require.Equal(t, []sim.RosterColumn{sim.RosterName, sim.RosterEmail, sim.RosterConnection}, cols(rows[2].problems), "%v", rows[2].problems)
	require.Contains(t, rows[2].problems[0].Problem, "spreadsheet formula", "text typed as a formula")
	require.Equal(t, []sim.RosterProblem{{Row: 6, Column: sim.RosterName, Problem: "is required"}}, rows[3].problems,
		"a formula is never evaluated: its cell is read as its cached value, here none")
}

// A sheet leaves out a row's empty last cells: a person without the
// optional last column is as valid as in CSV.
func TestReadRosterXLSXRowsWithEmptyLastCells(t *testing.T) {
	f := excelize.NewFile()
	for i, r := range [][]any{
		{"name", "email", "connection", "consent", "phone", "region"},
		{"Jo Reid", "jo@example.org", "veteran", "by email"},
		{"Sam Lee", "sam@example.org", "reservist", "in writing", "01632 960000"},
	} {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, err)
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))
	n := 0
	require.NoError(t, render.ReadRosterXLSX(path, render.DefaultRosterLimits, func(r sim.RosterRow, p []sim.RosterProblem) error {
		n++
		require.Empty(t, p, "row %d", r.Row)
		return nil
	}))
	require.Equal(t, 2, n)
}

// The limits the fuzz target reads with read a real workbook: the target
// would otherwise test only the refusal.
func TestFuzzLimitsReadAWorkbook(t *testing.T) {
	f := excelize.NewFile()
	r := []any{"name", "email", "connection", "consent"}
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &r))
	r = []any{"Jo", "jo@example.org", "veteran", "by email"}
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &r))
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))
	n := 0
	require.NoError(t, render.ReadRosterXLSX(path, fuzzLimits, func(sim.RosterRow, []sim.RosterProblem) error { n++; return nil }))
	require.Equal(t, 1, n)
}

func TestReadRosterXLSXRefusesWhatIsNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	zipped := func(files map[string][]byte) []byte {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for name, data := range files {
			w, err := z.Create(name)
			require.NoError(t, err)
			_, err = w.Write(data)
			require.NoError(t, err)
		}
		require.NoError(t, z.Close())
		return b.Bytes()
	}
	// A zip bomb: a "sheet" of 64 MiB of zeros, a few hundred KiB zipped.
	bomb := zipped(map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "xl/worksheets/sheet1.xml": make([]byte, 64<<20)})
	require.Less(t, len(bomb), 1<<20)
	limits := render.DefaultRosterLimits
	limits.MaxUnzipped = 16 << 20
	var small bytes.Buffer
	{
		f := excelize.NewFile()
		require.NoError(t, f.Write(&small))
	}
	// A real workbook with one more part of 12 MiB of zeros: excelize would
	// read it into memory whole.
	junk := func() []byte {
		zr, err := zip.NewReader(bytes.NewReader(small.Bytes()), int64(small.Len()))
		require.NoError(t, err)
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for _, f := range zr.File {
			require.NoError(t, z.Copy(f))
		}
		w, err := z.Create("xl/junk.bin")
		require.NoError(t, err)
		_, err = w.Write(make([]byte, 12<<20))
		require.NoError(t, err)
		require.NoError(t, z.Close())
		return b.Bytes()
	}()
	for name, c := range map[string]struct {
		data []byte
		says string
	}{
		"a part too large":        {junk, "a part too large"},
		"a zip bomb":              {bomb, "unzips to more than 16 MiB"},
		"CSV renamed":             {[]byte(rosterCSV), "not an XLSX workbook"},
		"an empty file":           {nil, "not an XLSX workbook"},
		"a zip of something else": {zipped(map[string][]byte{"hello.txt": []byte("hello")}), "workbook"},
	} {
		t.Run(name, func(t *testing.T) {
			err := render.ReadRosterXLSX(write(strings.ReplaceAll(name, " ", "-")+".xlsx", c.data), limits, func(sim.RosterRow, []sim.RosterProblem) error {
				t.Fatal("no row of a file that is not a workbook")
				return nil
			})
			require.Equal(t, sim.EINVALID, sim.ErrorCode(err), err)
			require.Contains(t, sim.ErrorMessage(err), c.says)
		})
	}
}

// repeat is a reader of s, n times, made as it is read.
type repeat struct {
	s    string
	n    int
	rest string
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.rest == "" {
		if r.n == 0 {
			return 0, io.EOF
		}
		r.n--
		r.rest = r.s
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}
