// Package sim is Muster's domain: the candidate journey as a pure state
// machine, profile validation, roles, the data inventory's vocabulary, coded
// errors and the plugin interfaces (such as Notifier) that the engine calls.
//
// sim does no I/O and imports only the standard library. It must never import
// another Muster package: everything else speaks to each other in its terms.
package sim
