package activities

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// FollowUpRef names one check-in of a placement's follow-up.
type FollowUpRef struct {
	InterestID string
	Months     int
	DueOn      time.Time
}

// FollowUpStatus is a check-in as the workflow needs it: its ID, its
// answer ("" while open), and Gone when the placement's record was erased.
type FollowUpStatus struct {
	ID     string
	Answer sim.FollowUpAnswer
	Gone   bool
}

func (r FollowUpRef) key(step string) string {
	return "follow-up/" + r.InterestID + "/" + strconv.Itoa(r.Months) + "/" + step
}

// FollowUpAsk asks the check-in: it records it (once) and emails the
// candidate a link to answer, exactly once however often it is retried.
// A check-in already answered sends nothing.
func (a *Activities) FollowUpAsk(ctx context.Context, ref FollowUpRef) (FollowUpStatus, error) {
	var st FollowUpStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		f, n, err := tx.FollowUpAsk(ctx, ref.InterestID, ref.Months, ref.DueOn, a.now())
		if err != nil {
			return err
		}
		st = FollowUpStatus{ID: f.ID, Answer: f.Answer}
		if !f.Open() {
			return nil
		}
		return a.followUpEmail(ctx, tx, emailFollowUpCheckIn, ref.key("ask"), f, n)
	})
	return a.followUpResult(ctx, "ask", ref, st, err)
}

// FollowUpRemind sends the one reminder of a check-in still open.
func (a *Activities) FollowUpRemind(ctx context.Context, ref FollowUpRef) (FollowUpStatus, error) {
	var st FollowUpStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		f, n, err := tx.FollowUpAsk(ctx, ref.InterestID, ref.Months, ref.DueOn, a.now())
		if err != nil {
			return err
		}
		st = FollowUpStatus{ID: f.ID, Answer: f.Answer}
		if !f.Open() {
			return nil
		}
		if f, _, err = tx.FollowUpRemind(ctx, f.ID, a.now()); err != nil {
			return err
		}
		return a.followUpEmail(ctx, tx, emailFollowUpReminder, ref.key("remind"), f, n)
	})
	return a.followUpResult(ctx, "remind", ref, st, err)
}

// FollowUpClose records no answer for a check-in still open, and returns
// how it ended.
func (a *Activities) FollowUpClose(ctx context.Context, ref FollowUpRef) (FollowUpStatus, error) {
	var st FollowUpStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		f, _, err := tx.FollowUpAsk(ctx, ref.InterestID, ref.Months, ref.DueOn, a.now())
		if err != nil {
			return err
		}
		if f, err = tx.FollowUpClose(ctx, f.ID, a.now()); err != nil {
			return err
		}
		st = FollowUpStatus{ID: f.ID, Answer: f.Answer}
		return nil
	})
	return a.followUpResult(ctx, "close", ref, st, err)
}

func (a *Activities) followUpEmail(ctx context.Context, tx *db.Tx, name, key string, f sim.FollowUp, n db.FollowUpNotice) error {
	if n.CandidateUserID == "" {
		return nil
	}
	to, err := tx.CandidateAddress(ctx, n.CandidateUserID)
	if err != nil || to == "" {
		return err
	}
	msg, err := a.message(name, key, to, EmailData{Organisation: n.OrgName, Months: f.Months, Link: FollowUpLink(a.PublicURL, f.ID)})
	if err != nil {
		return err
	}
	_, err = tx.DeliverOnce(ctx, key, a.now(), func() error { return a.Notifier.Notify(ctx, msg) })
	return err
}

func (a *Activities) followUpResult(ctx context.Context, step string, ref FollowUpRef, st FollowUpStatus, err error) (FollowUpStatus, error) {
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		activity.GetLogger(ctx).Info("placement gone: follow-up ends", "interest_id", ref.InterestID, "months", ref.Months)
		return FollowUpStatus{Gone: true}, nil
	case err != nil:
		return FollowUpStatus{}, fmt.Errorf("follow-up %s: %w", step, err)
	}
	activity.GetLogger(ctx).Info("follow-up "+step, "interest_id", ref.InterestID, "months", ref.Months, "answer", string(st.Answer))
	return st, nil
}

// FollowUpLink is where a candidate answers a check-in.
func FollowUpLink(publicURL, followUpID string) string {
	return strings.TrimRight(publicURL, "/") + "/me/follow-ups/" + url.PathEscape(followUpID)
}
