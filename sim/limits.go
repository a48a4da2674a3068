package sim

// Limits on what people type, in characters (an email address's in
// bytes): one constant per field, used by the validation in this package
// and stated by the HTTP API's document, where a test holds every
// maxLength and maxItems to the constant here (httpapi
// TestDocumentLimitsAreSims). Change a limit here and there together.
const (
	MaxEmailLen    = 254 // an email address (RFC 5321's limit)
	MinPasswordLen = 12  // a password: no composition rules (NIST SP 800-63B) …
	MaxPasswordLen = 128 // … and an upper bound that keeps hashing cost bounded

	MaxNameLen           = 100  // a person's first or last name; a signatory's name or role
	MaxPhoneLen          = 32   // a phone number
	MaxSkills            = 30   // skills in a profile
	MaxSkillLen          = 100  // one skill
	MaxJobPreferencesLen = 2000 // a profile's job preferences
	MaxOrgNameLen        = 200  // an organisation's name, and the name its agreement was signed in
	MaxVersionLen        = 50   // a version label: of an agreement, of the code of conduct
	MaxFilterLen         = 100  // a text filter of an organisation's candidate list
	MaxChoices           = 50   // organisations a candidate chooses in one request

	MaxMessageLen            = 5000  // a message in a thread
	MaxModerationTextLen     = 2000  // a report's note; a moderator's reason for hiding a message
	MaxVerificationReasonLen = 500   // the operator's reason for rejecting a registration
	MaxExtensionReason       = 500   // the reason a data request's deadline was extended
	MaxInfoWhoLen            = 200   // who asks for information: a body's name
	MaxInfoTextLen           = 2000  // what an information request is for, what it asks, why it was denied or what was supplied
	MaxConductLen            = 20000 // the code of conduct's text
	MaxConsentLen            = 20000 // a version of the consent wording
)
