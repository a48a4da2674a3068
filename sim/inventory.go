package sim

// DataClass classifies a column of the data inventory: what kind of
// information it holds, which decides how export, anonymisation and
// retention treat it.
type DataClass string

// Data classes.
const (
	ClassIdentifying DataClass = "identifying" // names, date of birth, IP address
	ClassContact     DataClass = "contact"     // email, phone
	ClassSpecial     DataClass = "special"     // special-category: Armed Forces connection
	ClassFreeText    DataClass = "free-text"   // anything a person typed
	ClassCredential  DataClass = "credential"  // password and token hashes: never exported
	ClassOperational DataClass = "operational" // ids, timestamps, flags
	ClassAnonymous   DataClass = "anonymous"   // coarse facts that survive into ghost records
)

// DataClasses lists every DataClass.
var DataClasses = []DataClass{ClassIdentifying, ClassContact, ClassSpecial, ClassFreeText, ClassCredential, ClassOperational, ClassAnonymous}

// RetentionCategory groups columns that are kept for the same time.
type RetentionCategory string

// Retention categories. The schedule for each is data (a later capability);
// the defaults follow the programme's privacy notices.
const (
	RetainAccount         RetentionCategory = "account"          // while the account exists
	RetainSession         RetentionCategory = "session"          // until the session expires
	RetainCandidateRecord RetentionCategory = "candidate_record" // until anonymised into a ghost record
	RetainInvitation      RetentionCategory = "invitation"       // until used, or deleted when the window passes
	RetainConsent         RetentionCategory = "consent"          // the life of the candidate record
	RetainLoginRecord     RetentionCategory = "login_record"     // 2 years
	RetainReporting       RetentionCategory = "reporting"        // kept in the ghost record
	RetainStatistics      RetentionCategory = "statistics"       // anonymous counts, indefinitely
	RetainReference       RetentionCategory = "reference"        // reference data such as consent wording, indefinitely
	RetainRequest         RetentionCategory = "request"          // a request for a registration link: the address is wiped once handled
	RetainOutbox          RetentionCategory = "outbox"           // workflow intents: IDs only, pruned a day after delivery
	RetainOrganisation    RetentionCategory = "organisation"     // while the organisation is on the programme
	RetainAgreement       RetentionCategory = "agreement"        // signed agreements: the programme's legal record, indefinitely
	RetainAudit           RetentionCategory = "audit"            // the audit trail: IDs only, append-only, indefinitely
	RetainMessage         RetentionCategory = "message"          // message threads between candidates and organisations
	RetainNotification    RetentionCategory = "notification"     // the ledger of notifications sent: IDs only
)

// RetentionCategories lists every RetentionCategory.
var RetentionCategories = []RetentionCategory{
	RetainAccount, RetainSession, RetainCandidateRecord, RetainInvitation, RetainConsent,
	RetainLoginRecord, RetainReporting, RetainStatistics, RetainReference, RetainRequest, RetainOutbox,
	RetainOrganisation, RetainAgreement, RetainAudit, RetainMessage, RetainNotification,
}

// Personal reports whether a column of class c holds personal data: it
// then needs a data subject (see SubjectPath).
func (c DataClass) Personal() bool {
	switch c {
	case ClassIdentifying, ClassContact, ClassSpecial, ClassFreeText:
		return true
	}
	return false
}
