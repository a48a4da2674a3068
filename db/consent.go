package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Versions of the consent wording, and where each candidate stands with
// them.

// consentObjectID names a consent wording's version in the audit trail.
func consentObjectID(version string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("muster:consent-text:"+version))
}

// ConsentTextPublish publishes a new version of the wording of consent to
// share a record with organisations, in force from now, as an audited
// act. Candidates keep what they agreed to until they agree to the new
// one. Operator only; EINVALID for a bad version or text; ECONFLICT for a
// version published already.
func (tx *Tx) ConsentTextPublish(ctx context.Context, version, body string, now time.Time) (ConsentText, error) {
	if err := tx.authorize(sim.PermPublishConsent); err != nil {
		return ConsentText{}, err
	}
	body = strings.TrimSpace(body)
	if err := sim.ValidateConsentWording(version, body); err != nil {
		return ConsentText{}, err
	}
	row, err := tx.q.ConsentTextPublish(ctx, tx.tx, dbgen.ConsentTextPublishParams{
		Version: version, Purpose: sim.ConsentPurposeSharing, Body: body, Now: now,
	})
	if err = interpretError(err); notFound(err) {
		return ConsentText{}, sim.Errorf(sim.ECONFLICT, "consent wording version %q is published already: give the new wording a new version", version)
	} else if err != nil {
		return ConsentText{}, fmt.Errorf("publish consent wording: %w", err)
	}
	if err := tx.audit(ctx, sim.AuditConsentPublished, sim.ObjectConsentText, consentObjectID(version), nil, now); err != nil {
		return ConsentText{}, err
	}
	return ConsentText{Version: row.Version, Purpose: row.Purpose, Body: row.Body}, nil
}

// ConsentMine is where the signed-in candidate stands with the consent
// wording: the version in force, their latest decision and every earlier
// one.
func (tx *Tx) ConsentMine(ctx context.Context) (sim.ConsentStatus, error) {
	if err := tx.authorize(sim.PermOwnData); err != nil {
		return sim.ConsentStatus{}, err
	}
	own, err := tx.ownCandidate(ctx)
	if err != nil {
		return sim.ConsentStatus{}, err
	}
	current, err := tx.ConsentTextCurrent(ctx)
	if err != nil {
		return sim.ConsentStatus{}, err
	}
	rows, err := tx.q.ConsentHistory(ctx, tx.tx, own)
	if err != nil {
		return sim.ConsentStatus{}, fmt.Errorf("read consents: %w", interpretError(err))
	}
	out := sim.ConsentStatus{CurrentVersion: current.Version, CurrentBody: current.Body}
	for _, r := range rows {
		out.History = append(out.History, sim.ConsentRecord{
			Purpose: sim.ConsentPurposeSharing, TextVersion: r.TextVersion, Given: r.Given, Method: r.Method, RecordedAt: r.RecordedAt,
		})
	}
	if len(out.History) > 0 {
		out.Latest = out.History[0]
		out.UpToDate = out.Latest.TextVersion == current.Version
	}
	return out, nil
}
