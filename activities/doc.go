// Package activities holds Muster's Temporal activities: methods on
// Activities, which holds the Store and the plugins (such as the Notifier).
// Activities take and return IDs only, load personal data from Postgres
// when they need it, and are idempotent so that a retry never duplicates a
// notification and never loses one.
//
// activities may import sim and db; never workflows or httpapi.
package activities
