package workflows

import "github.com/muster-cms/muster/db"

// SetAfterDeliver makes r call fn after an intent reached Temporal and
// before it is marked done: where a crash would hurt most.
func SetAfterDeliver(r *Relay, fn func(db.OutboxItem)) { r.afterDeliver = fn }
