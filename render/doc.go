// Package render turns what sim describes (the data inventory, a
// candidate's subject-access export, reports) into files people read:
// Markdown, CSV, zipped CSV, XLSX and PDF; and reads the files people
// bring (an organisation's roster for quick registration: CSV in UTF-8
// or Windows-1252, or an XLSX workbook), a row at a time, into sim's
// types. Its functions do no I/O beyond the reader, writer or file they
// are given. No cell it writes is ever a formula: a CSV cell that a
// spreadsheet would read as one is neutralised (see Cell); an XLSX cell
// is typed text, which shows the value as typed. No formula it reads is
// ever evaluated: a workbook's cell is read as its cached value, and a
// roster's cell that looks like a formula is a problem of its row.
//
// It imports sim and the standard library, excelize for XLSX, fpdf for
// PDF and golang.org/x/text for Windows-1252; never db, workflows or
// httpapi.
package render
