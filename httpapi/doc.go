// Package httpapi is Muster's thin HTTP API: a chi router generated from
// openapi.yaml (oapi-codegen strict server, in internal/api), request gates
// (size; UTF-8, NUL, duplicate keys and trailing data; the OpenAPI
// document), bearer-token authentication, and handlers that decode, call
// the data layer in one transaction as the request's actor, and encode.
// No handler calls Temporal: the workflows a change causes go through the
// outbox. One table (errors.go) maps sim error codes to HTTP statuses;
// anything else is a 500 whose details are logged, never sent.
//
// An embedder sees NewHandler and Config (most use muster.New instead).
// Regenerate internal/api with `make generate`; never edit it by hand.
//
// httpapi may import sim, db and render: render turns a subject-access
// export into the file a person downloads (privacy.go), which DESIGN.md's
// layout table does not list yet.
package httpapi
