package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// JourneyHookRef names one journey event's delivery to one hook.
type JourneyHookRef struct {
	EventID string
	Hook    string
}

// RunJourneyHook delivers a journey event to the hook named in ref, with
// the delivery's idempotency key; an error from the hook is returned, and
// the activity retried. An event that is gone, or a hook no longer
// configured, is skipped (logged): there is nothing to deliver, or nobody
// to deliver it to. It reports whether the hook ran.
func (a *Activities) RunJourneyHook(ctx context.Context, ref JourneyHookRef) (bool, error) {
	var hook sim.JourneyHook
	for _, h := range a.Hooks {
		if h.Name() == ref.Hook {
			hook = h
		}
	}
	if hook == nil {
		activity.GetLogger(ctx).Warn("journey hook no longer configured: event not delivered", "event_id", ref.EventID, "hook", ref.Hook)
		return false, nil
	}
	var ev sim.HookEvent
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		ev, err = tx.JourneyEventForHook(ctx, ref.EventID, ref.Hook)
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("journey event gone: not delivered", "event_id", ref.EventID, "hook", ref.Hook)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("load journey event: %w", err)
	}
	if err := hook.HandleJourneyEvent(ctx, ev); err != nil {
		return false, fmt.Errorf("journey hook %s: %w", ref.Hook, err)
	}
	activity.GetLogger(ctx).Info("journey hook", "event_id", ref.EventID, "hook", ref.Hook, "type", string(ev.Type))
	return true, nil
}
