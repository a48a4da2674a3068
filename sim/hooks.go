package sim

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// Journey hooks: the engine's second plugin point. An embedder's hook
// receives every journey event (registered, interest chosen or taken
// back, each intervention, placed, withdrawn, a follow-up answered, ...)
// durably: each delivery is a Temporal activity, retried until the hook
// accepts it, with an idempotency key the hook can use to drop a repeat.
// A hook sees IDs and enumerations only; it reads anything else through
// Muster's API, as whoever it acts for.

// HookEvent is a journey event as a hook receives it.
type HookEvent struct {
	// Key is the delivery's idempotency key: the same Key is the same
	// event for the same hook, however often it is delivered.
	Key         string
	EventID     string
	Type        EventType
	CandidateID string
	OrgID       string // for an organisation's part of the journey
	InterestID  string // likewise
	From        string // the state before, where there is one
	To          string // the state after
	At          time.Time
}

// JourneyHook receives journey events. Name identifies the hook in
// workflow histories and idempotency keys: keep it stable. Handle returns
// an error when the event was not accepted; it is delivered again, with
// back-off, until it is (for up to 30 days).
type JourneyHook interface {
	Name() string
	HandleJourneyEvent(ctx context.Context, e HookEvent) error
}

var hookName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// CheckHooks refuses a hook without a usable name (lower-case letters,
// digits and hyphens, at most 40) and two hooks with one name.
func CheckHooks(hooks []JourneyHook) error {
	seen := map[string]bool{}
	for _, h := range hooks {
		if h == nil {
			return fmt.Errorf("journey hook is nil")
		}
		n := h.Name()
		if !hookName.MatchString(n) {
			return fmt.Errorf("journey hook name %q: use lower-case letters, digits and hyphens, at most 40", n)
		}
		if seen[n] {
			return fmt.Errorf("two journey hooks are named %q", n)
		}
		seen[n] = true
	}
	return nil
}

// HookKey is the idempotency key of one event's delivery to one hook.
func HookKey(eventID, hook string) string { return "journey/" + eventID + "/" + hook }

// WorkflowJourneyHooks delivers one journey event to every hook.
const WorkflowJourneyHooks = "JourneyHooks"

// JourneyHooksWorkflowID is the workflow ID that delivers one journey event.
func JourneyHooksWorkflowID(eventID string) string { return "journey-hooks/" + eventID }

// JourneyHooksArgs starts a JourneyHooks workflow: the event, and the
// hooks configured when it happened.
type JourneyHooksArgs struct {
	EventID string
	OrgID   string // the search attribute, when the event is an organisation's
	Hooks   []string
}

// StartJourneyHooks is the intent to deliver a journey event to hooks.
func StartJourneyHooks(eventID, orgID string, hooks []string) Intent {
	return Intent{WorkflowID: JourneyHooksWorkflowID(eventID), Workflow: WorkflowJourneyHooks,
		Args: JourneyHooksArgs{EventID: eventID, OrgID: orgID, Hooks: hooks}}
}
