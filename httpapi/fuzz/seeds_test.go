package fuzz_test

import (
	"testing"

	"github.com/muster-cms/muster/sim"
)

// seed is a route's valid request: who it succeeds for and with what.
// Bodies and queries may hold {{placeholders}}, filled in from the world
// when the request is made (see env.fill), so that a seed, and whatever
// the fuzzer makes of it, names live objects in whichever world it meets.
type seed struct {
	// ok are the kinds of caller the request succeeds (2xx) for; every
	// other kind is refused (4xx). The seed check holds the table to
	// both.
	ok    []kind
	query string
	body  string
	// params names, per path parameter, what the route's call acts on when
	// it is not what paramDefaults names.
	params map[string]func(w *world, k kind) string
	// fresh: the route changes the caller's own standing (signs them out,
	// changes their password or second factor, closes their record), so
	// each call is made by a new caller of the chosen kind, prepared by
	// prepare and, for an organisation's user, with the code of conduct
	// still to accept when conductPending.
	fresh          bool
	prepare        func(t testing.TB, e *env, a *actor)
	conductPending bool
	// placed: a candidate calls it as the world's placed candidate, who
	// has a check-in.
	placed bool
	// keeps: a success changes nothing the world's other requests rely
	// on. A success of any other non-GET request makes the next request
	// meet a new world.
	keeps bool
	// contentType is what a success is served as, for the routes outside
	// the OpenAPI document; every documented operation answers JSON.
	contentType string
	// requestType is the type the body is sent as when it is not JSON (a
	// file upload); the fuzzer also sends it as other types.
	requestType string
}

var (
	all       = []kind{anonymous, candidate, operator, orgAdmin, orgUser, badToken}
	people    = []kind{candidate, operator, orgAdmin, orgUser}
	staff     = []kind{operator, orgAdmin, orgUser}
	orgPeople = []kind{orgAdmin, orgUser}
	cand      = []kind{candidate}
	op        = []kind{operator}
	admin     = []kind{orgAdmin}
)

// A profile that passes every rule.
const profile = `{"first_name":"Jo","last_name":"Reid","date_of_birth":"1990-05-17","connection":"veteran","skills":["x"],"job_preferences":"y","region":"wales","heard_about":"event"}`

