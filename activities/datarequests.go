package activities

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// DataRequestRef is one step of a data request's workflow: the request,
// the deadline the step is about, and whether it is the reminder before
// it or the deadline passing.
type DataRequestRef struct {
	RequestID string
	DueAt     time.Time
	Overdue   bool
}

// DataRequestStatus is where a request stands, as its workflow needs it.
type DataRequestStatus struct {
	State sim.DataRequestState
	DueAt time.Time
}

// DataRequestDeadline reminds the operators of a request nearing its
// deadline, or, once it passed unanswered, records it as overdue and
// tells them so: each operator once per (request, deadline, step),
// however often it is retried. Nothing when the request was answered or
// its deadline moved. It returns where the request stands.
func (a *Activities) DataRequestDeadline(ctx context.Context, ref DataRequestRef) (DataRequestStatus, error) {
	var st DataRequestStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var r sim.DataRequest
		var err error
		if ref.Overdue {
			r, err = tx.DataRequestOverdue(ctx, ref.RequestID, a.now())
		} else {
			r, err = tx.DataRequestGet(ctx, ref.RequestID)
		}
		if err != nil {
			return err
		}
		st = DataRequestStatus{State: r.State, DueAt: r.DueAt}
		if r.State == sim.RequestAnswered || !r.DueAt.Equal(ref.DueAt) {
			return nil
		}
		name, step := emailDataRequestReminder, "reminder"
		if ref.Overdue {
			name, step = emailDataRequestOverdue, "overdue"
		}
		return a.tellOperators(ctx, tx, name, []string{"data-request", r.ID, strconv.FormatInt(r.DueAt.Unix(), 10), step}, EmailData{
			Date: expiresOn(r.DueAt), Days: r.DaysLeft(a.now()), Link: strings.TrimRight(a.PublicURL, "/") + "/data-requests",
		})
	})
	if err != nil {
		return DataRequestStatus{}, fmt.Errorf("data request deadline: %w", err)
	}
	activity.GetLogger(ctx).Info("data request deadline", "request_id", ref.RequestID, "overdue", ref.Overdue, "state", string(st.State))
	return st, nil
}

// tellOperators sends email name to every operator, each once per key
// (the key's parts and the operator), however often it is retried.
func (a *Activities) tellOperators(ctx context.Context, tx *db.Tx, name string, key []string, data EmailData) error {
	operators, err := tx.OperatorAddresses(ctx)
	if err != nil {
		return err
	}
	for _, op := range operators {
		if _, err := a.sendOnce(ctx, tx, name, strings.Join(append(slices.Clone(key), op.UserID), "/"), op.Email, data); err != nil {
			return err
		}
	}
	return nil
}
