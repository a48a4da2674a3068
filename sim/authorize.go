package sim

import "slices"

// Permission is something an actor may be allowed to do. The data layer
// asks Authorize before it acts; row-level security in Postgres is the
// backstop behind it.
type Permission string

// Permissions.
const (
	PermInvite              Permission = "invite"               // invite a person to register
	PermViewStatistics      Permission = "view_statistics"      // programme-wide counts
	PermRequestRegistration Permission = "request_registration" // ask for a registration link
	PermRegister            Permission = "register"             // complete a registration with a link
	PermViewSelf            Permission = "view_self"            // see one's own account and record
	PermEditOwnProfile      Permission = "edit_own_profile"     // replace one's own profile
	PermEndSession          Permission = "end_session"          // sign out
	PermManageOwnAccount    Permission = "manage_own_account"   // change one's password, two-factor sign-in
	PermRequestReset        Permission = "request_reset"        // ask for a password reset link
	PermResetPassword       Permission = "reset_password"       // set a new password with a reset link
	PermAcceptAccount       Permission = "accept_account"       // set up an organisation account with an invitation link
	PermVerifyMailbox       Permission = "verify_mailbox"       // verify a group mailbox with the link sent to it
	PermListPledged         Permission = "list_pledged"         // the public list of pledged organisations
	PermManageOrganisations Permission = "manage_organisations" // record and change organisations and their agreements
	PermViewOrgPeople       Permission = "view_org_people"      // list an organisation's users
	PermManageOrgPeople     Permission = "manage_org_people"    // invite, disable, promote an organisation's users; its mailbox
	PermReadConduct         Permission = "read_conduct"         // read the code of conduct
	PermAcceptConduct       Permission = "accept_conduct"       // accept the code of conduct
	PermReadAudit           Permission = "read_audit"           // the audit and login trails
	PermChooseOrganisations Permission = "choose_organisations" // a candidate's choice of organisations
	PermViewCandidates      Permission = "view_candidates"      // the candidates an organisation sees, and their profiles
	PermRecordSupport       Permission = "record_support"       // record interventions on a candidate's interest
	PermMessage             Permission = "message"              // read and write the threads between candidates and organisations
	PermReportMessage       Permission = "report_message"       // report a message as inappropriate
	PermModerate            Permission = "moderate"             // decide reported messages
	PermAnswerFollowUp      Permission = "answer_follow_up"     // a placed candidate's check-ins
	PermVerify              Permission = "verify"               // the spot-check queue and its decisions
	PermEngine              Permission = "engine"               // the engine's own work: activities, the relay, sign-in checks
	PermManageRetention     Permission = "manage_retention"     // read and change the retention schedule
	PermOwnData             Permission = "own_data"             // a candidate's rights over their data: export, erase, subject access requests
	PermDataRequests        Permission = "data_requests"        // the register of data requests, and logging one on a person's behalf
	PermPublishConsent      Permission = "publish_consent"      // publish a new version of the consent wording
	PermViewReports         Permission = "view_reports"         // the reports: the programme's (released beyond the operator) and an organisation's own
	PermInfoRequests        Permission = "info_requests"        // the register of information requests, and the releases that answer them
	PermQuickRegister       Permission = "quick_register"       // upload an organisation's roster of people to invite, and decide its import
)

// rule says who holds a permission and what to tell anyone else.
type rule struct {
	roles   []Role
	refusal string
	// credential: an anonymous actor must present a secret.
	credential bool
}

var (
	people   = []Role{RoleOperator, RoleOrgAdmin, RoleOrgUser, RoleCandidate}
	orgRoles = []Role{RoleOrgAdmin, RoleOrgUser}
	everyone = []Role{RoleOperator, RoleOrgAdmin, RoleOrgUser, RoleCandidate, RoleAnonymous, RoleSystem}
)

