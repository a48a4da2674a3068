package render_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/render"
)

// A cell a spreadsheet would run as a formula is shown as the text typed.
func TestCellNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+44 7700 900123":          "'+44 7700 900123",
		"-1":                       "'-1",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tcmd":                    "'\tcmd",
		"\rcmd":                    "'\rcmd",
		"＝1+1":                     "'＝1+1",
		"Sam":                      "Sam",
		"":                         "",
		"a=b":                      "a=b",
	} {
		require.Equal(t, want, render.Cell(in), "%q", in)
	}
}
