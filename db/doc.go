// Package db is Muster's only door to Postgres: embedded goose migrations,
// the connection pool, and Store, whose one InTx opens every transaction
// for a real actor. The sqlc output lives in db/internal/dbgen so that no
// other package can see a row type.
//
// Every transaction first sets its row-level security context (app.role,
// app.user_id, app.credential) with set_config(..., true): a query that
// forgets its WHERE clause still sees only what that actor may, and one
// run with no context sees nothing. sim.System, which sees everything, is
// used only for the engine's own work (workflow activities, the outbox
// relay, the sign-in check), each use saying why.
//
// The data layer is split by aggregate, one file each: accounts.go
// (sign-in, sessions), invitations.go (invitations, registration requests,
// links, expiry), registration.go, candidates.go, statistics.go and
// outbox.go. An aggregate adds methods to Tx: each asks sim.Authorize
// before acting, maps rows to sim types with a converter named
// xFromInternal, passes every driver error through interpretError, and
// writes the workflow intents its change causes with Tx.enqueue, in the
// same transaction. A new aggregate is a queries file, a migration and a
// file here, copied from the nearest neighbour.
//
// db may import sim (and sim/simulate, for LoadCohort: see docs/decisions.md)
// and nothing else of Muster's.
package db