var rules = map[Permission]rule{
	PermInvite:              {roles: []Role{RoleOperator}, refusal: "only the programme operator can invite candidates"},
	PermViewStatistics:      {roles: []Role{RoleOperator, RoleSystem}, refusal: "only the programme operator can see programme statistics"},
	PermRequestRegistration: {roles: []Role{RoleAnonymous}, refusal: "sign out before asking for a registration link"},
	PermRegister:            {roles: []Role{RoleAnonymous}, credential: true, refusal: "registering needs the link from your invitation"},
	PermViewSelf:            {roles: people, refusal: "sign in first"},
	PermEditOwnProfile:      {roles: []Role{RoleCandidate}, refusal: "only a candidate has a profile to update"},
	PermEndSession:          {roles: people, refusal: "sign in first"},
	PermManageOwnAccount:    {roles: people, refusal: "sign in first"},
	PermRequestReset:        {roles: []Role{RoleAnonymous}, refusal: "you are signed in: change your password instead"},
	PermResetPassword:       {roles: []Role{RoleAnonymous}, credential: true, refusal: "resetting a password needs the link from the email"},
	PermAcceptAccount:       {roles: []Role{RoleAnonymous}, credential: true, refusal: "setting up an account needs the link from your invitation"},
	PermVerifyMailbox:       {roles: []Role{RoleAnonymous}, credential: true, refusal: "verifying a mailbox needs the link sent to it"},
	PermListPledged:         {roles: everyone, refusal: "not allowed"},
	PermManageOrganisations: {roles: []Role{RoleOperator}, refusal: "only the programme operator can manage organisations and their agreements"},
	PermViewOrgPeople:       {roles: []Role{RoleOperator, RoleOrgAdmin, RoleOrgUser}, refusal: "only an organisation's users and the programme operator can see its users"},
	PermManageOrgPeople:     {roles: []Role{RoleOrgAdmin}, refusal: "only an administrator of the organisation can manage its users and mailbox"},
	PermReadConduct:         {roles: []Role{RoleOperator, RoleOrgAdmin, RoleOrgUser}, refusal: "the code of conduct is for the programme's organisations"},
	PermAcceptConduct:       {roles: orgRoles, refusal: "only an organisation's users accept the code of conduct"},
	PermReadAudit:           {roles: []Role{RoleOperator}, refusal: "only the programme operator can read the audit trail"},
	PermChooseOrganisations: {roles: []Role{RoleCandidate}, refusal: "only a candidate chooses organisations"},
	PermViewCandidates:      {roles: []Role{RoleOperator, RoleOrgAdmin, RoleOrgUser}, refusal: "only an organisation's users and the programme operator can see its candidates"},
	PermRecordSupport:       {roles: orgRoles, refusal: "only an organisation's users record the support they give"},
	PermMessage:             {roles: []Role{RoleCandidate, RoleOrgAdmin, RoleOrgUser}, refusal: "only a candidate and the organisations they chose write to each other"},
	PermReportMessage:       {roles: []Role{RoleCandidate, RoleOrgAdmin, RoleOrgUser}, refusal: "only a participant in a thread can report a message in it"},
	PermModerate:            {roles: []Role{RoleOperator}, refusal: "only the programme operator moderates messages"},
	PermAnswerFollowUp:      {roles: []Role{RoleCandidate}, refusal: "only a candidate answers the check-ins after their placement"},
	PermVerify:              {roles: []Role{RoleOperator}, refusal: "only the programme operator checks registrations"},
	PermEngine:              {roles: []Role{RoleSystem}, refusal: "only the engine itself may do that"},
	PermManageRetention:     {roles: []Role{RoleOperator}, refusal: "only the programme operator manages the retention schedule"},
	PermOwnData:             {roles: []Role{RoleCandidate}, refusal: "only a candidate exports or erases their own data"},
	PermDataRequests:        {roles: []Role{RoleOperator}, refusal: "only the programme operator keeps the register of data requests"},
	PermPublishConsent:      {roles: []Role{RoleOperator}, refusal: "only the programme operator publishes the consent wording"},
	PermViewReports:         {roles: []Role{RoleOperator, RoleSystem, RoleOrgAdmin, RoleOrgUser}, refusal: "reports are for the programme operator and the programme's organisations"},
	PermInfoRequests:        {roles: []Role{RoleOperator}, refusal: "only the programme operator keeps the register of information requests"},
	PermQuickRegister:       {roles: []Role{RoleOrgAdmin, RoleOperator}, refusal: "only an administrator of the organisation, or the programme operator, can quick-register people"},
}

// Permissions lists every permission, for tests that walk them all.
var Permissions = []Permission{
	PermInvite, PermViewStatistics, PermRequestRegistration, PermRegister, PermViewSelf, PermEditOwnProfile, PermEndSession,
	PermManageOwnAccount, PermRequestReset, PermResetPassword, PermAcceptAccount, PermVerifyMailbox, PermListPledged,
	PermManageOrganisations, PermViewOrgPeople, PermManageOrgPeople, PermReadConduct, PermAcceptConduct, PermReadAudit,
	PermChooseOrganisations, PermViewCandidates, PermRecordSupport, PermMessage, PermReportMessage, PermModerate, PermAnswerFollowUp, PermVerify, PermEngine,
	PermManageRetention, PermOwnData, PermDataRequests, PermPublishConsent, PermViewReports, PermInfoRequests, PermQuickRegister,
}

// Authorize returns nil when a may do p, or an EFORBIDDEN *Error saying
// who may (EUNAUTHORIZED when p needs a signed-in person and a is not one).
// A person with a Restriction may only read their own account and sign out
// (and, when the restriction is the code of conduct, read and accept it;
// when it is two-factor enrolment, manage their own account): see
// Restriction.Allows. Anything else their role may do
// is refused with the restriction's own code, and what their role may
// never do is refused as it always is. An unknown permission is refused.
func Authorize(a Actor, p Permission) error {
	r, ok := rules[p]
	if !ok {
		return Errorf(EFORBIDDEN, "not allowed")
	}
	allowed := slices.Contains(r.roles, a.Role)
	if allowed && a.Role.Person() && !a.SignedIn() {
		allowed = false
	}
	if allowed && r.credential && len(a.Credential) == 0 {
		allowed = false
	}
	if allowed {
		if a.Restriction != "" && !a.Restriction.Allows(p) {
			return a.Restriction.Err()
		}
		return nil
	}
	// A person who is not signed in is told to sign in; the engine is never.
	if !a.SignedIn() && a.Role != RoleSystem && slices.ContainsFunc(r.roles, Role.Person) {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	return Errorf(EFORBIDDEN, "%s", r.refusal)
}

// CanEditProfile decides whether a may replace the profile of c: only the
// candidate themselves, and only while their record is open (registered).
// EFORBIDDEN for anyone else, ECONFLICT once the record is closed.
func CanEditProfile(a Actor, c Candidate) error {
	if err := Authorize(a, PermEditOwnProfile); err != nil {
		return err
	}
	if c.UserID != a.UserID {
		return Errorf(EFORBIDDEN, "you can only edit your own profile")
	}
	if c.Status != StatusRegistered {
		return Errorf(ECONFLICT, "a %s record can no longer be edited", c.Status)
	}
	return nil
}
