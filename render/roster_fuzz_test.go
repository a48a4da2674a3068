package render_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// checkRosterRead is what must hold whatever the file: reading it ends
// (no panic), with nothing or a clear refusal (EINVALID, a message), and
// the rows it handed on come in the file's order, each valid one complete.
func checkRosterRead(t *testing.T, read func(render.RosterRowFunc) error) {
	last := 0
	err := read(func(r sim.RosterRow, problems []sim.RosterProblem) error {
		if r.Row <= last {
			t.Fatalf("row %d after row %d", r.Row, last)
		}
		last = r.Row
		for _, p := range problems {
			if p.Row != r.Row || p.Problem == "" {
				t.Fatalf("problem %+v of row %d", p, r.Row)
			}
		}
		if len(problems) == 0 {
			if r.Name == "" || r.Email == "" || r.Connection == "" || r.Consent == "" {
				t.Fatalf("a valid row lacks a required value: %+v", r)
			}
			if _, err := sim.NormalizeEmail(r.Email); err != nil {
				t.Fatalf("a valid row's email is not one: %+v", r)
			}
		}
		return nil
	})
	if err != nil && (sim.ErrorCode(err) != sim.EINVALID || sim.ErrorMessage(err) == "") {
		t.Fatalf("not a clear refusal: %v", err)
	}
}

var fuzzLimits = render.RosterLimits{MaxRowBytes: 4 << 10, MaxRows: 1000, MaxUnzipped: 8 << 20}

func FuzzReadRosterCSV(f *testing.F) {
	for _, s := range []string{
		rosterCSV, "", "\xef\xbb\xbf", "name;email;connection;consent\nJo;jo@example.org;veteran;by email\n",
		"name,email,connection,consent\n\"Jo,jo@example.org\n", "name,email,connection,consent\n=1+1,@x,-1,+1\n",
		"Name,E-mail\r\n\xe9,\x80\n", "a\x00b",
	} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(rosterCSV), "windows-1252")
	f.Fuzz(func(t *testing.T, data []byte, charset string) {
		checkRosterRead(t, func(each render.RosterRowFunc) error {
			return render.ReadRosterCSV(bytes.NewReader(data), charset, fuzzLimits, each)
		})
	})
}

func FuzzReadRosterXLSX(f *testing.F) {
	x := excelize.NewFile()
	for i, r := range [][]any{{"name", "email", "connection", "consent"}, {"Jo", "jo@example.org", "veteran", "by email"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = x.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte(rosterCSV))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "roster.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		checkRosterRead(t, func(each render.RosterRowFunc) error {
			return render.ReadRosterXLSX(path, fuzzLimits, each)
		})
	})
}
