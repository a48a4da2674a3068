package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Two-factor sign-in: time-based one-time passwords (RFC 6238: SHA-1, six
// digits, 30-second steps, one step of clock skew either way, as every
// authenticator app expects), through github.com/pquerna/otp. A code works
// once; ten single-use recovery codes, stored as their SHA-256, stand in
// for a lost device.

const (
	totpPeriod    = 30
	recoveryCodes = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// WithMFARequired makes two-factor sign-in required for roles: a person
// with one of them who has not enrolled may, once signed in, only enrol
// (and sign out).
func WithMFARequired(roles ...sim.Role) Option {
	return func(s *Store) { s.mfaRequired = append([]sim.Role(nil), roles...) }
}

// totpStep returns the time step (of those at now, one before and one
// after) whose code is code, or -1.
func totpStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return -1
	}
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / totpPeriod
		}
	}
	return -1
}

// TOTPCode is the code an authenticator app shows for secret at t; for
// tests and the development tools.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

func hashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))))
	return sum[:]
}

func newRecoveryCode() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("recovery code: %w", err)
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s[:8] + "-" + s[8:16], nil
}

// MFAEnrolment is a new, not yet confirmed, two-factor secret: shown once
// (as text and as an otpauth:// URL for a QR code), never again.
type MFAEnrolment struct {
	Secret string
	URL    string
}

// MFAEnrolStart gives the actor's account a new pending TOTP secret.
// ECONFLICT when two-factor sign-in is already on (remove it first).
func (tx *Tx) MFAEnrolStart(ctx context.Context, issuer string, now time.Time) (MFAEnrolment, error) {
	u, err := tx.ownAccount(ctx)
	if err != nil {
		return MFAEnrolment{}, err
	}
	if u.MfaEnabledAt != nil {
		return MFAEnrolment{}, sim.Errorf(sim.ECONFLICT, "two-factor sign-in is already on: remove it first to enrol a new device")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return MFAEnrolment{}, fmt.Errorf("generate secret: %w", err)
	}
	if err := tx.q.MFASetPending(ctx, tx.tx, dbgen.MFASetPendingParams{ID: u.ID, Secret: ptr(key.Secret()), Now: now}); err != nil {
		return MFAEnrolment{}, fmt.Errorf("store secret: %w", interpretError(err))
	}
	return MFAEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// MFAEnrolConfirm turns two-factor sign-in on with a first code from the
// pending secret and returns ten new recovery codes, shown once.
func (tx *Tx) MFAEnrolConfirm(ctx context.Context, code string, now time.Time) ([]string, error) {
	u, err := tx.ownAccount(ctx)
	if err != nil {
		return nil, err
	}
	if u.MfaSecret == nil || u.MfaEnabledAt != nil {
		return nil, sim.Errorf(sim.ECONFLICT, "there is no two-factor enrolment to confirm: start one first")
	}
	step := totpStep(*u.MfaSecret, code, now)
	if step < 0 {
		return nil, sim.FieldError("code", "code is not the one your authenticator app shows now")
	}
	if err := tx.q.MFAEnable(ctx, tx.tx, dbgen.MFAEnableParams{ID: u.ID, Step: &step, Now: &now}); err != nil {
		return nil, fmt.Errorf("enable two-factor sign-in: %w", interpretError(err))
	}
	if err := tx.q.MFARecoveryCodesDelete(ctx, tx.tx, u.ID); err != nil {
		return nil, fmt.Errorf("clear recovery codes: %w", interpretError(err))
	}
	codes := make([]string, recoveryCodes)
	for i := range codes {
		if codes[i], err = newRecoveryCode(); err != nil {
			return nil, err
		}
		if err := tx.q.MFARecoveryCodeCreate(ctx, tx.tx, dbgen.MFARecoveryCodeCreateParams{UserID: u.ID, CodeHash: hashRecoveryCode(codes[i])}); err != nil {
			return nil, fmt.Errorf("store recovery code: %w", interpretError(err))
		}
	}
	if err := tx.audit(ctx, sim.AuditMFAEnrolled, sim.ObjectUser, u.ID, u.OrgID, now); err != nil {
		return nil, err
	}
	return codes, nil
}

// MFARemove turns two-factor sign-in off, with a current code or a
// recovery code. ECONFLICT when the deployment requires it for the role.
func (tx *Tx) MFARemove(ctx context.Context, code string, now time.Time) error {
	u, err := tx.ownAccount(ctx)
	if err != nil {
		return err
	}
	if u.MfaEnabledAt == nil {
		return sim.Errorf(sim.ECONFLICT, "two-factor sign-in is not on")
	}
	if slices.Contains(tx.store.mfaRequired, tx.actor.Role) {
		return sim.Errorf(sim.ECONFLICT, "your role must sign in with two factors: it cannot be turned off")
	}
	if ok, err := tx.secondFactor(ctx, u, code, now); err != nil {
		return err
	} else if !ok {
		return sim.FieldError("code", "code is not a current code or an unused recovery code")
	}
	if err := tx.q.MFAClear(ctx, tx.tx, dbgen.MFAClearParams{ID: u.ID, Now: now}); err != nil {
		return fmt.Errorf("turn two-factor sign-in off: %w", interpretError(err))
	}
	if err := tx.q.MFARecoveryCodesDelete(ctx, tx.tx, u.ID); err != nil {
		return fmt.Errorf("clear recovery codes: %w", interpretError(err))
	}
	return tx.audit(ctx, sim.AuditMFARemoved, sim.ObjectUser, u.ID, u.OrgID, now)
}

// ownAccount loads the actor's own account.
func (tx *Tx) ownAccount(ctx context.Context) (dbgen.User, error) {
	if err := tx.authorize(sim.PermManageOwnAccount); err != nil {
		return dbgen.User{}, err
	}
	u, err := tx.q.UserGet(ctx, tx.tx, uuid.MustParse(tx.actor.UserID))
	if err != nil {
		return dbgen.User{}, fmt.Errorf("load account: %w", interpretError(err))
	}
	return u, nil
}

// secondFactor checks code as u's current TOTP code (unused so far) or an
// unused recovery code, and uses it up.
func (tx *Tx) secondFactor(ctx context.Context, u dbgen.User, code string, now time.Time) (bool, error) {
	if u.MfaSecret == nil {
		return false, nil
	}
	if step := totpStep(*u.MfaSecret, code, now); step >= 0 {
		n, err := tx.q.MFAUseStep(ctx, tx.tx, dbgen.MFAUseStepParams{ID: u.ID, Step: &step})
		if err != nil {
			return false, fmt.Errorf("use code: %w", interpretError(err))
		}
		return n == 1, nil
	}
	n, err := tx.q.MFARecoveryCodeUse(ctx, tx.tx, dbgen.MFARecoveryCodeUseParams{UserID: u.ID, CodeHash: hashRecoveryCode(code), Now: &now})
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", interpretError(err))
	}
	return n == 1, nil
}
