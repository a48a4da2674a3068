package render

import "strings"

// Cell neutralises a value against spreadsheet formula injection: a cell
// a spreadsheet would read as a formula (starting with =, +, -, @, a tab
// or a carriage return) is written with a leading apostrophe, which shows
// the text as it is typed, as OWASP recommends.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	if strings.HasPrefix(s, "\uff1d") || strings.HasPrefix(s, "\uff0b") || strings.HasPrefix(s, "\uff0d") || strings.HasPrefix(s, "\uff20") {
		return "'" + s // fullwidth = + - @, which some spreadsheets also read as operators
	}
	return s
}
