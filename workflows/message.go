package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/sim"
)

// MessageNotificationInput starts a MessageNotification workflow: IDs
// and which side wrote.
type MessageNotificationInput = sim.MessageNotificationArgs

// MessageNotificationResult says how many recipients were told now.
type MessageNotificationResult = InterestNotificationResult

// MessageNotification tells the other side of a thread that a message
// arrived, without its text: the candidate, or the organisation's active
// users and verified group mailbox; each exactly once, with the same
// retries as InterestNotification. The organisation is a search
// attribute.
func MessageNotification(ctx workflow.Context, in MessageNotificationInput) (MessageNotificationResult, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, OrgID.ValueSet(in.OrgID)); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "message_id", in.MessageID, "error", err)
	}
	actx := workflow.WithActivityOptions(ctx, interestNotifyRetry)
	var recipients []string
	if err := workflow.ExecuteActivity(actx, activityRef.MessageRecipients, in).Get(ctx, &recipients); err != nil {
		return MessageNotificationResult{}, err
	}
	sent, err := fanOut(actx, recipients, func(r string) workflow.Future {
		return workflow.ExecuteActivity(actx, activityRef.NotifyMessage, activities.MessageRecipientRef{MessageNotificationArgs: in, Recipient: r})
	})
	return MessageNotificationResult{Recipients: len(recipients), Sent: sent}, err
}
