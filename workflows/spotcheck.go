package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/sim"
)

// SpotCheckNoticeInput starts a SpotCheckNotice: the check's ID.
type SpotCheckNoticeInput = sim.SpotCheckNoticeArgs

// SpotCheckNotice tells a candidate that a spot check rejected their
// registration, once, retrying for up to a week as the other notices do.
// It reports whether the email went.
func SpotCheckNotice(ctx workflow.Context, in SpotCheckNoticeInput) (bool, error) {
	var sent bool
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, interestNotifyRetry), activityRef.NotifySpotCheck, in).Get(ctx, &sent)
	return sent, err
}
