package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
)

// Verification is where a registration stands with the operator's spot
// checks.
//
//	unchecked                     (not sampled)
//	sampled → verified | rejected (the operator decides)
type Verification string

// Verification states.
const (
	VerificationUnchecked Verification = "unchecked"
	VerificationSampled   Verification = "sampled"
	VerificationVerified  Verification = "verified"
	VerificationRejected  Verification = "rejected"
)

// Verifications lists every verification state.
var Verifications = []Verification{VerificationUnchecked, VerificationSampled, VerificationVerified, VerificationRejected}

// SpotCheckFlag is why a registration was sampled for a check.
type SpotCheckFlag string

// Spot-check flags: the random sample, and the rules.
const (
	FlagRandomSample    SpotCheckFlag = "random_sample"
	FlagConnectionOther SpotCheckFlag = "connection_other_family_member"
)

// SpotCheckPolicy is how registrations are sampled for verification.
type SpotCheckPolicy struct {
	// Share is the fraction of registrations sampled at random, 0 to 1.
	Share float64
}

// DefaultSpotCheckPolicy samples one registration in ten, as well as every
// one a rule flags.
var DefaultSpotCheckPolicy = SpotCheckPolicy{Share: 0.10}

// Validate refuses a share outside 0 to 1.
func (p SpotCheckPolicy) Validate() error {
	if math.IsNaN(p.Share) || p.Share < 0 || p.Share > 1 {
		return fmt.Errorf("spot-check share must be between 0 and 1, not %v", p.Share)
	}
	return nil
}

// Sample decides whether a new registration goes to the verification
// queue, and why. The random share is drawn from the candidate's ID, so
// the decision is the same however often it is made; the rules flag what
// the operator asked to see every time: a connection that is hardest to
// evidence ("other family member").
func (p SpotCheckPolicy) Sample(candidateID string, prof Profile) []SpotCheckFlag {
	var flags []SpotCheckFlag
	if drawOf(candidateID) < p.Share {
		flags = append(flags, FlagRandomSample)
	}
	if prof.Connection == ConnOtherFamilyMember {
		flags = append(flags, FlagConnectionOther)
	}
	return flags
}

// drawOf maps an ID to a number in [0, 1), uniformly.
func drawOf(id string) float64 {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}

// DecideVerification is the operator's decision on a sampled registration:
// verified, or rejected with a reason (kept for the operator; the
// candidate is told without it). ECONFLICT unless the registration is in
// the queue (sampled); EINVALID for another outcome or a missing reason.
func DecideVerification(v Verification, outcome Verification, reason string) (Verification, error) {
	reason = strings.TrimSpace(reason)
	switch outcome {
	case VerificationVerified:
		if reason != "" {
			return v, FieldError("reason", "a reason is for a rejection only")
		}
	case VerificationRejected:
		if err := checkFreeText("reason", reason, true, MaxVerificationReasonLen); err != nil {
			return v, err
		}
	default:
		return v, FieldError("outcome", "outcome must be verified or rejected")
	}
	if v != VerificationSampled {
		return v, Errorf(ECONFLICT, "this registration is %s, not waiting for a check", v)
	}
	return outcome, nil
}

// SpotCheck is one sampled registration in the operator's queue, with
// what the operator checks it against.
type SpotCheck struct {
	ID           string
	CandidateID  string
	Flags        []SpotCheckFlag
	SampledAt    time.Time
	FirstName    string
	LastName     string
	Connection   Connection
	Region       Region
	RegisteredAt time.Time
}

// SpotCheckCursor is a position in the queue, oldest first.
type SpotCheckCursor struct {
	SampledAt time.Time
	ID        string
}

// WorkflowSpotCheckNotice tells a candidate that their registration was
// rejected by a spot check.
const WorkflowSpotCheckNotice = "SpotCheckNotice"

// SpotCheckNoticeWorkflowID is the workflow ID that tells the candidate
// of one spot check's rejection.
func SpotCheckNoticeWorkflowID(spotCheckID string) string { return "spot-check-notice/" + spotCheckID }

// SpotCheckNoticeArgs starts a SpotCheckNotice: the check's ID only.
type SpotCheckNoticeArgs struct {
	SpotCheckID string
}

// StartSpotCheckNotice is the intent to tell the candidate of a rejection.
func StartSpotCheckNotice(spotCheckID string) Intent {
	return Intent{WorkflowID: SpotCheckNoticeWorkflowID(spotCheckID), Workflow: WorkflowSpotCheckNotice, Args: SpotCheckNoticeArgs{SpotCheckID: spotCheckID}}
}
