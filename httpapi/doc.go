// Package httpapi is Muster's thin HTTP API: a chi router generated from
// openapi.yaml (oapi-codegen strict server), request validation against
// that document, bearer-token authentication, and handlers that decode,
// call db.Store or the workflow Engine, and encode. One table (errors.go)
// maps sim error codes to HTTP statuses; anything else is a 500 whose
// details are logged, never sent.
//
// Regenerate openapi.gen.go with `make generate`; never edit it by hand.
//
// httpapi may import sim, db and workflows (client side only).
package httpapi
