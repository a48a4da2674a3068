package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// NotifySpotCheck tells the candidate whose registration a spot check
// rejected, exactly once however often it is retried; nothing when the
// rejection no longer stands or the account is gone. The email does not
// carry the operator's reason. It reports whether an email went now.
func (a *Activities) NotifySpotCheck(ctx context.Context, in sim.SpotCheckNoticeArgs) (bool, error) {
	key := "spot-check/" + in.SpotCheckID
	var sent bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		user, err := tx.SpotCheckNotice(ctx, in.SpotCheckID)
		if err != nil || user == "" {
			return err
		}
		to, err := tx.CandidateAddress(ctx, user)
		if err != nil || to == "" {
			return err
		}
		sent, err = a.sendOnce(ctx, tx, emailSpotCheckRejected, key, to, EmailData{})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("notify spot check: %w", err)
	}
	activity.GetLogger(ctx).Info("spot check notice", "spot_check_id", in.SpotCheckID, "sent", sent)
	return sent, nil
}
