// Package db is Muster's only door to Postgres: embedded goose migrations,
// the connection pool, the tenant-scoped transaction, and Store, whose
// methods speak in sim types. The sqlc output lives in db/internal/dbgen so
// that no other package can see a row type; Store is the one seam where rows
// become domain values and back.
//
// Every transaction first sets its row-level security context (app.role,
// app.user_id) with set_config(..., true): a query that forgets its WHERE
// clause still sees only what that context allows, and one run with no
// context sees nothing.
//
// db may import sim and nothing else of Muster's.
package db
