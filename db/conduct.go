package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// The code of conduct: published from configuration, read and accepted by
// every organisation user before first use.

// PublishConduct makes c the code of conduct to accept, unless its version
// is already published. The same version with different text is an
// error: changing the text needs a new version, which everyone then
// accepts again. Run at start-up by the engine.
func (s *Store) PublishConduct(ctx context.Context, c sim.CodeOfConduct, now time.Time) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("code of conduct: %w", err)
	}
	// Publishing configuration is the deployment's act, not a person's.
	return s.InTx(ctx, sim.System, func(tx *Tx) error {
		old, err := tx.q.ConductGet(ctx, tx.tx, c.Version)
		switch err = interpretError(err); {
		case err == nil && old.Body == c.Body:
			return nil
		case err == nil:
			return fmt.Errorf("code of conduct version %q is already published with different text: give the new text a new version", c.Version)
		case !notFound(err):
			return fmt.Errorf("load code of conduct: %w", err)
		}
		if err := tx.q.ConductPublish(ctx, tx.tx, dbgen.ConductPublishParams{Version: c.Version, Body: c.Body, Now: now}); err != nil {
			return fmt.Errorf("publish code of conduct: %w", interpretError(err))
		}
		return nil
	})
}

// Conduct is the current code of conduct and, for an organisation user,
// when they accepted it.
type Conduct struct {
	sim.CodeOfConduct
	PublishedAt time.Time
	AcceptedAt  time.Time // zero until accepted
}

// ConductCurrent returns the code of conduct to accept.
func (tx *Tx) ConductCurrent(ctx context.Context) (Conduct, error) {
	if err := tx.authorize(sim.PermReadConduct); err != nil {
		return Conduct{}, err
	}
	t, err := tx.q.ConductCurrent(ctx, tx.tx)
	if err = interpretError(err); notFound(err) {
		return Conduct{}, fmt.Errorf("no code of conduct is published")
	} else if err != nil {
		return Conduct{}, fmt.Errorf("load code of conduct: %w", err)
	}
	out := Conduct{CodeOfConduct: sim.CodeOfConduct{Version: t.Version, Body: t.Body}, PublishedAt: t.PublishedAt}
	if tx.actor.Role.OrgRole() {
		at, err := tx.q.ConductAcceptance(ctx, tx.tx, dbgen.ConductAcceptanceParams{UserID: uuid.MustParse(tx.actor.UserID), Version: t.Version})
		switch err = interpretError(err); {
		case err == nil:
			out.AcceptedAt = at
		case !notFound(err):
			return Conduct{}, fmt.Errorf("load acceptance: %w", err)
		}
	}
	return out, nil
}

// ConductAccept records that the actor, an organisation user, accepts the
// code of conduct of version, which must be the current one (ECONFLICT
// otherwise: they must read what they accept). Accepting again is a
// no-op.
func (tx *Tx) ConductAccept(ctx context.Context, version string, now time.Time) (Conduct, error) {
	c, err := tx.ConductCurrent(ctx)
	if err != nil {
		return Conduct{}, err
	}
	if err := tx.authorize(sim.PermAcceptConduct); err != nil {
		return Conduct{}, err
	}
	if version != c.Version {
		return Conduct{}, sim.Errorf(sim.ECONFLICT, "version %q is not the current code of conduct (%q): read the current one and accept that", version, c.Version)
	}
	if !c.AcceptedAt.IsZero() {
		return c, nil
	}
	uid := uuid.MustParse(tx.actor.UserID)
	if err := tx.q.ConductAccept(ctx, tx.tx, dbgen.ConductAcceptParams{UserID: uid, Version: version, Now: now}); err != nil {
		return Conduct{}, fmt.Errorf("record acceptance: %w", interpretError(err))
	}
	orgID := uuid.MustParse(tx.actor.OrgID)
	if err := tx.audit(ctx, sim.AuditConductAccepted, sim.ObjectUser, uid, &orgID, now); err != nil {
		return Conduct{}, err
	}
	c.AcceptedAt = now
	return c, nil
}
