// Package internal holds Muster's test helpers: a fresh database per test
// (testdb), a real Temporal dev server (testtemporal), an in-process SMTP
// server (testsmtp). Nothing here is public API.
package internal
