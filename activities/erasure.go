package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// ErasureRef names one erasure: the candidate, the receipt's number, who
// asked, and when (the day the receipt gives).
type ErasureRef struct {
	CandidateID string
	Receipt     string
	RequestedBy sim.ErasureRequester
	At          time.Time
}

// ErasurePlan is what erasing a candidate involves, IDs only.
type ErasurePlan struct {
	Gone            bool
	OrgIDs          []string
	PlacedInterests []string
}

// ErasurePrepare disables the candidate's account (every session ends)
// and returns who to tell and what to end. Gone when already erased.
func (a *Activities) ErasurePrepare(ctx context.Context, ref ErasureRef) (ErasurePlan, error) {
	var p db.ErasurePlan
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		p, err = tx.ErasurePrepare(ctx, ref.CandidateID, a.now())
		return err
	})
	if err != nil {
		return ErasurePlan{}, fmt.Errorf("prepare erasure: %w", err)
	}
	return ErasurePlan{Gone: p.Gone, OrgIDs: p.OrgIDs, PlacedInterests: p.PlacedInterests}, nil
}

// SendErasureReceipt emails the candidate, at their address before it is
// wiped, what is erased, when and the receipt's number: once, however
// often it is retried. Nothing when the address is gone.
func (a *Activities) SendErasureReceipt(ctx context.Context, ref ErasureRef) (bool, error) {
	var sent bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		to, err := tx.ErasureAddress(ctx, ref.CandidateID)
		if err != nil || to == "" {
			return err
		}
		sent, err = a.sendOnce(ctx, tx, emailErasureReceipt, "erasure/"+ref.Receipt, to, EmailData{Receipt: ref.Receipt, Date: expiresOn(ref.At)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("send erasure receipt: %w", err)
	}
	activity.GetLogger(ctx).Info("erasure receipt", "candidate_id", ref.CandidateID, "sent", sent)
	return sent, nil
}

// Erase anonymises the candidate into a ghost record and keeps the
// receipt. It reports whether there was anything left to erase.
func (a *Activities) Erase(ctx context.Context, ref ErasureRef) (bool, error) {
	var erased bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		erased, err = tx.Erase(ctx, ref.CandidateID, ref.Receipt, ref.RequestedBy, ref.At)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("erase: %w", err)
	}
	activity.GetLogger(ctx).Info("candidate erased", "candidate_id", ref.CandidateID, "erased", erased)
	return erased, nil
}

// OrgLeftRef is one organisation to tell that a candidate left. Notice
// is drawn once per erasure and kept nowhere else, so the notices' ledger
// links neither to the erasure's receipt nor to the candidate.
type OrgLeftRef struct {
	OrgID  string
	Notice string
}

// CandidateLeftRecipients lists who at the organisation is told that a
// candidate left: its active users' IDs and its verified mailbox.
func (a *Activities) CandidateLeftRecipients(ctx context.Context, ref OrgLeftRef) ([]string, error) {
	var recipients []string
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		var err error
		_, recipients, err = tx.OrgAudience(ctx, ref.OrgID)
		return err
	})
	if sim.ErrorCode(err) == sim.ENOTFOUND {
		return nil, nil
	}
	return recipients, err
}

// OrgLeftRecipientRef is one recipient at one organisation.
type OrgLeftRecipientRef struct {
	OrgLeftRef
	Recipient string
}

// NotifyCandidateLeft tells one recipient at an organisation that a
// candidate who chose it left the programme: no name, nothing that
// identifies them; once per (erasure, recipient).
func (a *Activities) NotifyCandidateLeft(ctx context.Context, ref OrgLeftRecipientRef) (bool, error) {
	var sent bool
	err := a.asEngine(ctx, func(tx *db.Tx) error {
		name, _, err := tx.OrgAudience(ctx, ref.OrgID)
		if err != nil {
			return err
		}
		to, err := tx.NotificationAddress(ctx, ref.OrgID, ref.Recipient)
		if err != nil || to == "" {
			return err
		}
		sent, err = a.sendOnce(ctx, tx, emailCandidateLeft, "left/"+ref.Notice+"/"+ref.OrgID+"/"+ref.Recipient, to, EmailData{Organisation: name})
		return err
	})
	switch {
	case sim.ErrorCode(err) == sim.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("notify candidate left: %w", err)
	}
	return sent, nil
}
