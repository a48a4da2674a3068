package fuzz_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/sim"
)

// kind is a kind of caller.
type kind int

const (
	anonymous kind = iota // no Authorization header
	candidate             // a registered candidate
	operator              // the programme operator
	orgAdmin              // an administrator of organisation A
	orgUser               // an org_user of A
	badToken              // a bearer token that is no session's
	kinds
)

var kindNames = [kinds]string{"anonymous", "candidate", "operator", "org_admin", "org_user", "invalid_token"}

func (k kind) String() string { return kindNames[k] }

// actor is one caller: its account and live session (none for anonymous
// and the invalid token, who sign in, when they do, to the world's spare
// account).
type actor struct {
	user            sim.User
	token           string
	email, password string
	// Two-factor sign-in, once a seed's preparation has begun or finished
	// setting it up.
	mfaSecret string
	recovery  []string
}

// world is what the requests act on: every object a route's path can
// name, and a caller of each kind with a session valid at the time the
// handler sees. Accounts, sessions, organisations, registered candidates
// and the spot check are rows the test factory makes (SQL, as the
// database owner); choices, messages, the report, the placement, the
// check-in and every link are made with the Store, as the real actors
// and the engine's activities make them.
type world struct {
	actors  [kinds]*actor
	placed  *actor // a candidate B placed, with an open check-in
	signIn  *actor // the account anonymous callers sign in to
	orgA    sim.Organisation
	orgB    sim.Organisation
	orgD    sim.Organisation // its onboarding invitation not yet answered
	spare   sim.User         // a user of A whom an admin's changes name
	seen    string           // the candidate's record: chose A and B
	version string           // the agreement version the world's organisations signed
	// spareVersion is a version nobody signed: retiring it suspends nobody.
	spareVersion string
	candMessage  string // what the candidate wrote to A
	orgMessage   string // what A's admin wrote back
	report       string // the spare user's open report of the candidate's message
	followUp     string // the placed candidate's open check-in
	spotCheck    string // the open spot check of a flagged registration
	erasable     string // a registered candidate nothing else names, for the operator to erase
	dataRequest  string // the candidate's open data request
	infoRequest  string // an open information request
	infoSupplied string // an information request supplied with a release
	roster       string // a roster A's admin uploaded, checked
	conduct      string // the current code of conduct's version
	consent      string // the current consent text's version
	// ids are the IDs of every fixture object, for a path parameter that
	// names the wrong one.
	ids []string
}

// in runs fn in one transaction as a.
func (e *env) in(t testing.TB, a sim.Actor, fn func(tx *db.Tx) error) {
	t.Helper()
	require.NoError(t, e.store.InTx(context.Background(), a, fn))
}

// unique returns a fresh address, or a name when domain is empty. The
// process's tag keeps the fuzzer from guessing one before a world makes
// it.
func (e *env) unique(prefix, domain string) string {
	n := e.seq.Add(1)
	if domain == "" {
		return fmt.Sprintf("%s %s%d", prefix, e.tag, n)
	}
	return fmt.Sprintf("%s-%s%d@%s", prefix, e.tag, n, domain)
}

