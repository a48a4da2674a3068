// Package render turns what sim describes (the data inventory, a
// candidate's subject-access export) into files people read: Markdown,
// CSV, zipped CSV and XLSX. Its functions are pure: they write to the
// writer they are given and do no other I/O. No cell is ever a formula: a
// CSV cell that a spreadsheet would read as one is neutralised (see
// Cell); an XLSX cell is typed text, which shows the value as typed.
//
// It imports sim and the standard library, and excelize for XLSX; never
// db, workflows or httpapi.
package render
