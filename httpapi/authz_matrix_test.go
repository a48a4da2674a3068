package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/sim"
)

// The authorisation matrix: every route the router has, called as every
// kind of caller, against the answer written down here by hand from the
// OpenAPI document and the rules in sim. A route the router has and the
// matrix has not (or the other way round) fails the test, so a new route
// cannot ship without its row. Every access to another organisation's
// object must answer exactly as a missing object does, byte for byte, and
// change nothing in the database.

// mxKind is a kind of caller.
type mxKind int

const (
	mxAnon       mxKind = iota // no session
	mxCandidate                // a registered candidate
	mxOperator                 // the programme operator
	mxAdminA                   // an administrator of organisation A
	mxUserA                    // an org_user of A
	mxPendingA                 // an org_user of A who has not accepted the code of conduct
	mxAdminB                   // an administrator of organisation B: everything of A is another organisation's
	mxSuspendedC               // the administrator of C, suspended since the operator renamed C
	mxKinds
)

var mxKindNames = [mxKinds]string{"anonymous", "candidate", "operator", "admin_A", "user_A", "pending_A", "admin_B", "suspended_C"}

func (k mxKind) String() string { return mxKindNames[k] }

// mxWant is an expected answer: the status and, for an error, its code.
type mxWant struct {
	status int
	code   string
}

func (w mxWant) String() string {
	if w.code == "" {
		return fmt.Sprint(w.status)
	}
	return fmt.Sprintf("%d %s", w.status, w.code)
}

func (w mxWant) success() bool { return w.status >= 200 && w.status < 300 }

var (
	mxU = mxWant{http.StatusUnauthorized, "unauthorized"}
	mxF = mxWant{http.StatusForbidden, "forbidden"}
	mxR = mxWant{http.StatusForbidden, "agreement_name_mismatch"}
	mxC = mxWant{http.StatusForbidden, "code_of_conduct_not_accepted"}
	mxN = mxWant{http.StatusNotFound, "not_found"}

	mx200 = mxWant{status: http.StatusOK}
	mx201 = mxWant{status: http.StatusCreated}
	mx202 = mxWant{status: http.StatusAccepted}
	mx204 = mxWant{status: http.StatusNoContent}
)

// mxAll is the same answer for every caller.
func mxAll(w mxWant) [mxKinds]mxWant {
	var out [mxKinds]mxWant
	for i := range out {
		out[i] = w
	}
	return out
}

// mxTarget is what a route's path parameters name, and whether the call
// probes another organisation (then a body that would do harm if the
// call got through).
type mxTarget struct {
	org, orgName, user, version, candidate, message, report, followUp, spotCheck, request, category, roster string
	probe                                                                                                   bool
}

// mxRow is one route's line of the matrix.
type mxRow struct {
	// want is the answer for each kind of caller, in mxKind order.
	want [mxKinds]mxWant
	// body is a valid request body, or nil for none.
	body func(f *mxFixture, c *mxCaller, tg mxTarget) any
	// target overrides the default target (organisation A, A's spare
	// user, the spare agreement version) for the matrix's own calls.
	target func(f *mxFixture) mxTarget
	// devOnly: mounted only with Config.DevPages.
	devOnly bool
	// query is appended to the path, for a route with a required query
	// parameter ("?by=region").
	query string
	// csv, when set, is the body instead, sent as text/csv.
	csv func(f *mxFixture) string
	// after, when set, records what a successful answer gave the caller.
	after func(c *mxCaller, r teststack.Response)
	// stage orders a caller's calls: those that change how the caller
	// signs in (1: password, two-factor sign-in, in route order) come
	// after the calls that sign in again; the one that lifts its own
	// restriction (2) comes after those; the one that closes the
	// caller's record (3) after that, and the one that erases the caller
	// and ends their sessions (4) last of all.
	stage int
}

