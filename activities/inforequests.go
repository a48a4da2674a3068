package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// InfoRequestRef is one step of an information request's workflow: the
// request, the deadline the step is about (acknowledging or supplying, and
// when it falls), and whether it is the reminder before it or the
// deadline passing (the escalation).
type InfoRequestRef struct {
	RequestID string
	State     sim.InfoRequestState // the state the deadline is for: received (acknowledge) or acknowledged (supply)
	DueAt     time.Time
	Overdue   bool
}

// InfoRequestStatus is where a request stands, as its workflow needs it.
type InfoRequestStatus struct {
	State          sim.InfoRequestState
	AcknowledgedAt time.Time
}

// InfoRequestDeadline reminds the operators of a request nearing its
// next deadline, or, once it passed, escalates it to them: each operator
// once per (request, deadline, step), however often it is retried.
// Nothing when the request has moved on. It returns where it stands.
func (a *Activities) InfoRequestDeadline(ctx context.Context, ref InfoRequestRef) (InfoRequestStatus, error) {
	var st InfoRequestStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		r, err := tx.InfoRequestGet(ctx, ref.RequestID)
		if err != nil {
			return err
		}
		st = InfoRequestStatus{State: r.State, AcknowledgedAt: r.AcknowledgedAt}
		if r.State != ref.State || !r.NextDue().Equal(ref.DueAt) {
			return nil
		}
		name, step := emailInfoRequestReminder, "reminder"
		if ref.Overdue {
			name, step = emailInfoRequestOverdue, "overdue"
		}
		due := "acknowledged"
		if r.State == sim.InfoAcknowledged {
			due = "supplied"
		}
		return a.tellOperators(ctx, tx, name, []string{"info-request", r.ID, strconv.FormatInt(ref.DueAt.Unix(), 10), step}, EmailData{
			Date: expiresOn(ref.DueAt), Days: r.DaysLeft(a.now()), Step: due,
			Link: strings.TrimRight(a.PublicURL, "/") + "/information-requests",
		})
	})
	if err != nil {
		return InfoRequestStatus{}, fmt.Errorf("information request deadline: %w", err)
	}
	activity.GetLogger(ctx).Info("information request deadline", "request_id", ref.RequestID, "overdue", ref.Overdue, "state", string(st.State))
	return st, nil
}