// build makes a new world. Every name in it is new, so nothing a
// previous world's requests did (a renamed organisation, a retired
// agreement version, throttled sign-ins) reaches it.
func (e *env) build(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	today := now.UTC().Truncate(24 * time.Hour)
	w := &world{}
	n := e.seq.Add(1)
	w.version, w.spareVersion = fmt.Sprintf("fuzz-%s%d-dsa", e.tag, n), fmt.Sprintf("fuzz-%s%d-spare", e.tag, n)

	op := testfactory.User(t, e.d, testfactory.UserOpts{Role: sim.RoleOperator, Email: e.unique("operator", "example.org"), Now: now})
	e.in(t, testfactory.Actor(op), func(tx *db.Tx) error {
		if err := tx.AgreementVersionAdd(ctx, w.version, now); err != nil {
			return err
		}
		return tx.AgreementVersionAdd(ctx, w.spareVersion, now)
	})
	w.orgA, w.orgB = e.organisation(t, w, now), e.organisation(t, w, now)
	w.orgD = testfactory.Organisation(t, e.d, testfactory.OrganisationOpts{NoAgreement: true, Now: now})
	e.in(t, testfactory.Actor(op), func(tx *db.Tx) error {
		_, err := tx.AgreementRecord(ctx, w.orgD.ID, sim.AgreementDetails{
			Version: w.version, SignedName: w.orgD.Name, SignatoryName: "Dee Hughes", SignatoryRole: "Caldicott Guardian", SignedOn: today,
		}, &sim.Contact{Name: "Dee Hughes", Email: e.unique("dee", "d.example")}, now)
		return err
	})

	admin, adminActor := testfactory.OrgUser(t, e.d, testfactory.OrgUserOpts{OrgID: w.orgA.ID, Role: sim.RoleOrgAdmin, Email: e.unique("admin", "a.example"), Now: now})
	user, _ := testfactory.OrgUser(t, e.d, testfactory.OrgUserOpts{OrgID: w.orgA.ID, Email: e.unique("user", "a.example"), Now: now})
	spare, spareActor := testfactory.OrgUser(t, e.d, testfactory.OrgUserOpts{OrgID: w.orgA.ID, Email: e.unique("spare", "a.example"), Now: now})
	w.spare = spare
	_, adminB := testfactory.OrgUser(t, e.d, testfactory.OrgUserOpts{OrgID: w.orgB.ID, Role: sim.RoleOrgAdmin, Email: e.unique("admin", "b.example"), Now: now})
	cand := testfactory.Candidate(t, e.d, testfactory.CandidateOpts{Email: e.unique("candidate", "example.org"), Now: now})
	w.seen = cand.Candidate.ID

	w.actors = [kinds]*actor{
		anonymous: {},
		candidate: e.session(t, cand.User, now),
		operator:  e.session(t, op, now),
		orgAdmin:  e.session(t, admin, now),
		orgUser:   e.session(t, user, now),
		badToken:  {},
	}
	signIn := testfactory.User(t, e.d, testfactory.UserOpts{Role: sim.RoleOperator, Email: e.unique("signs-in", "example.org"), Now: now})
	w.signIn = &actor{user: signIn, email: signIn.Email, password: testfactory.DefaultPassword}

	// The candidate chose A and B and wrote to A; A's admin wrote back;
	// the spare user reported what the candidate wrote.
	candActor := testfactory.Actor(cand.User)
	e.in(t, candActor, func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{w.orgA.ID, w.orgB.ID}, now)
		return err
	})
	e.in(t, candActor, func(tx *db.Tx) error {
		m, err := tx.MessageSend(ctx, db.ThreadKey{OrgID: w.orgA.ID, Mine: true}, "Hello A", now)
		w.candMessage = m.ID
		return err
	})
	e.in(t, adminActor, func(tx *db.Tx) error {
		m, err := tx.MessageSend(ctx, db.ThreadKey{OrgID: w.orgA.ID, CandidateID: cand.Candidate.ID}, "Hello candidate", now)
		w.orgMessage = m.ID
		return err
	})
	e.in(t, spareActor, func(tx *db.Tx) error {
		var err error
		w.report, _, err = tx.MessageReport(ctx, w.candMessage, sim.MessageReport{Reason: "spam"}, now)
		return err
	})

	// Another candidate chose B and was placed there; the engine has asked
	// their first check-in.
	placed := testfactory.Candidate(t, e.d, testfactory.CandidateOpts{Email: e.unique("placed", "example.org"), Now: now})
	w.placed = e.session(t, placed.User, now)
	e.in(t, testfactory.Actor(placed.User), func(tx *db.Tx) error {
		_, err := tx.InterestsChoose(ctx, []string{w.orgB.ID}, now)
		return err
	})
	for _, k := range []sim.InterventionKind{sim.InterventionInterview, sim.InterventionOffer, sim.InterventionPlaced} {
		e.in(t, adminB, func(tx *db.Tx) error {
			_, _, err := tx.InterventionRecord(ctx, w.orgB.ID, placed.Candidate.ID, sim.Intervention{Kind: k, On: today}, now)
			return err
		})
	}
	var interestID string
	require.NoError(t, e.d.Admin.QueryRow(ctx, "SELECT id::text FROM interests WHERE candidate_id = $1", placed.Candidate.ID).Scan(&interestID))
	// As the PlacementFollowUp workflow's activity does.
	e.in(t, sim.System, func(tx *db.Tx) error {
		f, _, err := tx.FollowUpAsk(ctx, interestID, 3, today, now)
		w.followUp = f.ID
		return err
	})

	// A third registered with a connection the spot-check rule flags, as
	// registration samples it.
	flagged := testfactory.Candidate(t, e.d, testfactory.CandidateOpts{Email: e.unique("flagged", "example.org"), Now: now})
	w.spotCheck = uuid.NewString()
	e.exec(t, `UPDATE candidates SET connection = $2, verification = 'sampled' WHERE id = $1`, flagged.Candidate.ID, string(sim.ConnOtherFamilyMember))
	e.exec(t, `INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES ($1, $2, $3, $4)`,
		w.spotCheck, flagged.Candidate.ID, []string{string(sim.FlagConnectionOther)}, now)

	// A fourth registered, for the operator to erase on their behalf;
	// the candidate made a data request.
	w.erasable = testfactory.Candidate(t, e.d, testfactory.CandidateOpts{Email: e.unique("erasable", "example.org"), Now: now}).Candidate.ID
	e.in(t, candActor, func(tx *db.Tx) error {
		r, err := tx.DataRequestMake(ctx, sim.RequestSubjectAccess, "", now)
		w.dataRequest = r.ID
		return err
	})

	// Two information requests: one open, one supplied.
	e.in(t, testfactory.Actor(op), func(tx *db.Tx) error {
		for _, id := range []*string{&w.infoRequest, &w.infoSupplied} {
			r, err := tx.InfoRequestLog(ctx, sim.RequesterAcademic, "University of Northshire", "A dissertation", "The funnel", false, now)
			if err != nil {
				return err
			}
			*id = r.ID
		}
		if _, err := tx.InfoRequestAcknowledge(ctx, w.infoSupplied, now); err != nil {
			return err
		}
		_, err := tx.InfoRequestSupply(ctx, w.infoSupplied, db.InfoReleaseFiles{Report: "funnel", PDF: []byte("%PDF-1.3"), XLSX: []byte("PK")}, now)
		return err
	})

	e.in(t, adminActor, func(tx *db.Tx) error {
		sum := sha256.Sum256([]byte(e.unique("roster", "")))
		imp, _, err := tx.RosterStage(ctx, db.RosterUpload{OrgID: w.orgA.ID, SHA256: sum[:], Format: "csv", Now: now},
			func(each func(sim.RosterRow, []sim.RosterProblem) error) error {
				return each(sim.RosterRow{Row: 2, Name: "Jo Reid", Email: e.unique("roster", "example.org"), Connection: sim.ConnVeteran, Consent: "by_email"}, nil)
			})
		w.roster = imp.ID
		return err
	})
	e.in(t, adminActor, func(tx *db.Tx) error {
		c, err := tx.ConductCurrent(ctx)
		w.conduct = c.Version
		return err
	})
	e.in(t, sim.Anonymous, func(tx *db.Tx) error {
		c, err := tx.ConsentTextCurrent(ctx)
		w.consent = c.Version
		return err
	})
	w.ids = []string{
		w.orgA.ID, w.orgB.ID, w.orgD.ID, op.ID, admin.ID, user.ID, spare.ID, adminB.UserID, cand.User.ID, cand.Candidate.ID,
		placed.Candidate.ID, flagged.Candidate.ID, w.candMessage, w.orgMessage, w.report, w.followUp, w.spotCheck, interestID,
		w.version, w.spareVersion, testfactory.AgreementVersion, w.erasable, w.dataRequest, w.infoRequest, w.infoSupplied, w.roster,
	}
	return w
}

