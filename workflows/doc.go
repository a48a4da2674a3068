// Package workflows holds Muster's Temporal workflows, the one Register
// that an embedder calls on its worker, the client-side helpers that start
// and signal them, and the payload codec that encrypts every payload.
//
// Workflow inputs, results, IDs, memos and search attributes carry IDs only,
// never a name, email or free text. Workflow code is deterministic:
// workflow.Now and timers, no time.Now, no goroutines, no map ranges, no I/O
// (checked by workflowcheck in make test).
//
// workflows may import sim and activities (as references only).
package workflows
