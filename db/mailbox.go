package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// An organisation's group mailbox: a shared recruitment address that
// receives notifications once a link sent to it has been followed.

// MailboxSet lets an organisation's admin set its group mailbox. The
// mailbox is unverified until the link the MailboxVerification workflow
// sends to it is followed; nothing else is sent there before. Another
// organisation is ErrNotFound.
func (tx *Tx) MailboxSet(ctx context.Context, orgID, email string, now time.Time) (sim.Organisation, error) {
	if err := tx.authorize(sim.PermManageOrgPeople); err != nil {
		return sim.Organisation{}, err
	}
	id, err := tx.orgIDFor(orgID)
	if err != nil {
		return sim.Organisation{}, err
	}
	email, err = sim.NormalizeEmail(email)
	if err != nil {
		return sim.Organisation{}, err
	}
	if err := tx.q.OrgSetMailbox(ctx, tx.tx, dbgen.OrgSetMailboxParams{ID: id, Mailbox: &email, Now: now}); err != nil {
		return sim.Organisation{}, fmt.Errorf("set mailbox: %w", interpretError(err))
	}
	vid := uuid.New()
	if err := tx.q.MailboxVerificationCreate(ctx, tx.tx, dbgen.MailboxVerificationCreateParams{
		ID: vid, OrgID: id, Email: email, Now: now, ExpiresAt: now.Add(tx.store.accountWindow),
	}); err != nil {
		return sim.Organisation{}, fmt.Errorf("create mailbox verification: %w", interpretError(err))
	}
	if err := tx.audit(ctx, sim.AuditMailboxChanged, sim.ObjectOrganisation, id, &id, now); err != nil {
		return sim.Organisation{}, err
	}
	if err := tx.enqueue(ctx, sim.StartMailboxVerification(vid.String(), id.String())); err != nil {
		return sim.Organisation{}, err
	}
	o, err := tx.q.OrgGet(ctx, tx.tx, id)
	if err != nil {
		return sim.Organisation{}, wrapNotFound("load organisation", err)
	}
	return orgFromInternal(o), nil
}

// MailboxLink is a freshly issued mailbox verification link.
type MailboxLink struct {
	VerificationID string
	Email          string
	OrgName        string
	Token          string
	ExpiresAt      time.Time
}

// MessageKey identifies the email carrying this link.
func (l MailboxLink) MessageKey() string { return "mailbox-verification/" + l.VerificationID }

// MailboxVerificationIssue issues the token of a verification not yet
// sent. ok is false, and nothing changes, once it was sent or used, has
// expired, or the organisation's mailbox has changed since. Engine only.
func (tx *Tx) MailboxVerificationIssue(ctx context.Context, verificationID string, now time.Time) (MailboxLink, bool, error) {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return MailboxLink{}, false, err
	}
	id, err := parseID("verification_id", verificationID)
	if err != nil {
		return MailboxLink{}, false, err
	}
	v, err := tx.q.MailboxVerificationGetForUpdate(ctx, tx.tx, id)
	if err = interpretError(err); notFound(err) {
		return MailboxLink{}, false, nil
	} else if err != nil {
		return MailboxLink{}, false, fmt.Errorf("load mailbox verification: %w", err)
	}
	if v.SentAt != nil || v.UsedAt != nil || !v.ExpiresAt.After(now) || deref(v.CurrentMailbox) != v.Email {
		return MailboxLink{}, false, nil
	}
	token, hash, err := NewToken()
	if err != nil {
		return MailboxLink{}, false, err
	}
	if err := tx.q.MailboxVerificationSetToken(ctx, tx.tx, dbgen.MailboxVerificationSetTokenParams{ID: id, TokenHash: hash}); err != nil {
		return MailboxLink{}, false, fmt.Errorf("store mailbox token: %w", interpretError(err))
	}
	return MailboxLink{VerificationID: id.String(), Email: v.Email, OrgName: v.OrgName, Token: token, ExpiresAt: v.ExpiresAt}, true, nil
}

// MailboxVerificationSent records that the link went. Engine only.
func (tx *Tx) MailboxVerificationSent(ctx context.Context, verificationID string, now time.Time) error {
	if err := tx.authorize(sim.PermEngine); err != nil {
		return err
	}
	id, err := parseID("verification_id", verificationID)
	if err != nil {
		return err
	}
	if err := tx.q.MailboxVerificationMarkSent(ctx, tx.tx, dbgen.MailboxVerificationMarkSentParams{ID: id, Now: &now}); err != nil {
		return fmt.Errorf("record mailbox link sent: %w", interpretError(err))
	}
	return nil
}

var errMailboxLinkNotValid = sim.Errorf(sim.ENOTFOUND, "this mailbox verification link is not valid: check that you copied the whole link")

// VerifyMailbox follows a mailbox verification link, as an anonymous actor
// presenting its token (whoever reads the shared mailbox): the
// organisation's mailbox is verified if it is still the address the link
// went to. ENOTFOUND for an unknown link; EGONE for one used or expired,
// or when the mailbox has been changed since.
func (s *Store) VerifyMailbox(ctx context.Context, token, ip string, now time.Time) error {
	if !wellFormedToken(token) {
		return errMailboxLinkNotValid
	}
	holder := sim.Presenting(HashToken(token))
	holder.From = ip
	return s.InTx(ctx, holder, func(tx *Tx) error {
		if err := tx.authorize(sim.PermVerifyMailbox); err != nil {
			return err
		}
		tokenHash := holder.Credential
		v, err := tx.q.MailboxVerificationConsume(ctx, tx.tx, dbgen.MailboxVerificationConsumeParams{TokenHash: tokenHash, Now: &now})
		if err = interpretError(err); notFound(err) {
			old, err := tx.q.MailboxVerificationByToken(ctx, tx.tx, tokenHash)
			switch err = interpretError(err); {
			case notFound(err):
				return errMailboxLinkNotValid
			case err != nil:
				return fmt.Errorf("load mailbox verification: %w", err)
			case old.UsedAt != nil:
				return sim.Errorf(sim.EGONE, "this mailbox has already been verified with this link")
			}
			return sim.Errorf(sim.EGONE, "this mailbox verification link has expired: ask your administrator to set the mailbox again")
		} else if err != nil {
			return fmt.Errorf("use mailbox verification: %w", err)
		}
		n, err := tx.q.OrgVerifyMailbox(ctx, tx.tx, dbgen.OrgVerifyMailboxParams{ID: v.OrgID, Email: &v.Email, Now: &now})
		if err != nil {
			return fmt.Errorf("verify mailbox: %w", interpretError(err))
		}
		if n == 0 {
			return sim.Errorf(sim.EGONE, "the organisation's mailbox has been changed since this link was sent")
		}
		return tx.audit(ctx, sim.AuditMailboxVerified, sim.ObjectOrganisation, v.OrgID, &v.OrgID, now)
	})
}
