// Package render turns what sim describes (the data inventory, a
// candidate's subject-access export) into files people read: Markdown,
// CSV, zipped CSV and XLSX. Its functions are pure: they write to the
// writer they are given and do no other I/O. Every spreadsheet cell is
// neutralised against formula injection (see Cell).
//
// It imports sim and the standard library, and excelize for XLSX; never
// db, workflows or httpapi.
package render