// organisation makes an onboarded organisation whose latest agreement is
// of the world's version.
func (e *env) organisation(t testing.TB, w *world, now time.Time) sim.Organisation {
	t.Helper()
	org := testfactory.Organisation(t, e.d, testfactory.OrganisationOpts{Now: now})
	e.exec(t, `INSERT INTO org_agreements (id, org_id, version, signed_name, signatory_name, signatory_role, signed_on, recorded_at)
		VALUES ($1, $2, $3, $4, 'Pat Signer', 'Chief Executive', $5, $6)`,
		uuid.New(), org.ID, w.version, org.Name, now.UTC().Truncate(24*time.Hour), now)
	return org
}

// session opens a session for u, valid now.
func (e *env) session(t testing.TB, u sim.User, now time.Time) *actor {
	t.Helper()
	return &actor{user: u, token: testfactory.Session(t, e.d, u, now), email: u.Email, password: testfactory.DefaultPassword}
}

// fresh makes a new caller of kind k for a request that changes the
// caller's own standing, so that no other request loses its caller.
// Anonymous and invalid-token callers have no standing: they are the
// world's.
func (e *env) fresh(t testing.TB, w *world, k kind, s seed) *actor {
	t.Helper()
	now := time.Now()
	var u sim.User
	switch k {
	case candidate:
		u = testfactory.Candidate(t, e.d, testfactory.CandidateOpts{Email: e.unique("fresh-candidate", "example.org"), Now: now}).User
	case operator:
		u = testfactory.User(t, e.d, testfactory.UserOpts{Role: sim.RoleOperator, Email: e.unique("fresh-operator", "example.org"), Now: now})
	case orgAdmin, orgUser:
		role := sim.RoleOrgAdmin
		if k == orgUser {
			role = sim.RoleOrgUser
		}
		u, _ = testfactory.OrgUser(t, e.d, testfactory.OrgUserOpts{
			OrgID: w.orgA.ID, Role: role, Email: e.unique("fresh-"+k.String(), "a.example"), Now: now, ConductPending: s.conductPending,
		})
	default:
		return w.actors[k]
	}
	a := e.session(t, u, now)
	if s.prepare != nil {
		s.prepare(t, e, a)
	}
	return a
}

