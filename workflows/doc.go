// Package workflows holds Muster's Temporal workflows and their one list
// (All), the Register an embedder calls on its worker, the outbox Relay
// that starts and signals them for committed changes, their search
// attributes, and the payload codec that encrypts every payload.
//
// Workflow inputs, results, IDs, memos and search attributes carry IDs and
// enumerations only, never a name, email or free text. Workflow code is
// deterministic: workflow.Now and timers, no time.Now, no goroutines, no
// map ranges, no I/O (checked by workflowcheck in make test); a change to
// what a workflow does goes behind workflow.GetVersion, and `make
// histories` records new histories for the replay test.
//
// workflows may import sim, db (for the relay) and activities (as
// references only).
package workflows