// seeds has a valid request for every route the handler serves. A route
// without one fails FuzzAPI, as does a seed for a route that is gone.
var seeds = map[string]seed{
	"GET /healthz":                  {ok: all},
	"GET /readyz":                   {ok: all},
	"GET /openapi.yaml":             {ok: all, contentType: "application/yaml"},
	"GET /register":                 {ok: all, contentType: "text/html"},
	"GET /register.js":              {ok: all, contentType: "text/javascript"},
	"GET /v1/consent-text":          {ok: all},
	"GET /v1/pledged-organisations": {ok: all},

	// Sessions and accounts. Public operations ignore the caller's token.
	"POST /v1/sessions":              {ok: all, keeps: true, body: `{"email":"{{email}}","password":"{{password}}"}`},
	"DELETE /v1/sessions/current":    {ok: people, fresh: true},
	"POST /v1/invitations":           {ok: op, keeps: true, body: `{"email":"{{unique}}","window_seconds":86400}`},
	"POST /v1/registration-requests": {ok: all, keeps: true, body: `{"email":"{{unique}}"}`},
	"POST /v1/registrations": {ok: all, keeps: true,
		body: `{"token":"{{registrationLink}}","password":"a long enough password","profile":` + profile + `,"consent":{"text_version":"{{consent}}","given":true}}`},
	"GET /v1/me":         {ok: people},
	"PUT /v1/me/profile": {ok: cand, keeps: true, body: profile},
	"POST /v1/account-invitations/acceptance": {ok: all, keeps: true, body: `{"token":"{{accountLink}}","password":"colleague password 1"}`},
	"POST /v1/password-resets":                {ok: all, keeps: true, body: `{"email":"{{unique}}"}`},
	"POST /v1/password-resets/completion":     {ok: all, keeps: true, body: `{"token":"{{resetLink}}","password":"a reset password 1"}`},
	"PUT /v1/me/password": {ok: people, fresh: true,
		body: `{"current_password":"{{password}}","new_password":"a changed password 1"}`},
	"POST /v1/me/mfa":              {ok: people, fresh: true},
	"POST /v1/me/mfa/confirmation": {ok: people, fresh: true, prepare: mfaStarted, body: `{"code":"{{totp}}"}`},
	"POST /v1/me/mfa/removal":      {ok: people, fresh: true, prepare: mfaOn, body: `{"code":"{{recovery}}"}`},

	// Organisations, their agreements and their people.
	"POST /v1/organisations": {ok: op, keeps: true,
		body: `{"name":"{{uniqueName}}","type":"trust","region":"north_west","pledged_on":"2026-10-01","active":true}`},
	"GET /v1/organisations":         {ok: op, query: "onboarding=completed&limit=2"},
	"GET /v1/organisations/{orgId}": {ok: staff},
	// The same name: A's users stay unsuspended.
	"PUT /v1/organisations/{orgId}": {ok: op,
		body: `{"name":"{{orgName}}","type":"trust","region":"london","pledged_on":"2026-10-01","active":true}`},
	"POST /v1/organisations/{orgId}/agreements": {ok: op,
		body: `{"version":"{{version}}","signed_name":"{{orgName}}","signatory_name":"Alex Morgan","signatory_role":"Head of Information Governance","signed_on":"{{today}}"}`},
	"GET /v1/organisations/{orgId}/agreements": {ok: staff},
	// Re-issuing needs an onboarding in progress: D's.
	"POST /v1/organisations/{orgId}/onboarding": {ok: op, body: `{"initial_admin":{"name":"Dee Hughes","email":"{{unique}}"}}`,
		params: map[string]func(*world, kind) string{"orgId": func(w *world, _ kind) string { return w.orgD.ID }}},
	"GET /v1/organisations/{orgId}/users": {ok: staff},
	// What A's spare user already is.
	"PUT /v1/organisations/{orgId}/users/{userId}": {ok: admin, body: `{"role":"org_user","disabled":false}`},
	"POST /v1/organisations/{orgId}/invitations":   {ok: admin, keeps: true, body: `{"name":"Chris Lee","email":"{{unique}}","role":"org_user"}`},
	"PUT /v1/organisations/{orgId}/mailbox":        {ok: admin, keeps: true, body: `{"email":"{{unique}}"}`},
	"POST /v1/mailbox-verifications":               {ok: all, keeps: true, body: `{"token":"{{mailboxLink}}"}`},
	"GET /v1/agreement-versions":                   {ok: op},
	"POST /v1/agreement-versions":                  {ok: op, keeps: true, body: `{"version":"{{uniqueVersion}}"}`},
	// The version nobody signed: retiring it suspends nobody.
	"POST /v1/agreement-versions/{version}/retirement": {ok: op},
	"GET /v1/code-of-conduct":                          {ok: staff},
	"POST /v1/code-of-conduct/acceptance":              {ok: orgPeople, fresh: true, conductPending: true, body: `{"version":"{{conduct}}"}`},
	"GET /v1/audit-events":                             {ok: op, query: "org_id={{org}}&since=2026-01-01T00:00:00Z&limit=5"},
	"GET /v1/audit-events/verification":                {ok: op},
	"GET /v1/login-events":                             {ok: op, query: "since=2026-01-01T00:00:00Z&limit=5"},

	// A candidate's own record and choices.
	"GET /v1/me/interests":  {ok: cand},
	"POST /v1/me/interests": {ok: cand, keeps: true, body: `{"org_ids":["{{orgB}}"]}`},
	// The candidate takes B back and keeps A.
	"DELETE /v1/me/interests/{orgId}": {ok: cand,
		params: map[string]func(*world, kind) string{"orgId": func(w *world, _ kind) string { return w.orgB.ID }}},
	"PUT /v1/me/consent":     {ok: cand, fresh: true, body: `{"text_version":"{{consent}}","given":true}`},
	"POST /v1/me/withdrawal": {ok: cand, fresh: true},

	// What an organisation sees of the candidates who chose it.
	"GET /v1/organisations/{orgId}/candidates": {ok: staff,
		query: "region=wales&state=interested&state=contacted&skill=first&sort=oldest&since=2026-01-01T00:00:00Z&limit=5"},
	"GET /v1/organisations/{orgId}/candidates/{candidateId}":                {ok: staff},
	"POST /v1/organisations/{orgId}/candidates/{candidateId}/interventions": {ok: orgPeople, body: `{"kind":"contacted","on":"{{today}}"}`},

	// Threads, reports and moderation.
	"GET /v1/me/threads":                                                   {ok: cand},
	"GET /v1/me/threads/{orgId}/messages":                                  {ok: cand, query: "limit=5"},
	"POST /v1/me/threads/{orgId}/messages":                                 {ok: cand, keeps: true, body: `{"body":"Hello from the fuzzer"}`},
	"PUT /v1/me/threads/{orgId}/messages/read":                             {ok: cand, keeps: true},
	"GET /v1/organisations/{orgId}/threads":                                {ok: orgPeople, query: "limit=5"},
	"GET /v1/organisations/{orgId}/candidates/{candidateId}/messages":      {ok: orgPeople, query: "limit=5"},
	"POST /v1/organisations/{orgId}/candidates/{candidateId}/messages":     {ok: orgPeople, keeps: true, body: `{"body":"Hello from the fuzzer"}`},
	"PUT /v1/organisations/{orgId}/candidates/{candidateId}/messages/read": {ok: orgPeople, keeps: true},
	// Each side reports what the other wrote (see paramDefaults).
	"POST /v1/messages/{messageId}/reports":           {ok: []kind{candidate, orgAdmin, orgUser}, keeps: true, body: `{"reason":"spam"}`},
	"GET /v1/moderation/reports":                      {ok: op, query: "limit=5"},
	"POST /v1/moderation/reports/{reportId}/decision": {ok: op, body: `{"action":"dismiss"}`},

	// Check-ins after a placement, and spot checks of registrations.
	"GET /v1/me/follow-ups":                       {ok: cand, placed: true},
	"POST /v1/me/follow-ups/{followUpId}/answer":  {ok: cand, placed: true, body: `{"still_in_post":true}`},
	"GET /v1/spot-checks":                         {ok: op, query: "limit=5"},
	"POST /v1/spot-checks/{spotCheckId}/decision": {ok: op, body: `{"outcome":"verified"}`},

	// The privacy engine: a candidate's export, access log, consent, data
	// requests and erasure (which signs them out: a new candidate each
	// time); the operator's erasure of the world's erasable candidate, the
	// register of data requests (the world's one is the candidate's), the
	// retention schedule (the session's period set to what it is) and the
	// consent wording (any published version stays one a candidate may
	// agree to).
	"GET /v1/me/export":         {ok: cand, query: "format=csv"},
	"GET /v1/me/access":         {ok: cand, query: "limit=5"},
	"GET /v1/me/consent":        {ok: cand},
	"GET /v1/me/data-requests":  {ok: cand},
	"POST /v1/me/data-requests": {ok: cand, fresh: true, body: `{"kind":"subject_access"}`}, // one open at a time: a new candidate each time
	"POST /v1/me/erasure":       {ok: cand, fresh: true},
	"POST /v1/candidates/{candidateId}/erasure": {ok: op, keeps: true,
		params: map[string]func(*world, kind) string{"candidateId": func(w *world, _ kind) string { return w.erasable }}},
	"GET /v1/data-requests":                        {ok: op, query: "answered=true&limit=5"},
	"POST /v1/data-requests":                       {ok: op, keeps: true, body: `{"candidate_id":"{{erasable}}","kind":"subject_access"}`},
	"GET /v1/data-requests/{requestId}":            {ok: op},
	"GET /v1/data-requests/{requestId}/export":     {ok: op, query: "format=xlsx"},
	"POST /v1/data-requests/{requestId}/extension": {ok: op, body: `{"months":1,"reason":"Several years of messages"}`},
	"POST /v1/data-requests/{requestId}/answer":    {ok: op},
	"GET /v1/information-requests":                 {ok: op, query: "limit=5"},
	"POST /v1/information-requests":                {ok: op, keeps: true, body: `{"requester":"academic","who":"University of Northshire","purpose":"A dissertation","asked":"The funnel"}`},
	"POST /v1/information-requests/{requestId}/decision": {ok: op, body: `{"action":"deny","reason":"Out of scope"}`,
		params: map[string]func(w *world, k kind) string{"requestId": func(w *world, _ kind) string { return w.infoRequest }}},
	"GET /v1/information-requests/{requestId}/release": {ok: op, query: "format=xlsx",
		params: map[string]func(w *world, k kind) string{"requestId": func(w *world, _ kind) string { return w.infoSupplied }}},
	"GET /v1/organisations/{orgId}/rosters": {ok: []kind{operator, orgAdmin}, query: "limit=5"},
	"POST /v1/organisations/{orgId}/rosters": {ok: []kind{operator, orgAdmin}, keeps: true, requestType: "text/csv",
		body: "name,email,connection,consent\nJo Reid,{{unique}},veteran,by email\n"},
	"GET /v1/organisations/{orgId}/rosters/{importId}/problems":  {ok: []kind{operator, orgAdmin}, query: "format=csv"},
	"POST /v1/organisations/{orgId}/rosters/{importId}/decision": {ok: []kind{operator, orgAdmin}, body: `{"action":"discard"}`},
	"GET /v1/reports/follow-ups":                                 {ok: staff, query: "from=2026-01&to=2026-12"},
	"GET /v1/organisations/{orgId}/reports/follow-ups":           {ok: staff, query: "to=2026-12"},
	"GET /v1/reports/programme":                                  {ok: op},
	"GET /v1/reports/funnel":                                     {ok: staff, query: "from=2026-01&to=2026-12"},
	"GET /v1/organisations/{orgId}/reports/funnel":               {ok: staff, query: "from=2026-01&to=2026-12&format=csv"},
	"GET /v1/reports/breakdown":                                  {ok: staff, query: "by=region&from=2026-01&to=2026-12"},
	"GET /v1/retention-schedule":                                 {ok: op},
	"PUT /v1/retention-schedule/{category}":                      {ok: op, keeps: true, body: `{"keep_days":30}`},
	"POST /v1/consent-texts":                                     {ok: op, keeps: true, body: `{"version":"{{uniqueVersion}}","body":"I agree to share my record."}`},
}

// paramDefaults names what each path parameter names in a route's seed:
// organisation A, its spare user, the unsigned agreement version, the
// candidate who chose A, the message of the other side of the caller's
// thread, the world's open report, check-in, spot check and data request,
// and the session's retention category. A path parameter without an entry
// fails FuzzAPI.
var paramDefaults = map[string]func(w *world, k kind) string{
	"orgId":       func(w *world, _ kind) string { return w.orgA.ID },
	"userId":      func(w *world, _ kind) string { return w.spare.ID },
	"version":     func(w *world, _ kind) string { return w.spareVersion },
	"candidateId": func(w *world, _ kind) string { return w.seen },
	"messageId": func(w *world, k kind) string {
		if k == candidate {
			return w.orgMessage
		}
		return w.candMessage
	},
	"reportId":    func(w *world, _ kind) string { return w.report },
	"followUpId":  func(w *world, _ kind) string { return w.followUp },
	"spotCheckId": func(w *world, _ kind) string { return w.spotCheck },
	"requestId":   func(w *world, _ kind) string { return w.dataRequest },
	"category":    func(*world, kind) string { return string(sim.RetainSession) },
	"importId":    func(w *world, _ kind) string { return w.roster },
}