// mfaStarted gives a's account a pending two-factor secret.
func mfaStarted(t testing.TB, e *env, a *actor) {
	t.Helper()
	e.in(t, testfactory.Actor(a.user), func(tx *db.Tx) error {
		m, err := tx.MFAEnrolStart(context.Background(), "Muster", time.Now())
		a.mfaSecret = m.Secret
		return err
	})
}

// mfaOn turns two-factor sign-in on for a's account.
func mfaOn(t testing.TB, e *env, a *actor) {
	t.Helper()
	mfaStarted(t, e, a)
	code, err := db.TOTPCode(a.mfaSecret, time.Now())
	require.NoError(t, err)
	e.in(t, testfactory.Actor(a.user), func(tx *db.Tx) error {
		var err error
		a.recovery, err = tx.MFAEnrolConfirm(context.Background(), code, time.Now())
		return err
	})
}

// registrationLink returns the token of a fresh registration link, as
// the Invitation workflow sends it.
func (e *env) registrationLink(t testing.TB) string {
	t.Helper()
	_, token := testfactory.Invitation(t, e.d, testfactory.InvitationOpts{Email: e.unique("invitee", "example.org"), Now: time.Now()})
	return token
}

// accountLink has A's admin invite a colleague and returns the token of
// the link the AccountInvitation workflow issues.
func (e *env) accountLink(t testing.TB, w *world) string {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	var inv sim.AccountInvitation
	e.in(t, testfactory.Actor(w.actors[orgAdmin].user), func(tx *db.Tx) error {
		var err error
		inv, err = tx.OrgInvite(ctx, sim.Contact{Name: "Chris Lee", Email: e.unique("colleague", "a.example")}, sim.RoleOrgUser, now)
		return err
	})
	return e.issued(t, func(tx *db.Tx) (string, bool, error) {
		l, ok, err := tx.AccountInvitationIssueLink(ctx, inv.ID, db.LinkInvitation, now)
		return l.Token, ok, err
	})
}

// resetLink makes an account, asks for a reset of its password and
// returns the token of the link the PasswordReset workflow issues.
func (e *env) resetLink(t testing.TB) string {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	u := testfactory.User(t, e.d, testfactory.UserOpts{Role: sim.RoleOperator, Email: e.unique("forgetful", "example.org"), Now: now})
	e.in(t, sim.Anonymous, func(tx *db.Tx) error { return tx.ResetRequestCreate(ctx, u.Email, now) })
	var requestID string
	require.NoError(t, e.d.Admin.QueryRow(ctx, "SELECT id::text FROM reset_requests WHERE email = $1", u.Email).Scan(&requestID))
	var resetID string
	e.in(t, sim.System, func(tx *db.Tx) error {
		h, err := tx.ResetRequestHandle(ctx, requestID, 10*time.Minute, now)
		resetID = h.ResetID
		return err
	})
	return e.issued(t, func(tx *db.Tx) (string, bool, error) {
		l, ok, err := tx.PasswordResetIssue(ctx, resetID, now)
		return l.Token, ok, err
	})
}

// mailboxLink has A's admin set a new group mailbox and returns the
// token of the link the MailboxVerification workflow issues.
func (e *env) mailboxLink(t testing.TB, w *world) string {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	email := e.unique("recruitment", "a.example")
	e.in(t, testfactory.Actor(w.actors[orgAdmin].user), func(tx *db.Tx) error {
		_, err := tx.MailboxSet(ctx, w.orgA.ID, email, now)
		return err
	})
	var id string
	require.NoError(t, e.d.Admin.QueryRow(ctx, "SELECT id::text FROM mailbox_verifications WHERE org_id = $1 AND email = $2", w.orgA.ID, email).Scan(&id))
	return e.issued(t, func(tx *db.Tx) (string, bool, error) {
		l, ok, err := tx.MailboxVerificationIssue(ctx, id, now)
		return l.Token, ok, err
	})
}

// issued runs an engine activity that issues a link and returns its
// token.
func (e *env) issued(t testing.TB, issue func(tx *db.Tx) (string, bool, error)) string {
	t.Helper()
	var token string
	e.in(t, sim.System, func(tx *db.Tx) error {
		var ok bool
		var err error
		token, ok, err = issue(tx)
		if err == nil && !ok {
			err = fmt.Errorf("the link was not due")
		}
		return err
	})
	return token
}

func (e *env) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	_, err := e.d.Admin.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}
