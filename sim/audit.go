package sim

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"time"
)

// AuditAction is an administrative act recorded in the audit trail.
type AuditAction string

// Audit actions.
const (
	AuditOrgCreated              AuditAction = "organisation.created"
	AuditOrgUpdated              AuditAction = "organisation.updated"
	AuditOrgRenamed              AuditAction = "organisation.renamed"
	AuditAgreementRecorded       AuditAction = "agreement.recorded"
	AuditAgreementVersion        AuditAction = "agreement_version.added"
	AuditAgreementRetired        AuditAction = "agreement_version.retired"
	AuditOnboardingReissued      AuditAction = "onboarding.reissued"
	AuditOnboardingEscalated     AuditAction = "onboarding.escalated"
	AuditUserInvited             AuditAction = "user.invited"
	AuditUserJoined              AuditAction = "user.joined"
	AuditUserDisabled            AuditAction = "user.disabled"
	AuditUserEnabled             AuditAction = "user.enabled"
	AuditUserRoleChanged         AuditAction = "user.role_changed"
	AuditMailboxChanged          AuditAction = "mailbox.changed"
	AuditMailboxVerified         AuditAction = "mailbox.verified"
	AuditConductAccepted         AuditAction = "code_of_conduct.accepted"
	AuditPasswordChanged         AuditAction = "password.changed"
	AuditPasswordReset           AuditAction = "password.reset"
	AuditMFAEnrolled             AuditAction = "mfa.enrolled"
	AuditMFARemoved              AuditAction = "mfa.removed"
	AuditCandidateViewed         AuditAction = "candidate.viewed"
	AuditSupportRecorded         AuditAction = "intervention.recorded"
	AuditMessageReported         AuditAction = "message.reported"
	AuditMessageHidden           AuditAction = "message.hidden"
	AuditReportDismissed         AuditAction = "message_report.dismissed"
	AuditSpotCheckDecided        AuditAction = "spot_check.decided"
	AuditRetentionChanged        AuditAction = "retention.changed"
	AuditProfileUpdated          AuditAction = "profile.updated"
	AuditConsentPublished        AuditAction = "consent_text.published"
	AuditErasureRequested        AuditAction = "erasure.requested"
	AuditDataRequestLogged       AuditAction = "data_request.logged"
	AuditDataRequestExtended     AuditAction = "data_request.extended"
	AuditDataRequestAnswered     AuditAction = "data_request.answered"
	AuditInfoRequestLogged       AuditAction = "info_request.logged"
	AuditInfoRequestAcknowledged AuditAction = "info_request.acknowledged"
	AuditInfoRequestDenied       AuditAction = "info_request.denied"
	AuditInfoRequestSupplied     AuditAction = "info_request.supplied"
	AuditSubjectExported         AuditAction = "subject_access.exported"
	AuditRosterUploaded          AuditAction = "roster.uploaded"
	AuditRosterDiscarded         AuditAction = "roster.discarded"
)

// AuditObject is the kind of thing an audit event is about.
type AuditObject string

// Audit object types.
const (
	ObjectOrganisation     AuditObject = "organisation"
	ObjectAgreement        AuditObject = "agreement"
	ObjectAgreementVersion AuditObject = "agreement_version"
	ObjectUser             AuditObject = "user"
	ObjectInvitation       AuditObject = "account_invitation"
	ObjectCandidate        AuditObject = "candidate"
	ObjectInterest         AuditObject = "interest"
	ObjectMessage          AuditObject = "message"
	ObjectMessageReport    AuditObject = "message_report"
	ObjectSpotCheck        AuditObject = "spot_check"
	ObjectRetention        AuditObject = "retention_rule"
	ObjectConsentText      AuditObject = "consent_text"
	ObjectDataRequest      AuditObject = "data_request"
	ObjectInfoRequest      AuditObject = "info_request"
	ObjectRosterImport     AuditObject = "roster_import"
)

// AuditEvent is one row of the audit trail: who did what to which object,
// when and from where, as IDs only. Seq numbers the chain from 1; Hash is
// SHA-256 over PrevHash and the row (see AuditHash).
type AuditEvent struct {
	Seq        int64
	OccurredAt time.Time
	ActorID    string // empty for the engine and anonymous actors
	ActorRole  Role
	ActorOrgID string
	Action     AuditAction
	ObjectType AuditObject
	ObjectID   string
	OrgID      string // the organisation the object belongs to, if any
	IP         string
	// Detail names what an act changed, never the values: the fields of a
	// profile that were corrected. Empty for most acts.
	Detail   string
	PrevHash []byte
	Hash     []byte
}

// AuditGenesis is the previous hash of the first row of the chain.
var AuditGenesis = make([]byte, sha256.Size)

// AuditHash is the hash a row must carry: SHA-256 of the previous row's
// hash followed by the row's fields, in this order, separated by '|':
// seq, occurred_at in Unix microseconds, actor ID, actor role, actor
// organisation, action, object type, object ID, organisation, IP, and the
// detail when there is one, as "detail:" and the detail (rows written
// before it existed hash as they did; the prefix keeps an IP with a '|'
// in it from hashing as an IP and a detail). An empty field is empty text. The database computes the same in
// its audit_events trigger; `muster audit verify` recomputes it here.
func AuditHash(prev []byte, e AuditEvent) []byte {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.OccurredAt.UnixMicro(), 10),
		e.ActorID, string(e.ActorRole), e.ActorOrgID,
		string(e.Action), string(e.ObjectType), e.ObjectID, e.OrgID, e.IP,
	}
	if e.Detail != "" {
		fields = append(fields, "detail:"+e.Detail)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write([]byte(strings.Join(fields, "|")))
	return h.Sum(nil)
}

// AuditFilter selects part of the audit or login trail. Zero fields do not
// filter. After is the keyset cursor: the last Seq of the previous page.
type AuditFilter struct {
	UserID   string
	OrgID    string
	ObjectID string
	Since    time.Time
	Until    time.Time
	After    int64
	Limit    int
}