// mxMatrix is the expected answer of every route for every caller, in
// mxKind order: anonymous, candidate, operator, admin of A, user of A,
// user of A yet to accept the code of conduct, admin of B (for whom A's
// objects are another organisation's), suspended admin of C. Path
// parameters name A, A's spare user and the spare agreement version
// unless a row says otherwise. Public operations ignore the caller's
// token, so they answer every caller alike. A role refused an operation
// outright is refused (403 forbidden) before any restriction of its
// organisation is looked at, as sim.Authorize decides.
var mxMatrix = map[string]mxRow{
	"GET /healthz":                  {want: mxAll(mx200)},
	"GET /readyz":                   {want: mxAll(mx200)},
	"GET /openapi.yaml":             {want: mxAll(mx200)},
	"GET /register":                 {want: mxAll(mx200), devOnly: true},
	"GET /register.js":              {want: mxAll(mx200), devOnly: true},
	"GET /v1/consent-text":          {want: mxAll(mx200)},
	"GET /v1/pledged-organisations": {want: mxAll(mx200)},
	"POST /v1/sessions": {want: mxAll(mx201), body: func(f *mxFixture, c *mxCaller, _ mxTarget) any {
		email, pw := c.email, c.password
		if email == "" {
			// Someone not signed in signs in to an account of their own:
			// the operator's password changes in a parallel subtest.
			email, pw = mxSignInEmail, mxSignInPassword
		}
		return map[string]any{"email": email, "password": pw}
	}},
	"DELETE /v1/sessions/current": {want: [mxKinds]mxWant{mxU, mx204, mx204, mx204, mx204, mx204, mx204, mx204}},
	"POST /v1/invitations": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"email": f.unique("invitee", "example.org"), "window_seconds": 86400}
		}},
	"POST /v1/registration-requests": {want: mxAll(mx202), body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
		return map[string]any{"email": f.unique("self", "example.org")}
	}},
	"POST /v1/registrations": {want: mxAll(mx201), body: func(f *mxFixture, c *mxCaller, _ mxTarget) any {
		return teststack.Registration(f.registrationLinks[c.kind])
	}},
	// Reading oneself works under any restriction, which the answer names.
	"GET /v1/me": {want: [mxKinds]mxWant{mxU, mx200, mx200, mx200, mx200, mx200, mx200, mx200}},
	"PUT /v1/me/profile": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any {
			p := teststack.Profile()
			p["region"] = "london"
			return p
		}},
	"POST /v1/organisations": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any { return orgDetails(f.unique("Matrix Trust", "")) }},
	"GET /v1/organisations":         {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/organisations/{orgId}": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"PUT /v1/organisations/{orgId}": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		body: func(_ *mxFixture, _ *mxCaller, tg mxTarget) any {
			d := orgDetails(tg.orgName) // the same name: A's users stay unsuspended
			d["region"] = "london"
			if tg.probe {
				d["name"], d["active"] = tg.orgName+" Renamed", false
			}
			return d
		}},
	"POST /v1/organisations/{orgId}/agreements": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(_ *mxFixture, _ *mxCaller, tg mxTarget) any {
			return map[string]any{
				"version": "2026-dsa-v1", "signed_name": tg.orgName, "signatory_name": "Alex Morgan",
				"signatory_role": "Head of Information Governance", "signed_on": "2026-11-19",
			}
		}},
	"GET /v1/organisations/{orgId}/agreements": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	// Re-issuing needs an onboarding in progress: organisation D's.
	"POST /v1/organisations/{orgId}/onboarding": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { return mxTarget{org: f.orgD, orgName: f.nameD} },
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"initial_admin": map[string]any{"name": "Dee Hughes", "email": f.unique("dee", "d.example")}}
		}},
	"GET /v1/organisations/{orgId}/users": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"PUT /v1/organisations/{orgId}/users/{userId}": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx200, mxF, mxF, mxN, mxR},
		body: func(_ *mxFixture, _ *mxCaller, tg mxTarget) any {
			if tg.probe {
				return map[string]any{"role": "org_admin", "disabled": true}
			}
			return map[string]any{"role": "org_user", "disabled": false} // what A's spare user is already
		}},
	"POST /v1/organisations/{orgId}/invitations": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx201, mxF, mxF, mxN, mxR},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"name": "Chris Lee", "email": f.unique("colleague", "a.example"), "role": "org_user"}
		}},
	"PUT /v1/organisations/{orgId}/mailbox": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx200, mxF, mxF, mxN, mxR},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"email": f.unique("recruitment", "a.example")}
		}},
	// A link nobody was sent: the same answer for everyone, signed in or
	// not (the route is public; the link is the credential).
	"POST /v1/mailbox-verifications": {want: mxAll(mxN), body: func(*mxFixture, *mxCaller, mxTarget) any {
		return map[string]any{"token": "bm90LWEtbGluay1hbnlvbmUtd2FzLXNlbnQtMTIzNA"}
	}},
	"POST /v1/account-invitations/acceptance": {want: mxAll(mx201), body: func(f *mxFixture, c *mxCaller, _ mxTarget) any {
		return map[string]any{"token": f.accountLinks[c.kind], "password": "colleague password 1"}
	}},
	"GET /v1/agreement-versions": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/agreement-versions": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"version": strings.ReplaceAll(f.unique("matrix-v", ""), " ", "")}
		}},
	// The version is one no organisation signed: retiring it suspends nobody.
	"POST /v1/agreement-versions/{version}/retirement": {want: [mxKinds]mxWant{mxU, mxF, mx204, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/code-of-conduct":                          {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mx200, mx200, mxR}},
	"POST /v1/code-of-conduct/acceptance": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx200, mx200, mx200, mx200, mxR}, stage: 2,
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any { return map[string]any{"version": f.conduct} }},
	"POST /v1/password-resets": {want: mxAll(mx202), body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
		return map[string]any{"email": f.unique("forgetful", "example.org")}
	}},
	"POST /v1/password-resets/completion": {want: mxAll(mx204), body: func(f *mxFixture, c *mxCaller, _ mxTarget) any {
		return map[string]any{"token": f.resetLinks[c.kind], "password": "a reset password 1"}
	}},
	// Two-factor sign-in: on with a code of the new secret, off with a
	// recovery code, before the password changes.
	"POST /v1/me/mfa": {want: [mxKinds]mxWant{mxU, mx201, mx201, mx201, mx201, mxC, mx201, mxR}, stage: 1,
		after: func(c *mxCaller, r teststack.Response) { c.mfaSecret = r.Body["secret"].(string) }},
	"POST /v1/me/mfa/confirmation": {want: [mxKinds]mxWant{mxU, mx200, mx200, mx200, mx200, mxC, mx200, mxR}, stage: 1,
		body: func(_ *mxFixture, c *mxCaller, _ mxTarget) any {
			code := "000000" // no secret: the call is refused before the code is read
			if c.mfaSecret != "" {
				var err error
				if code, err = db.TOTPCode(c.mfaSecret, time.Now()); err != nil {
					panic(err)
				}
			}
			return map[string]any{"code": code}
		},
		after: func(c *mxCaller, r teststack.Response) {
			for _, rc := range r.Body["recovery_codes"].([]any) {
				c.recoveryCodes = append(c.recoveryCodes, rc.(string))
			}
		}},
	"POST /v1/me/mfa/removal": {want: [mxKinds]mxWant{mxU, mx204, mx204, mx204, mx204, mxC, mx204, mxR}, stage: 1,
		body: func(_ *mxFixture, c *mxCaller, _ mxTarget) any {
			if len(c.recoveryCodes) == 0 {
				return map[string]any{"code": "000000"}
			}
			return map[string]any{"code": c.recoveryCodes[0]}
		}},
	// Ends the caller's other sessions: after those calls that sign in
	// again.
	"PUT /v1/me/password": {want: [mxKinds]mxWant{mxU, mx204, mx204, mx204, mx204, mxC, mx204, mxR}, stage: 1,
		body: func(_ *mxFixture, c *mxCaller, _ mxTarget) any {
			current := c.password
			if current == "" {
				current = "no account of mine" // anonymous
			}
			return map[string]any{"current_password": current, "new_password": current + " changed"}
		}},
	"GET /v1/audit-events":              {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/audit-events/verification": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/login-events":              {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	// The candidate caller chose B (only): it re-chooses B, takes B back,
	// and leaves the programme last of all.
	"GET /v1/me/interests": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/me/interests": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any { return map[string]any{"org_ids": []string{f.orgB}} }},
	"DELETE /v1/me/interests/{orgId}": {want: [mxKinds]mxWant{mxU, mx204, mxF, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.org = f.orgB; return t }},
	"PUT /v1/me/consent": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any {
			return map[string]any{"text_version": "2026-11-share-v1", "given": true}
		}},
	"POST /v1/me/withdrawal": {want: [mxKinds]mxWant{mxU, mx204, mxF, mxF, mxF, mxF, mxF, mxF}, stage: 3},
	// The privacy engine. The candidate caller downloads their data, reads
	// who accessed it, makes a data request, reads their consent, and is
	// erased last of all: that ends their sessions. The operator erases a
	// candidate kept for it (a candidate may name only themselves), logs,
	// reads, extends and exports one data request about the candidate who
	// chose A and answers another, changes the session's period to what
	// it is and publishes a consent wording; nobody else may.
	"GET /v1/me/export":        {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/me/access":        {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/me/consent":       {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/me/data-requests": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/me/data-requests": {want: [mxKinds]mxWant{mxU, mx201, mxF, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"kind": "subject_access"} }},
	"POST /v1/me/erasure": {want: [mxKinds]mxWant{mxU, mx202, mxF, mxF, mxF, mxF, mxF, mxF}, stage: 4},
	"POST /v1/candidates/{candidateId}/erasure": {want: [mxKinds]mxWant{mxU, mxN, mx202, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.candidate = f.erasable; return t }},
	"GET /v1/data-requests": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/data-requests": {want: [mxKinds]mxWant{mxU, mxN, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"candidate_id": f.requester, "kind": "subject_access"}
		}},
	"GET /v1/data-requests/{requestId}":        {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/data-requests/{requestId}/export": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/data-requests/{requestId}/extension": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any {
			return map[string]any{"months": 1, "reason": "The request covers several years of messages."}
		}},
	"POST /v1/data-requests/{requestId}/answer": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.request = f.answerable; return t }},
	// The programme's figures (released under disclosure control to an
	// organisation's users), and an organisation's own beside them: another
	// organisation's answer as a missing one.
	// The register of information requests: the operator's alone. The
	// matrix logs a request for each caller that may, and decides it.
	"GET /v1/information-requests": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/information-requests": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any {
			return map[string]any{"requester": "academic", "who": "University of Northshire", "purpose": "A dissertation", "asked": "The funnel"}
		}},
	"POST /v1/information-requests/{requestId}/decision": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any {
			return map[string]any{"action": "deny", "reason": "Out of scope"}
		},
		target: func(f *mxFixture) mxTarget { tg := f.defaultTarget(); tg.request = f.infoRequest; return tg }},
	"GET /v1/information-requests/{requestId}/release": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { tg := f.defaultTarget(); tg.request = f.suppliedInfoRequest; return tg }},
	"GET /v1/reports/follow-ups":                       {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mx200, mxR}},
	"GET /v1/organisations/{orgId}/reports/follow-ups": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"GET /v1/organisations/{orgId}/rosters":            {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mxF, mxF, mxN, mxR}},
	"POST /v1/organisations/{orgId}/rosters": {want: [mxKinds]mxWant{mxU, mxF, mx201, mx201, mxF, mxF, mxN, mxR},
		csv: func(f *mxFixture) string {
			return "name,email,connection,consent\nJo Reid," + f.unique("roster", "example.org") + ",veteran,by email\n"
		}},
	"GET /v1/organisations/{orgId}/rosters/{importId}/problems": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mxF, mxF, mxN, mxR}},
	"POST /v1/organisations/{orgId}/rosters/{importId}/decision": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mxF, mxF, mxN, mxR},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"action": "discard"} },
		// Each caller decides a roster of its own: a decided one is 409.
		target: func(f *mxFixture) mxTarget { tg := f.defaultTarget(); tg.roster = <-f.rosters; return tg }},
	"GET /v1/reports/programme":                    {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/reports/funnel":                       {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mx200, mxR}},
	"GET /v1/organisations/{orgId}/reports/funnel": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"GET /v1/reports/breakdown":                    {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mx200, mxR}, query: "?by=organisation"},
	"GET /v1/retention-schedule":                   {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"PUT /v1/retention-schedule/{category}": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"keep_days": 30} }},
	"POST /v1/consent-texts": {want: [mxKinds]mxWant{mxU, mxF, mx201, mxF, mxF, mxF, mxF, mxF},
		body: func(f *mxFixture, _ *mxCaller, _ mxTarget) any {
			return map[string]any{"version": strings.ReplaceAll(f.unique("matrix-consent-v", ""), " ", ""), "body": "I agree to share my record."}
		}},
	// The candidate these name chose A only, and never calls anything.
	"GET /v1/organisations/{orgId}/candidates":               {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"GET /v1/organisations/{orgId}/candidates/{candidateId}": {want: [mxKinds]mxWant{mxU, mxF, mx200, mx200, mx200, mxC, mxN, mxR}},
	"POST /v1/organisations/{orgId}/candidates/{candidateId}/interventions": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx201, mx201, mxC, mxN, mxR},
		body: func(_ *mxFixture, _ *mxCaller, tg mxTarget) any {
			if tg.probe {
				return map[string]any{"kind": "not_progressed", "on": time.Now().Format(time.DateOnly), "reason": "other"}
			}
			return map[string]any{"kind": "contacted", "on": time.Now().Format(time.DateOnly)}
		}},
	// Threads. The candidate caller reads and writes its thread with B
	// (taken back and chosen again by the time it writes); A's people,
	// theirs with the candidate who chose A. A candidate never names
	// another's thread: their own routes name only an organisation.
	"GET /v1/me/threads": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"GET /v1/me/threads/{orgId}/messages": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.org = f.orgB; return t }},
	"POST /v1/me/threads/{orgId}/messages": {want: [mxKinds]mxWant{mxU, mx201, mxF, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.org = f.orgB; return t },
		body:   func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"body": "Hello from the matrix"} }},
	"PUT /v1/me/threads/{orgId}/messages/read": {want: [mxKinds]mxWant{mxU, mx204, mxF, mxF, mxF, mxF, mxF, mxF},
		target: func(f *mxFixture) mxTarget { t := f.defaultTarget(); t.org = f.orgB; return t }},
	"GET /v1/organisations/{orgId}/threads":                           {want: [mxKinds]mxWant{mxU, mxF, mxF, mx200, mx200, mxC, mxN, mxR}},
	"GET /v1/organisations/{orgId}/candidates/{candidateId}/messages": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx200, mx200, mxC, mxN, mxR}},
	"POST /v1/organisations/{orgId}/candidates/{candidateId}/messages": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx201, mx201, mxC, mxN, mxR},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"body": "Hello from the matrix"} }},
	"PUT /v1/organisations/{orgId}/candidates/{candidateId}/messages/read": {want: [mxKinds]mxWant{mxU, mxF, mxF, mx204, mx204, mxC, mxN, mxR}},
	// The message the candidate who chose A wrote to A: A's people may
	// report it, each once; nobody else can read it.
	"POST /v1/messages/{messageId}/reports": {want: [mxKinds]mxWant{mxU, mxN, mxF, mx201, mx201, mxC, mxN, mxR},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"reason": "spam"} }},
	// Check-ins: the candidate caller has none; the one named is another
	// candidate's, placed by B.
	"GET /v1/me/follow-ups": {want: [mxKinds]mxWant{mxU, mx200, mxF, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/me/follow-ups/{followUpId}/answer": {want: [mxKinds]mxWant{mxU, mxN, mxF, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"still_in_post": false} }},
	// The spot check of a registration a rule flagged.
	"GET /v1/spot-checks": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/spot-checks/{spotCheckId}/decision": {want: [mxKinds]mxWant{mxU, mxF, mx204, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"outcome": "verified"} }},
	"GET /v1/moderation/reports": {want: [mxKinds]mxWant{mxU, mxF, mx200, mxF, mxF, mxF, mxF, mxF}},
	"POST /v1/moderation/reports/{reportId}/decision": {want: [mxKinds]mxWant{mxU, mxF, mx204, mxF, mxF, mxF, mxF, mxF},
		body: func(*mxFixture, *mxCaller, mxTarget) any { return map[string]any{"action": "dismiss"} }},
}

// mxCaller is one caller: its session token (none for anonymous) and
// what it signs in with.
type mxCaller struct {
	kind            mxKind
	token           string
	email, password string
	org             string // its organisation, for the org roles
	userID          string // its account, for the org roles
	// Its two-factor secret and recovery codes, once the matrix's calls
	// have set them up.
	mfaSecret     string
	recoveryCodes []string
}

// mxFixture is the world the matrix runs in.
// The account the caller with no session signs in to.
const (
	mxSignInEmail    = "signs-in@example.org"
	mxSignInPassword = "signs in password 1"
)

type mxFixture struct {
	s                          *teststack.Stack
	callers                    [mxKinds]*mxCaller
	orgA, orgB, orgC, orgD     string
	nameA, nameB, nameC, nameD string
	spareA                     string      // a user of A whom the matrix's calls change
	spareVersion               string      // an agreement version nobody signed
	seen                       string      // a candidate who chose A only
	chooser                    string      // the candidate caller, who chose B only
	seenMessage                string      // what the candidate who chose A wrote to A
	messageB                   string      // what the candidate caller wrote to B
	report                     string      // that candidate's report of A's reply
	followUp                   string      // a check-in of a candidate B placed
	spotCheck                  string      // the spot check of a flagged registration
	erasable                   string      // a registered candidate the operator erases
	dataRequest                string      // a data request about the candidate who chose A
	infoRequest                string      // an information request, open
	suppliedInfoRequest        string      // an information request, supplied with a release
	rosterA                    string      // a roster A's admin uploaded
	rosters                    chan string // more of A's, one for each caller to decide
	answerable                 string      // another candidate's, which the operator answers
	requester                  string      // a candidate with no data request, for the operator to log one
	conduct                    string      // the current code of conduct's version
	registrationLinks          [mxKinds]string
	accountLinks               [mxKinds]string
	resetLinks                 [mxKinds]string // each for a spare account of its own
	seq                        atomic.Int64
}

// unique returns a fresh name: an address at domain, or a name when
// domain is empty.
func (f *mxFixture) unique(prefix, domain string) string {
	n := f.seq.Add(1)
	if domain == "" {
		return fmt.Sprintf("%s %d", prefix, n)
	}
	return fmt.Sprintf("%s-%d@%s", prefix, n, domain)
}

// defaultTarget is organisation A, its spare user and the spare version.
func (f *mxFixture) defaultTarget() mxTarget {
	return mxTarget{org: f.orgA, orgName: f.nameA, user: f.spareA, version: f.spareVersion, candidate: f.seen, message: f.seenMessage, report: f.report, followUp: f.followUp, spotCheck: f.spotCheck,
		request: f.dataRequest, category: string(sim.RetainSession), roster: f.rosterA}
}

// path fills pattern's parameters from tg.
func (tg mxTarget) path(pattern string) string {
	return strings.NewReplacer("{orgId}", tg.org, "{userId}", tg.user, "{version}", tg.version, "{candidateId}", tg.candidate,
		"{messageId}", tg.message, "{reportId}", tg.report, "{followUpId}", tg.followUp, "{spotCheckId}", tg.spotCheck,
		"{requestId}", tg.request, "{category}", tg.category, "{importId}", tg.roster).Replace(pattern)
}

// call makes route's call as c against tg.
func (f *mxFixture) call(t *testing.T, route string, row mxRow, c *mxCaller, tg mxTarget) teststack.Response {
	t.Helper()
	method, pattern, _ := strings.Cut(route, " ")
	var body []byte
	if row.body != nil {
		var err error
		if body, err = json.Marshal(row.body(f, c, tg)); err != nil {
			t.Fatal(err)
		}
	}
	if row.csv != nil {
		return f.s.DoWithHeaders(t, method, tg.path(pattern)+row.query, c.token, []byte(row.csv(f)), http.Header{"Content-Type": {"text/csv"}})
	}
	return f.s.Do(t, method, tg.path(pattern)+row.query, c.token, body)
}

const mxMailWait = 30 * time.Second

// accountLink has A's or another organisation's admin invite email as an
// org_user and returns the link's token.
func (f *mxFixture) accountLink(t *testing.T, adminToken, orgID, email string) string {
	t.Helper()
	r := f.s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/invitations", adminToken, map[string]any{
		"name": "Chris Lee", "email": email, "role": "org_user",
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	return f.s.SMTP.WaitFor(t, email, mxMailWait).Token(t)
}

// colleague invites email to orgID, sets the account up and returns the
// new user's ID.
func (f *mxFixture) colleague(t *testing.T, adminToken, orgID, email, password string) string {
	t.Helper()
	token := f.accountLink(t, adminToken, orgID, email)
	r := f.s.JSON(t, http.MethodPost, "/v1/account-invitations/acceptance", "", map[string]any{"token": token, "password": password})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	return r.Body["user_id"].(string)
}

// registrationLink has the operator invite email and returns the link's
// token.
func (f *mxFixture) registrationLink(t *testing.T, op, email string) string {
	t.Helper()
	r := f.s.JSON(t, http.MethodPost, "/v1/invitations", op, map[string]any{"email": email})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	return f.s.SMTP.WaitFor(t, email, mxMailWait).Token(t)
}

// choose has the candidate signed in with token choose orgID and returns
// the candidate's ID.
func (f *mxFixture) choose(t *testing.T, token, orgID string) string {
	t.Helper()
	r := f.s.JSON(t, http.MethodPost, "/v1/me/interests", token, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	me := f.s.Do(t, http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Raw))
	return me.Body["candidate"].(map[string]any)["id"].(string)
}

// newMxFixture builds the world: organisations A and B onboarded, C
// onboarded then renamed, D with its onboarding in progress; a user of A,
// one who has not accepted the code of conduct and a spare one; a
// candidate; and, for each caller, a registration link, an account link
// and a password reset link (of a spare account) of its own to use.
func newMxFixture(t *testing.T, s *teststack.Stack) *mxFixture {
	t.Helper()
	f := &mxFixture{s: s}
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	_, err := s.Store.EnsureOperator(context.Background(), mxSignInEmail, mxSignInPassword, time.Now())
	require.NoError(t, err)
	const adminPassword = "admin password 123" // what onboard sets
	f.nameA, f.nameB, f.nameC, f.nameD = "Matrix A NHS Trust", "Matrix B NHS Trust", "Matrix C NHS Trust", "Matrix D NHS Trust"
	var adminA, adminB, adminC string
	f.orgA, adminA = onboard(t, s, op, f.nameA, "admin@a.example")
	f.orgB, adminB = onboard(t, s, op, f.nameB, "admin@b.example")
	f.orgC, adminC = onboard(t, s, op, f.nameC, "admin@c.example")

	// C is renamed: its users are suspended.
	f.nameC = "Matrix C NHS Foundation Trust"
	r := s.JSON(t, http.MethodPut, "/v1/organisations/"+f.orgC, op, orgDetails(f.nameC))
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "agreement_name_mismatch", restrictionOf(t, userOf(t, s.Do(t, http.MethodGet, "/v1/me", adminC, nil))))

	// D's initial administrator has not answered yet.
	r = s.JSON(t, http.MethodPost, "/v1/organisations", op, orgDetails(f.nameD))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.orgD = r.Body["id"].(string)
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+f.orgD+"/agreements", op, map[string]any{
		"version": "2026-dsa-v1", "signed_name": f.nameD, "signatory_name": "Dee Hughes",
		"signatory_role": "Caldicott Guardian", "signed_on": "2026-11-18",
		"initial_admin": map[string]any{"name": "Dee Hughes", "email": "admin@d.example"},
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	s.SMTP.WaitFor(t, "admin@d.example", mxMailWait)

	const colleaguePassword = "colleague password 1"
	f.colleague(t, adminA, f.orgA, "user@a.example", colleaguePassword)
	f.colleague(t, adminA, f.orgA, "pending@a.example", colleaguePassword)
	f.spareA = f.colleague(t, adminA, f.orgA, "spare@a.example", colleaguePassword)
	userA := s.Login(t, "user@a.example", colleaguePassword)
	pendingA := s.Login(t, "pending@a.example", colleaguePassword)
	c := s.Do(t, http.MethodGet, "/v1/code-of-conduct", userA, nil)
	require.Equal(t, http.StatusOK, c.Status, string(c.Raw))
	f.conduct = c.Body["version"].(string)
	r = s.JSON(t, http.MethodPost, "/v1/code-of-conduct/acceptance", userA, map[string]any{"version": f.conduct})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))

	candToken := f.registrationLink(t, op, "candidate@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(candToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	const candidatePassword = "a very good passphrase" // what teststack.Registration sets
	candidate := s.Login(t, "candidate@example.org", candidatePassword)
	f.chooser = f.choose(t, candidate, f.orgB)
	r = s.JSON(t, http.MethodPost, "/v1/me/threads/"+f.orgB+"/messages", candidate, map[string]any{"body": "Hello B"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.messageB = r.Body["id"].(string)
	seenToken := f.registrationLink(t, op, "seen@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(seenToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	seen := s.Login(t, "seen@example.org", candidatePassword)
	f.seen = f.choose(t, seen, f.orgA)
	r = s.JSON(t, http.MethodPost, "/v1/me/threads/"+f.orgA+"/messages", seen, map[string]any{"body": "Hello A"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.seenMessage = r.Body["id"].(string)
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+f.orgA+"/candidates/"+f.seen+"/messages", adminA, map[string]any{"body": "Hello seen"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, "/v1/messages/"+r.Body["id"].(string)+"/reports", seen, map[string]any{"reason": "disrespectful"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.report = r.Body["id"].(string)
	placedToken := f.registrationLink(t, op, "placed@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(placedToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	placed := f.choose(t, s.Login(t, "placed@example.org", candidatePassword), f.orgB)
	for _, kind := range []string{"interview", "offer", "placed"} {
		r = s.JSON(t, http.MethodPost, "/v1/organisations/"+f.orgB+"/candidates/"+placed+"/interventions", adminB,
			map[string]any{"kind": kind, "on": time.Now().Format(time.DateOnly)})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	}
	flaggedToken := f.registrationLink(t, op, "flagged@example.org")
	flagged := teststack.Registration(flaggedToken)
	flagged["profile"].(map[string]any)["connection"] = "other_family_member"
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", flagged)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT id::text FROM spot_checks WHERE candidate_id = $1", r.Body["candidate_id"]).Scan(&f.spotCheck))
	var interestID string
	require.NoError(t, s.DB.Admin.QueryRow(context.Background(), "SELECT id::text FROM interests WHERE candidate_id = $1", placed).Scan(&interestID))
	require.NoError(t, s.Store.InTx(context.Background(), sim.System, func(tx *db.Tx) error {
		checkIn, _, err := tx.FollowUpAsk(context.Background(), interestID, 3, time.Now(), time.Now())
		f.followUp = checkIn.ID
		return err
	}))

	erasableToken := f.registrationLink(t, op, "erasable@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(erasableToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.erasable = r.Body["candidate_id"].(string)
	// One open request of a kind per candidate: the one to answer is
	// another candidate's, and the operator logs a new one for a third.
	answerableToken := f.registrationLink(t, op, "answerable@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(answerableToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	answerable := r.Body["candidate_id"].(string)
	requesterToken := f.registrationLink(t, op, "requester@example.org")
	r = s.JSON(t, http.MethodPost, "/v1/registrations", "", teststack.Registration(requesterToken))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.requester = r.Body["candidate_id"].(string)
	for id, candidate := range map[*string]string{&f.dataRequest: f.seen, &f.answerable: answerable} {
		r = s.JSON(t, http.MethodPost, "/v1/data-requests", op, map[string]any{"candidate_id": candidate, "kind": "subject_access"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
		*id = r.Body["id"].(string)
	}

	for _, id := range []*string{&f.infoRequest, &f.suppliedInfoRequest} {
		r = s.JSON(t, http.MethodPost, "/v1/information-requests", op, map[string]any{"requester": "academic", "who": "University of Northshire", "purpose": "A dissertation", "asked": "The funnel"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
		*id = r.Body["id"].(string)
	}
	for _, decision := range []map[string]any{{"action": "acknowledge"}, {"action": "supply", "report": map[string]any{"kind": "funnel"}}} {
		r = s.JSON(t, http.MethodPost, "/v1/information-requests/"+f.suppliedInfoRequest+"/decision", op, decision)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	}

	r = s.DoWithHeaders(t, http.MethodPost, "/v1/organisations/"+f.orgA+"/rosters", adminA,
		[]byte("name,email,connection,consent\nJo Reid,jo.roster@example.org,veteran,by email\n"), http.Header{"Content-Type": {"text/csv"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	f.rosterA = r.Body["id"].(string)
	f.rosters = make(chan string, mxKinds)
	for i := range mxKinds {
		r = s.DoWithHeaders(t, http.MethodPost, "/v1/organisations/"+f.orgA+"/rosters", adminA,
			[]byte(fmt.Sprintf("name,email,connection,consent\nJo Reid,jo.decide%d@example.org,veteran,by email\n", i)), http.Header{"Content-Type": {"text/csv"}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
		f.rosters <- r.Body["id"].(string)
	}

	f.spareVersion = "matrix-spare-v1"
	r = s.JSON(t, http.MethodPost, "/v1/agreement-versions", op, map[string]any{"version": f.spareVersion})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))

	for k := range mxKinds {
		name := strings.ToLower(strings.ReplaceAll(k.String(), "_", "-"))
		f.registrationLinks[k] = f.registrationLink(t, op, "register-"+name+"@example.org")
		f.accountLinks[k] = f.accountLink(t, adminA, f.orgA, "account-"+name+"@a.example")
		reset := "reset-" + name + "@a.example"
		f.colleague(t, adminA, f.orgA, reset, colleaguePassword)
		r := s.JSON(t, http.MethodPost, "/v1/password-resets", "", map[string]any{"email": reset})
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
		f.resetLinks[k] = s.SMTP.WaitForNth(t, reset, 2, mxMailWait).Token(t)
	}

	f.callers = [mxKinds]*mxCaller{
		mxAnon:       {},
		mxCandidate:  {token: candidate, email: "candidate@example.org", password: candidatePassword},
		mxOperator:   {token: op, email: teststack.OperatorEmail, password: teststack.OperatorPassword},
		mxAdminA:     {token: adminA, email: "admin@a.example", password: adminPassword, org: f.orgA},
		mxUserA:      {token: userA, email: "user@a.example", password: colleaguePassword, org: f.orgA},
		mxPendingA:   {token: pendingA, email: "pending@a.example", password: colleaguePassword, org: f.orgA},
		mxAdminB:     {token: adminB, email: "admin@b.example", password: adminPassword, org: f.orgB},
		mxSuspendedC: {token: adminC, email: "admin@c.example", password: adminPassword, org: f.orgC},
	}
	for k, c := range f.callers {
		c.kind = mxKind(k)
		if c.org != "" {
			// Past row-level security: C's suspended admin may not ask.
			err := s.DB.Admin.QueryRow(context.Background(), "SELECT id::text FROM users WHERE email = $1", c.email).Scan(&c.userID)
			require.NoError(t, err, c.email)
		}
	}
	return f
}

// mxWalk lists the routes of handler h as "METHOD /pattern".
func mxWalk(t *testing.T, h http.Handler) map[string]bool {
	t.Helper()
	r, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("the API handler is a %T, not a chi router: the matrix cannot walk its routes", h)
	}
	out := map[string]bool{}
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out[method+" "+route] = true
		return nil
	})
	require.NoError(t, err)
	return out
}

// mxSnapshot is what the database holds: every table's row count and a
// checksum of all its rows, every table in the catalogue.
type mxSnapshot struct {
	Counts map[string]int
	Sums   map[string]string
}

// mxVolatile are the columns any signed-in request may move, left out of
// the checksums: a session's last-seen time.
var mxVolatile = map[string][]string{"sessions": {"last_seen_at"}}

func mxSnap(t *testing.T, s *teststack.Stack) mxSnapshot {
	t.Helper()
	// The audit events earlier requests committed are linked into the
	// chain after commit, by a sequencer of their own: link them now, so
	// that the snapshot sees what requests changed, not when that ran.
	_, err := s.Store.AuditChain(context.Background())
	require.NoError(t, err)
	out := mxSnapshot{Counts: s.DB.Counts(t), Sums: map[string]string{}}
	for table := range out.Counts {
		var sum string
		err := s.DB.Admin.QueryRow(context.Background(), fmt.Sprintf(
			`SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (SELECT (to_jsonb(r) - $1::text[])::text AS x FROM %s r) rows`,
			pgx.Identifier{table}.Sanitize()), append([]string{}, mxVolatile[table]...)).Scan(&sum)
		require.NoError(t, err, table)
		out.Sums[table] = sum
	}
	require.Contains(t, out.Sums, "notification_deliveries", "the catalogue lists every table")
	return out
}

// TestAuthorizationMatrix calls every route as every kind of caller and
// checks the answer against mxMatrix; then checks that reaching into
// another organisation answers as a missing object and changes nothing.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, temporalAddr, func(c *muster.Config) { c.DevPages = true })

	// Every route the router has is in the matrix, and every row is a
	// route. Routes only mounted with DevPages are marked so: the same
	// API without them must not have them.
	routes := mxWalk(t, s.Muster.Handler)
	plain, err := httpapi.NewHandler(httpapi.Config{Store: s.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	plainRoutes := mxWalk(t, plain)
	for route := range routes {
		row, ok := mxMatrix[route]
		if !ok {
			t.Errorf("route %s is not in the authorisation matrix: add its row to mxMatrix", route)
			continue
		}
		if plainRoutes[route] == row.devOnly {
			t.Errorf("route %s: devOnly is %v, but without DevPages it is mounted: %v", route, row.devOnly, plainRoutes[route])
		}
	}
	for route := range mxMatrix {
		if !routes[route] {
			t.Errorf("matrix row %s is not a route of the router", route)
		}
	}
	for route := range plainRoutes {
		if !routes[route] {
			t.Errorf("route %s is mounted without DevPages but not with them", route)
		}
	}
	// The OpenAPI document describes exactly the routes under the
	// generated router (all but the document itself and the dev pages).
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	documented := map[string]bool{"GET /openapi.yaml": true}
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for route := range plainRoutes {
		if !documented[route] {
			t.Errorf("route %s is mounted but not in the OpenAPI document", route)
		}
	}
	for route := range documented {
		if !plainRoutes[route] {
			t.Errorf("operation %s is in the OpenAPI document but not mounted", route)
		}
	}
	if t.Failed() {
		t.Fatalf("the matrix and the router disagree (routes: %v)", slices.Sorted(maps.Keys(routes)))
	}

	f := newMxFixture(t, s)
	ordered := slices.Sorted(maps.Keys(mxMatrix))

	// First, while nothing else runs: every route that names an object
	// by its ID (an organisation, a user, a candidate, a message, a
	// report, a check-in, a spot check), called by each caller on
	// another organisation's or another person's object, answers exactly
	// as for a missing object, headers and body, and changes nothing.
	crossCells := 0
	t.Run("other organisations", func(t *testing.T) {
		for _, route := range ordered {
			if !strings.Contains(route, "Id}") {
				continue
			}
			if strings.HasPrefix(route, "DELETE /v1/me/") {
				continue // a candidate's own choice of organisations, not an organisation's object
			}
			row := mxMatrix[route]
			for _, c := range f.callers {
				if c.kind == mxAnon || c.kind == mxOperator {
					continue // the operator sees every organisation; anonymous, none
				}
				crossCells += f.checkOtherOrganisation(t, route, row, c)
			}
		}
	})

	// Then the matrix itself: each caller's calls in order (those that
	// change the caller's own standing last), the callers side by side.
	// Logging out uses a second session, so the caller's token stays.
	var cells atomic.Int64
	t.Run("matrix", func(t *testing.T) {
		for _, c := range f.callers {
			t.Run(c.kind.String(), func(t *testing.T) {
				t.Parallel()
				staged := slices.Clone(ordered)
				slices.SortStableFunc(staged, func(a, b string) int { return mxMatrix[a].stage - mxMatrix[b].stage })
				for _, route := range staged {
					f.checkCell(t, route, c)
					cells.Add(1)
				}
			})
		}
	})
	t.Logf("%d routes, %d callers: %d matrix cells; %d calls on another organisation's objects compared with calls on missing ones",
		len(mxMatrix), mxKinds, cells.Load(), crossCells)
}

// checkCell makes route's call as c and checks the answer.
func (f *mxFixture) checkCell(t *testing.T, route string, c *mxCaller) {
	t.Helper()
	row := mxMatrix[route]
	tg := f.defaultTarget()
	if row.target != nil {
		tg = row.target(f)
	}
	caller := c
	if route == "DELETE /v1/sessions/current" && c.token != "" {
		// Sign out of a second session of the same user.
		second := *c
		second.token = f.s.Login(t, c.email, c.password)
		caller = &second
	}
	got := f.call(t, route, row, caller, tg)
	want := row.want[c.kind]
	if got.Status != want.status || (want.code != "" && errCode(got) != want.code) {
		t.Errorf("%s as %s: got %d %s, want %s: %s", route, c.kind, got.Status, errCode(got), want, bytes.TrimSpace(got.Raw))
	} else if row.after != nil && want.success() {
		row.after(c, got)
	}
	if route == "DELETE /v1/sessions/current" && caller != c {
		if r := f.s.Do(t, http.MethodGet, "/v1/me", caller.token, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("after signing out as %s, the signed-out token answers %d", c.kind, r.Status)
		}
	}
}

// mxHeaders is an answer's headers less those that differ between any
// two answers: the date and the request's ID.
func mxHeaders(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	out.Del(middleware.RequestIDHeader)
	return out
}

// checkOtherOrganisation calls route as c on another organisation's
// objects and on missing ones: the answers must be byte-identical, and
// the call on the other organisation must change nothing. Where c may do
// the same on its own organisation, the answer must be 404. It returns
// how many calls it compared.
func (f *mxFixture) checkOtherOrganisation(t *testing.T, route string, row mxRow, c *mxCaller) int {
	t.Helper()
	// The other organisation, one of its users, a candidate it sees and a
	// message in its thread with them; another candidate's check-in; the
	// operator's spot check and report.
	other := mxTarget{org: f.orgA, orgName: f.nameA, user: f.spareA, version: f.spareVersion, candidate: f.seen, message: f.seenMessage, report: f.report, followUp: f.followUp, spotCheck: f.spotCheck,
		request: f.dataRequest, category: string(sim.RetainSession), roster: f.rosterA, probe: true}
	if c.org == f.orgA {
		other = mxTarget{org: f.orgB, orgName: f.nameB, user: f.callers[mxAdminB].userID, version: f.spareVersion, candidate: f.chooser, message: f.messageB, report: f.report, followUp: f.followUp, spotCheck: f.spotCheck,
			request: f.dataRequest, category: string(sim.RetainSession), roster: f.rosterA, probe: true}
	}
	missing := mxTarget{org: uuid.NewString(), orgName: "Nowhere NHS Trust", user: uuid.NewString(), version: f.spareVersion, candidate: uuid.NewString(),
		message: uuid.NewString(), report: uuid.NewString(), followUp: uuid.NewString(), spotCheck: uuid.NewString(), request: uuid.NewString(),
		category: string(sim.RetainSession), roster: uuid.NewString(), probe: true}
	pairs := [][2]mxTarget{{other, missing}}
	if strings.Contains(route, "{candidateId}") && c.org != "" {
		// The caller's own organisation with a candidate who chose only
		// another: exactly as a candidate who does not exist.
		hidden, absent := missing, missing
		hidden.org, absent.org = c.org, c.org
		hidden.candidate = f.seen
		if c.org == f.orgA {
			hidden.candidate = f.chooser
		}
		pairs = append(pairs, [2]mxTarget{hidden, absent})
	}
	if strings.Contains(route, "{userId}") && c.org != "" {
		// The caller's own organisation with another organisation's
		// user, and another organisation with the caller's own user.
		ownOrg, ownOrgMissing := other, missing
		ownOrg.org, ownOrgMissing.org = c.org, c.org
		ownUser, ownUserMissing := other, missing
		ownUser.user, ownUserMissing.user = c.userID, c.userID
		pairs = append(pairs, [2]mxTarget{ownOrg, ownOrgMissing}, [2]mxTarget{ownUser, ownUserMissing})
	}
	// What c may do on its own organisation: A's admin stands for B's.
	twin := c.kind
	if twin == mxAdminB {
		twin = mxAdminA
	}
	want := row.want[c.kind]
	if row.want[twin].success() {
		want = mxN
	}
	for _, p := range pairs {
		before := mxSnap(t, f.s)
		got := f.call(t, route, row, c, p[0])
		after := mxSnap(t, f.s)
		absent := f.call(t, route, row, c, p[1])
		name := fmt.Sprintf("%s as %s on %s", route, c.kind, p[0].path(strings.SplitN(route, " ", 2)[1]))
		if got.Status != want.status || errCode(got) != want.code {
			t.Errorf("%s: got %d %s, want %s: %s", name, got.Status, errCode(got), want, bytes.TrimSpace(got.Raw))
		}
		if got.Status != absent.Status || !bytes.Equal(got.Raw, absent.Raw) {
			t.Errorf("%s answers unlike a missing object:\n  other organisation: %d %s\n  missing object:     %d %s",
				name, got.Status, bytes.TrimSpace(got.Raw), absent.Status, bytes.TrimSpace(absent.Raw))
		}
		if g, a := mxHeaders(got.Header), mxHeaders(absent.Header); !maps.EqualFunc(g, a, slices.Equal) {
			t.Errorf("%s answers with other headers than for a missing object:\n  other organisation: %v\n  missing object:     %v", name, g, a)
		}
		assert.Equal(t, before.Counts, after.Counts, "%s changed the row counts", name)
		assert.Equal(t, before.Sums, after.Sums, "%s changed rows", name)
	}
	return len(pairs)
}
