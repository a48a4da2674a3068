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
	return a.followUpStep(ctx, "ask", ref, func(tx *db.Tx, f sim.FollowUp, n db.FollowUpNotice) (sim.FollowUp, error) {
		return f, a.followUpEmail(ctx, tx, emailFollowUpCheckIn, ref.key("ask"), f, n)
	})
}

// FollowUpRemind sends the one reminder of a check-in still open.
func (a *Activities) FollowUpRemind(ctx context.Context, ref FollowUpRef) (FollowUpStatus, error) {
	return a.followUpStep(ctx, "remind", ref, func(tx *db.Tx, f sim.FollowUp, n db.FollowUpNotice) (sim.FollowUp, error) {
		f, _, err := tx.FollowUpRemind(ctx, f.ID, a.now())
		if err != nil || !f.Open() {
			return f, err // answered meanwhile: no reminder
		}
		return f, a.followUpEmail(ctx, tx, emailFollowUpReminder, ref.key("remind"), f, n)
	})
}

// FollowUpClose records no answer for a check-in still open, and returns
// how it ended.
func (a *Activities) FollowUpClose(ctx context.Context, ref FollowUpRef) (FollowUpStatus, error) {
	return a.followUpStep(ctx, "close", ref, func(tx *db.Tx, f sim.FollowUp, _ db.FollowUpNotice) (sim.FollowUp, error) {
		return tx.FollowUpClose(ctx, f.ID, a.now())
	})
}

// followUpStep runs one step of a check-in: it finds (or first records,
// and commits) the check-in, then, in one engine transaction, finds it
// again and, while it is open, runs step; it returns how the check-in
// stands after. The check-in is committed before any email about it is
// sent, so a candidate who follows the link at once finds it.
func (a *Activities) followUpStep(ctx context.Context, name string, ref FollowUpRef,
	step func(*db.Tx, sim.FollowUp, db.FollowUpNotice) (sim.FollowUp, error)) (FollowUpStatus, error) {
	var st FollowUpStatus
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		_, _, err := tx.FollowUpAsk(ctx, ref.InterestID, ref.Months, ref.DueOn, a.now())
		return err
	})
	if err != nil {
		return a.followUpResult(ctx, name, ref, st, err)
	}
	err = a.asEngine(ctx, func(tx *db.Tx) error {
		f, n, err := tx.FollowUpAsk(ctx, ref.InterestID, ref.Months, ref.DueOn, a.now())
		if err == nil && f.Open() {
			f, err = step(tx, f, n)
		}
		st = FollowUpStatus{ID: f.ID, Answer: f.Answer}
		return err
	})
	return a.followUpResult(ctx, name, ref, st, err)
}

func (a *Activities) followUpEmail(ctx context.Context, tx *db.Tx, name, key string, f sim.FollowUp, n db.FollowUpNotice) error {
	if n.CandidateUserID == "" {
		return nil
	}
	to, err := tx.CandidateAddress(ctx, n.CandidateUserID)
	if err != nil || to == "" {
		return err
	}
	_, err = a.sendOnce(ctx, tx, name, key, to, EmailData{Organisation: n.OrgName, Months: f.Months, Link: FollowUpLink(a.PublicURL, f.ID)})
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
