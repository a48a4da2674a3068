// Package simulate generates deterministic synthetic cohorts — pledged
// organisations with their users, and candidates with their profiles,
// interests, interventions and messages — for demos, load tests and scale
// tests.
//
// Everything is made up: names come from short lists of common UK names,
// addresses end in example.test (a domain reserved so that nothing is ever
// delivered), phone numbers are in Ofcom's drama range (07700 900xxx), and
// organisations are named after places, so a name may happen to match a
// real NHS body. Nothing here describes a real person.
//
// The same Options give the same cohort on every machine and run: each
// organisation and each candidate draws from its own random stream, seeded
// from (Seed, its index), so candidate i is the same whether it comes from
// Generate or from Options.Each, and however many candidates are asked for.
// Every journey is built by applying commands to sim's state machines
// (sim.Transition, sim.ExpressInterest, sim.RecordIntervention,
// sim.RemoveInterest), so a generated state is always one the engine can
// reach.
//
// simulate does no I/O. It imports only the standard library and sim, and
// must never import another Muster package: loaders that write a cohort to
// a database live with the code that owns the database.
package simulate
