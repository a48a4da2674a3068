package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
)

// Loading a synthetic cohort (sim/simulate) into a migrated, empty
// database, for demos and scale tests: the rows a real registration and
// journey would have written, by COPY, in batches.
//
// The loader writes as the database's owner, as migrations do, not as an
// actor: it is not a use case but a fixture at scale. Three choices follow
// (docs/decisions.md, "loading synthetic cohorts"):
//
//   - It needs a superuser. COPY into a table whose row-level security
//     applies to the writer is refused, and each batch runs with
//     session_replication_role = replica, which only a superuser may set.
//   - With replica, no trigger fires, foreign keys included. The
//     triggers a live INSERT of these rows would fire are
//     consents_to_candidate, which keeps candidates.sharing equal to the
//     latest consent, interests_view, which keeps interests.org_view
//     equal to sim.ViewOf, and interests_orgs, which keeps
//     candidates.orgs_open and orgs_placed equal to the organisations
//     whose interest's view is open and placed: the loader writes these
//     columns itself, from the same decisions it writes the rows from;
//     and report_mark, which marks the people whose reports' counts a
//     transaction changes: the loader counts each batch itself
//     (report_refresh). The guards fire on UPDATE
//     only, and COPY only inserts.
//     The rows reference each other correctly by construction, and a test
//     checks every foreign key of the schema after a load.
//   - No audit events and no workflow intents. An audit row says that a
//     real person did something, stamped from the transaction's own
//     context; a loaded cohort is history nobody lived, so the audit trail
//     starts empty. And nothing is sent: the outbox stays empty, so no
//     notification goes out, no journey hook hears the loaded events and
//     no placement is followed up (follow_ups stays empty: the cohort does
//     not say how check-ins were answered).
//
// Every loaded account has the same password, hashed once with argon2id at
// full cost (a million hashes would take hours): the cohort's people can
// sign in, for demos and for benchmarks through the API. Never load a
// cohort into a database real people use.
//
// The few statements below are built here rather than in queries/: they
// are a session setting, the catalogue and maintenance commands that sqlc
// does not compile, and the existence checks that guard an empty database.

// DefaultLoadBatch is how many candidates LoadCohort writes per
// transaction when LoadOptions.BatchSize is zero.
const DefaultLoadBatch = 10000

// LoadOptions says how LoadCohort writes a cohort.
type LoadOptions struct {
	// Password is every loaded account's password (organisation users and
	// candidates alike). Required; it must pass sim.ValidatePassword.
	Password string
	// BatchSize is how many candidates, with everything of theirs, go in
	// one transaction. Zero means DefaultLoadBatch.
	BatchSize int
	// Conduct is the code of conduct the organisations' users have
	// accepted: published (as of the first organisation's creation) unless
	// its version is. Zero means sim.DefaultCodeOfConduct.
	Conduct sim.CodeOfConduct
	// Progress, when set, is called after each committed batch with the
	// rows written so far.
	Progress func(LoadStats)
}

// LoadStats counts the rows LoadCohort wrote, by table.
type LoadStats struct {
	Organisations      int64
	Agreements         int64 // org_agreements
	Users              int64 // organisation users and candidates' accounts
	ConductAcceptances int64
	Candidates         int64
	Invitations        int64 // the used link each candidate registered with
	Consents           int64
	SpotChecks         int64 // the sampled registrations' checks
	Interests          int64
	Interventions      int64
	JourneyEvents      int64
	Threads            int64
	Messages           int64
}

// Rows is the number of rows written, all tables together.
func (s LoadStats) Rows() int64 {
	return s.Organisations + s.Agreements + s.Users + s.ConductAcceptances + s.Candidates + s.Invitations +
		s.Consents + s.SpotChecks + s.Interests + s.Interventions + s.JourneyEvents + s.Threads + s.Messages
}

func (s *LoadStats) add(b *loadBatch) {
	s.Users += int64(len(b.users.rows))
	s.Candidates += int64(len(b.candidates.rows))
	s.Invitations += int64(len(b.invitations.rows))
	s.Consents += int64(len(b.consents.rows))
	s.SpotChecks += int64(len(b.spotChecks.rows))
	s.Interests += int64(len(b.interests.rows))
	s.Interventions += int64(len(b.interventions.rows))
	s.JourneyEvents += int64(len(b.events.rows))
	s.Threads += int64(len(b.threads.rows))
	s.Messages += int64(len(b.messages.rows))
}

// LoadCohort writes the cohort o describes into the migrated database at
// url, which must be empty of candidates and organisations, connecting as a
// superuser (the owner that runs migrations). It generates candidates one
// at a time (simulate.Options.Each) and writes them in batches of
// lo.BatchSize, one transaction each, so memory stays flat however large
// the cohort; a failure leaves the batches before it committed. It returns what it wrote, and errors:
// EINVALID for invalid Options or a bad password; ErrCohortLoaded when
// the database holds a cohort of the same seed, and another ECONFLICT when
// it holds other candidates or organisations; and wrapped errors
// for a connection that is not a superuser's, an unmigrated database, or a
// failed write.
func LoadCohort(ctx context.Context, url string, o simulate.Options, lo LoadOptions) (LoadStats, error) {
	if err := o.Validate(); err != nil {
		return LoadStats{}, err
	}
	if err := sim.ValidatePassword(lo.Password); err != nil {
		return LoadStats{}, err
	}
	if lo.BatchSize < 0 {
		return LoadStats{}, sim.FieldError("batch_size", "batch_size must not be negative")
	}
	if lo.BatchSize == 0 {
		lo.BatchSize = DefaultLoadBatch
	}
	if lo.Conduct == (sim.CodeOfConduct{}) {
		lo.Conduct = sim.DefaultCodeOfConduct
	}
	if err := lo.Conduct.Validate(); err != nil {
		return LoadStats{}, fmt.Errorf("code of conduct: %w", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return LoadStats{}, fmt.Errorf("load cohort: connect: %w", err)
	}
	defer conn.Close(context.Background())
	orgs := o.Organisations()
	if err := loadable(ctx, conn, orgs); err != nil {
		return LoadStats{}, err
	}
	hash, err := HashPassword(lo.Password)
	if err != nil {
		return LoadStats{}, err
	}
	var stats LoadStats
	ref, err := loadOrganisations(ctx, conn, orgs, hash, lo.Conduct, &stats)
	if err != nil {
		return stats, err
	}
	if lo.Progress != nil {
		lo.Progress(stats)
	}
	if err := loadCandidates(ctx, conn, o, ref, lo, &stats); err != nil {
		return stats, err
	}
	// The planner should see the tables as they now are, and readers
	// should not be the ones to set a million rows' hint bits.
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) organisations, org_agreements, users, conduct_acceptances, candidates, invitations, consents, spot_checks, interests, interventions, journey_events"); err != nil {
		return stats, fmt.Errorf("load cohort: vacuum and analyse: %w", err)
	}
	return stats, nil
}

// ErrCohortLoaded is LoadCohort's error for a database that already holds
// a cohort of the same seed (its first organisation).
var ErrCohortLoaded = sim.Errorf(sim.ECONFLICT, "a cohort of this seed is already loaded")

// loadable checks that conn may load a cohort with orgs and that its
// database is migrated and empty.
func loadable(ctx context.Context, conn *pgx.Conn, orgs []simulate.Org) error {
	var super string
	if err := conn.QueryRow(ctx, "SHOW is_superuser").Scan(&super); err != nil {
		return fmt.Errorf("load cohort: check role: %w", err)
	}
	if super != "on" {
		return fmt.Errorf("load cohort: %s is not a superuser: loading copies past row-level security and triggers, so connect as the superuser that runs migrations (DATABASE_URL), not as %s",
			conn.Config().User, AppRole)
	}
	var used bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM candidates) OR EXISTS (SELECT 1 FROM organisations)").Scan(&used)
	if err != nil {
		return fmt.Errorf("load cohort: is the database migrated? %w", err)
	}
	if used && len(orgs) > 0 {
		var loaded bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1)", orgs[0].ID).Scan(&loaded); err != nil {
			return fmt.Errorf("load cohort: look for the cohort: %w", err)
		}
		if loaded {
			return ErrCohortLoaded
		}
	}
	if used {
		return sim.Errorf(sim.ECONFLICT, "the database already holds candidates or organisations: a cohort loads only into an empty one")
	}
	return nil
}

// cohortRef is what every candidate's rows refer to.
type cohortRef struct {
	passwordHash   string
	consentVersion string
}

// loadOrganisations writes the organisations, each with a signed
// agreement of the newest accepted version in its own name, its onboarding
// completed, and its users, who have accepted the code of conduct c.
func loadOrganisations(ctx context.Context, conn *pgx.Conn, orgs []simulate.Org, hash string, c sim.CodeOfConduct, stats *LoadStats) (cohortRef, error) {
	q := dbgen.New()
	ref := cohortRef{passwordHash: hash}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		text, err := q.ConsentTextCurrent(ctx, tx, sim.ConsentPurposeSharing)
		if err != nil {
			return fmt.Errorf("load cohort: consent wording: %w", err)
		}
		ref.consentVersion = text.Version
		if len(orgs) == 0 {
			return nil
		}
		agreement, err := acceptedAgreementVersion(ctx, q, tx)
		if err != nil {
			return err
		}
		firstCreated := orgCreatedAt(orgs[0])
		for _, org := range orgs[1:] {
			if at := orgCreatedAt(org); at.Before(firstCreated) {
				firstCreated = at
			}
		}
		published, err := publishConduct(ctx, q, tx, c, firstCreated)
		if err != nil {
			return err
		}
		var (
			orgRows, agreementRows = newCopyRows(orgTable), newCopyRows(agreementTable)
			userRows, conductRows  = newCopyRows(userTable), newCopyRows(conductTable)
		)
		for _, org := range orgs {
			id, err := uuid.Parse(org.ID)
			if err != nil {
				return fmt.Errorf("load cohort: organisation ID %q: %w", org.ID, err)
			}
			d := org.Details
			created := orgCreatedAt(org)
			orgRows.add(id, d.Name, string(d.Type), string(d.Region), optionalTime(dateValue(d.PledgeOn)), d.Active,
				string(sim.OnboardingCompleted), created, created)
			signatory := "Synthetic Signatory"
			if len(org.Users) > 0 {
				signatory = org.Users[0].Name
			}
			agreementRows.add(derivedID(id, "agreement"), id, agreement, d.Name, signatory, "Chief People Officer",
				dateValue(created), created)
			accepted := created
			if published.After(accepted) {
				accepted = published
			}
			for _, u := range org.Users {
				uid, err := uuid.Parse(u.ID)
				if err != nil {
					return fmt.Errorf("load cohort: user ID %q: %w", u.ID, err)
				}
				userRows.add(uid, string(u.Role), u.Email, hash, id, u.Name, created, created)
				conductRows.add(uid, c.Version, accepted)
			}
		}
		for _, rows := range []*copyRows{orgRows, agreementRows, userRows, conductRows} {
			if err := rows.copy(ctx, tx); err != nil {
				return err
			}
		}
		stats.Organisations += int64(len(orgRows.rows))
		stats.Agreements += int64(len(agreementRows.rows))
		stats.Users += int64(len(userRows.rows))
		stats.ConductAcceptances += int64(len(conductRows.rows))
		return nil
	})
	return ref, err
}

// orgCreatedAt is when the programme recorded org: the day it pledged.
func orgCreatedAt(org simulate.Org) time.Time {
	if org.Details.PledgeOn.IsZero() {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return dateValue(org.Details.PledgeOn)
}

// acceptedAgreementVersion is the newest version of the data-sharing
// agreement that is not retired.
func acceptedAgreementVersion(ctx context.Context, q *dbgen.Queries, tx pgx.Tx) (string, error) {
	versions, err := q.AgreementVersionList(ctx, tx)
	if err != nil {
		return "", fmt.Errorf("load cohort: agreement versions: %w", err)
	}
	for i := len(versions) - 1; i >= 0; i-- {
		if versions[i].RetiredAt == nil {
			return versions[i].Version, nil
		}
	}
	return "", errors.New("load cohort: every version of the data-sharing agreement is retired: add one first")
}

// publishConduct publishes c as of at unless its version is published,
// and returns when the version was published. The same version with other
// text is an error, as for Store.PublishConduct.
func publishConduct(ctx context.Context, q *dbgen.Queries, tx pgx.Tx, c sim.CodeOfConduct, at time.Time) (time.Time, error) {
	old, err := q.ConductGet(ctx, tx, c.Version)
	switch {
	case err == nil && old.Body == c.Body:
		return old.PublishedAt, nil
	case err == nil:
		return time.Time{}, fmt.Errorf("load cohort: code of conduct version %q is already published with different text", c.Version)
	case !errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, fmt.Errorf("load cohort: code of conduct: %w", err)
	}
	if err := q.ConductPublish(ctx, tx, dbgen.ConductPublishParams{Version: c.Version, Body: c.Body, Now: at}); err != nil {
		return time.Time{}, fmt.Errorf("load cohort: publish code of conduct: %w", err)
	}
	return at, nil
}

// loadCandidates generates the candidates in one goroutine while this one
// copies the previous batch, so generating (Go) and writing (Postgres)
// overlap; at most three batches are held at once.
func loadCandidates(ctx context.Context, conn *pgx.Conn, o simulate.Options, ref cohortRef, lo LoadOptions, stats *LoadStats) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *loadBatch, 1)
	generated := make(chan error, 1)
	go func() {
		defer close(batches)
		b := newLoadBatch()
		send := func() error {
			select {
			case batches <- b:
				b = newLoadBatch()
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := o.Each(func(c simulate.Candidate) error {
			if err := b.addCandidate(c, ref); err != nil {
				return err
			}
			if b.n < lo.BatchSize {
				return nil
			}
			return send()
		})
		if err == nil && b.n > 0 {
			err = send()
		}
		generated <- err
	}()
	for b := range batches {
		if err := b.write(ctx, conn); err != nil {
			cancel()
			for range batches { // let the generator finish
			}
			return err
		}
		stats.add(b)
		if lo.Progress != nil {
			lo.Progress(*stats)
		}
	}
	if err := <-generated; err != nil {
		return fmt.Errorf("load cohort: %w", err)
	}
	return nil
}

// loadBatch is the rows of a batch of candidates, table by table, in the
// order their foreign keys need.
type loadBatch struct {
	n                                                               int // candidates
	users, candidates, invitations, consents, spotChecks, interests *copyRows
	interventions, events, threads, messages                        *copyRows
	eventSeq                                                        int // journey events of the current candidate
	eventCandidate                                                  uuid.UUID
	ids                                                             []uuid.UUID // the batch's candidates
}

func newLoadBatch() *loadBatch {
	return &loadBatch{
		users: newCopyRows(userTable), candidates: newCopyRows(candidateTable), invitations: newCopyRows(invitationTable),
		consents: newCopyRows(consentTable), spotChecks: newCopyRows(spotCheckTable), interests: newCopyRows(interestTable),
		interventions: newCopyRows(interventionTable), events: newCopyRows(journeyTable),
		threads: newCopyRows(threadTable), messages: newCopyRows(messageTable),
	}
}

// write copies the batch in one transaction with triggers off (see the
// top of this file for why that is safe here).
func (b *loadBatch) write(ctx context.Context, conn *pgx.Conn) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return fmt.Errorf("load cohort: turn triggers off for the batch: %w", err)
		}
		for _, rows := range []*copyRows{b.users, b.candidates, b.invitations, b.consents, b.spotChecks, b.interests, b.interventions, b.events,
			b.threads, b.messages} {
			if err := rows.copy(ctx, tx); err != nil {
				return err
			}
		}
		// The reports' counts, which the triggers keep for live writes.
		if _, err := tx.Exec(ctx, "SELECT report_refresh($1)", b.ids); err != nil {
			return fmt.Errorf("load cohort: count the batch for the reports: %w", err)
		}
		return nil
	})
}

// addCandidate adds the rows of c's registration and journey: their
// account, their record, the used link they registered with, their consent
// decision, their spot check when the policy sampled them, their interests with the interventions recorded on them, and a
// journey event for every change, as the live code writes it (db/tx.go's
// journeyRow): each interest's and intervention's event replayed through
// sim's state machines, so each carries the from and to states the live
// code would have recorded. A placement is one event, the intervention's.
func (b *loadBatch) addCandidate(c simulate.Candidate, ref cohortRef) error {
	cid, err := uuid.Parse(c.ID)
	if err != nil {
		return fmt.Errorf("candidate ID %q: %w", c.ID, err)
	}
	uid, err := uuid.Parse(c.UserID)
	if err != nil {
		return fmt.Errorf("candidate %s: user ID %q: %w", c.ID, c.UserID, err)
	}
	b.n++
	b.ids = append(b.ids, cid)
	b.eventCandidate, b.eventSeq = cid, 0
	reg, p := c.RegisteredAt, c.Profile
	updated := reg
	if c.Status == sim.StatusWithdrawn {
		updated = c.ClosedAt
	}
	// They asked for a link and followed it some minutes later; the
	// cohort knows only when they registered.
	invited := reg.Add(-time.Duration(2+int(cid[15])%28) * time.Minute)
	b.users.add(uid, string(sim.RoleCandidate), c.Email, ref.passwordHash, nil, nil, reg, reg)
	facts := sim.CandidateFacts{Status: c.Status, Sharing: c.Sharing, Verification: c.Verification}
	open, placed, err := orgsOf(facts, c.Interests)
	if err != nil {
		return fmt.Errorf("candidate %s: %w", c.ID, err)
	}
	b.candidates.add(cid, uid, string(c.Status), p.FirstName, p.LastName, ptr(p.Phone), dateOnly(p.DateOfBirth),
		string(p.Connection), p.Skills, ptr(p.JobPreferences), string(p.Region), string(p.HeardAbout),
		invited, reg, updated, c.Sharing, string(c.Verification), open, placed)
	b.invitations.add(derivedID(cid, "invitation"), cid, string(sim.InvitationSelf), invited, invited.Add(sim.DefaultInvitationWindow), reg)
	b.consents.add(derivedID(cid, "consent"), cid, ref.consentVersion, c.Sharing, "registration_form", reg)
	if err := b.addSpotCheck(cid, c); err != nil {
		return fmt.Errorf("candidate %s: %w", c.ID, err)
	}
	b.event(sim.EventInvited, string(sim.StatusNone), string(sim.StatusInvited), nil, invited, nil, nil)
	b.event(sim.EventRegistered, string(sim.StatusInvited), string(sim.StatusRegistered), &uid, reg, nil, nil)
	for _, in := range c.Interests {
		if err := b.addInterest(cid, uid, facts, in); err != nil {
			return fmt.Errorf("candidate %s: interest %s: %w", c.ID, in.ID, err)
		}
	}
	if c.Status == sim.StatusWithdrawn {
		b.event(sim.EventWithdrawn, string(sim.StatusRegistered), string(sim.StatusWithdrawn), &uid, c.ClosedAt, nil, nil)
	}
	return nil
}

// addSpotCheck adds the spot check of a sampled registration, as the
// registration would have queued it (with the flags the policy gives, the
// cohort's own), and the operator's decision once the cohort has one. The
// cohort says neither who decided nor why: decided_by is left empty, and a
// rejection gives a reason that says it is made up.
func (b *loadBatch) addSpotCheck(cid uuid.UUID, c simulate.Candidate) error {
	flags := sim.DefaultSpotCheckPolicy.Sample(c.ID, c.Profile)
	if (len(flags) > 0) != (c.Verification != sim.VerificationUnchecked) {
		return fmt.Errorf("verification %s disagrees with the spot check policy's flags %v", c.Verification, flags)
	}
	if len(flags) == 0 {
		return nil
	}
	names := make([]string, len(flags))
	for i, f := range flags {
		names[i] = string(f)
	}
	var (
		outcome, reason *string
		decided         *time.Time
	)
	switch c.Verification {
	case sim.VerificationVerified, sim.VerificationRejected:
		outcome = ptr(string(c.Verification))
		at := c.RegisteredAt.Add(time.Duration(24+int(cid[14])%(12*24)) * time.Hour) // within the two weeks it waits
		decided = &at
		if c.Verification == sim.VerificationRejected {
			reason = ptr("Synthetic cohort: the stated connection could not be confirmed.")
		}
	}
	b.spotChecks.add(derivedID(cid, "spot_check"), cid, names, c.RegisteredAt, outcome, reason, nil, decided)
	return nil
}

func (b *loadBatch) addInterest(cid, uid uuid.UUID, facts sim.CandidateFacts, in simulate.Interest) error {
	iid, err := uuid.Parse(in.ID)
	if err != nil {
		return fmt.Errorf("interest ID: %w", err)
	}
	oid, err := uuid.Parse(in.OrgID)
	if err != nil {
		return fmt.Errorf("organisation ID %q: %w", in.OrgID, err)
	}
	state, ev, err := sim.ExpressInterest(sim.Interest{}, in.OpenedAt)
	if err != nil {
		return err
	}
	b.interestEvent(ev, &uid, &oid, &iid)
	updated := in.OpenedAt
	for _, iv := range in.Interventions {
		by, err := uuid.Parse(iv.By)
		if err != nil {
			return fmt.Errorf("intervention %s: recorded by %q: %w", iv.ID, iv.By, err)
		}
		id, err := uuid.Parse(iv.ID)
		if err != nil {
			return fmt.Errorf("intervention ID %q: %w", iv.ID, err)
		}
		if state, ev, err = sim.RecordIntervention(state, iv.Intervention, iv.At); err != nil {
			return fmt.Errorf("intervention %s: %w", iv.ID, err)
		}
		b.interventions.add(id, iid, string(iv.Kind), dateValue(iv.On), optionalTime(dateValue(iv.EndsOn)), attendedOf(iv.Intervention),
			iv.Direct, ptr(string(iv.Reason)), by, iv.At)
		b.interestEvent(ev, &by, &oid, &iid)
		updated = iv.At
	}
	if !in.RemovedAt.IsZero() {
		if state, ev, err = sim.RemoveInterest(state, in.RemovedAt); err != nil {
			return err
		}
		b.interestEvent(ev, &uid, &oid, &iid)
		updated = in.RemovedAt
	}
	if state.State != in.State {
		return fmt.Errorf("replaying it reaches %s, not the cohort's %s", state.State, in.State)
	}
	// The view interests_view would compute, had the trigger fired.
	b.interests.add(iid, cid, oid, string(state.State), state.Interviewed, state.WorkPlaced, in.OpenedAt, updated,
		ptr(string(sim.ViewOf(facts, state.State))))
	return b.addThread(cid, oid, iid, in.Messages)
}

// orgsOf is the candidate's orgs_open and orgs_placed, as interests_orgs
// would have written them had the trigger fired: the organisations of the
// interests whose view (sim.ViewOf, as the loader writes it) is open and
// placed, in order.
func orgsOf(facts sim.CandidateFacts, interests []simulate.Interest) (open, placed []uuid.UUID, err error) {
	open, placed = []uuid.UUID{}, []uuid.UUID{}
	for _, in := range interests {
		oid, err := uuid.Parse(in.OrgID)
		if err != nil {
			return nil, nil, fmt.Errorf("organisation ID %q: %w", in.OrgID, err)
		}
		switch sim.ViewOf(facts, in.State) {
		case sim.OrgViewOpen:
			open = append(open, oid)
		case sim.OrgViewPlaced:
			placed = append(placed, oid)
		}
	}
	byID := func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
	slices.SortFunc(open, byID)
	slices.SortFunc(placed, byID)
	return open, placed, nil
}

// addThread adds the thread of an interest's messages, as MessageSend
// writes it: one thread per candidate and organisation, created at its
// first message and moved to the top at its last; each message's seq is
// the table's own, in the cohort's order. Read marks are not loaded: every
// message of a loaded cohort is unread.
func (b *loadBatch) addThread(cid, oid, iid uuid.UUID, msgs []simulate.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	tid := derivedID(iid, "thread")
	b.threads.add(tid, cid, oid, msgs[0].At, msgs[len(msgs)-1].At)
	for _, m := range msgs {
		id, err := uuid.Parse(m.ID)
		if err != nil {
			return fmt.Errorf("message ID %q: %w", m.ID, err)
		}
		author, err := uuid.Parse(m.AuthorID)
		if err != nil {
			return fmt.Errorf("message %s: author %q: %w", m.ID, m.AuthorID, err)
		}
		if err := sim.CheckMessage(m.Body); err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		b.messages.add(id, tid, author, m.FromCandidate, m.Body, m.At)
	}
	return nil
}

func (b *loadBatch) interestEvent(ev sim.InterestEvent, actor, org, interest *uuid.UUID) {
	b.event(ev.Type, string(ev.From), string(ev.To), actor, ev.At, org, interest)
}

// event adds a journey event of the current candidate, with an ID derived
// from the candidate's and its place among their events, so that loading
// the same cohort twice writes the same rows.
func (b *loadBatch) event(typ sim.EventType, from, to string, actor *uuid.UUID, at time.Time, org, interest *uuid.UUID) {
	id := derivedID(b.eventCandidate, "journey_event/"+strconv.Itoa(b.eventSeq))
	b.eventSeq++
	b.events.add(id, b.eventCandidate, string(typ), ptr(from), to, actor, at, org, interest)
}

// derivedID is a name-based (version 5) UUID for the row of kind that
// belongs to parent: the cohort gives IDs to what it generates, not to the
// rows around them.
func derivedID(parent uuid.UUID, kind string) uuid.UUID { return uuid.NewSHA1(parent, []byte(kind)) }

// copyTable is a table and the columns the loader writes to it.
type copyTable struct {
	name    string
	columns []string
}

var (
	orgTable = copyTable{"organisations", []string{
		"id", "name", "type", "region", "pledged_on", "active", "onboarding", "created_at", "updated_at"}}
	agreementTable = copyTable{"org_agreements", []string{
		"id", "org_id", "version", "signed_name", "signatory_name", "signatory_role", "signed_on", "recorded_at"}}
	userTable = copyTable{"users", []string{
		"id", "role", "email", "password_hash", "org_id", "name", "created_at", "updated_at"}}
	conductTable   = copyTable{"conduct_acceptances", []string{"user_id", "version", "accepted_at"}}
	candidateTable = copyTable{"candidates", []string{
		"id", "user_id", "status", "first_name", "last_name", "phone", "date_of_birth", "connection", "skills",
		"job_preferences", "region", "heard_about", "invited_at", "registered_at", "updated_at", "sharing", "verification",
		"orgs_open", "orgs_placed"}}
	invitationTable = copyTable{"invitations", []string{"id", "candidate_id", "kind", "created_at", "expires_at", "used_at"}}
	consentTable    = copyTable{"consents", []string{"id", "candidate_id", "text_version", "given", "method", "recorded_at"}}
	spotCheckTable  = copyTable{"spot_checks", []string{
		"id", "candidate_id", "flags", "sampled_at", "outcome", "reason", "decided_by", "decided_at"}}
	interestTable = copyTable{"interests", []string{
		"id", "candidate_id", "org_id", "state", "interviewed", "work_placed", "opened_at", "updated_at", "org_view"}}
	interventionTable = copyTable{"interventions", []string{
		"id", "interest_id", "kind", "occurred_on", "ends_on", "attended", "direct", "reason", "recorded_by", "recorded_at"}}
	journeyTable = copyTable{"journey_events", []string{
		"id", "candidate_id", "type", "from_status", "to_status", "actor_id", "occurred_at", "org_id", "interest_id"}}
	threadTable  = copyTable{"threads", []string{"id", "candidate_id", "org_id", "created_at", "last_message_at"}}
	messageTable = copyTable{"messages", []string{"id", "thread_id", "author_id", "from_candidate", "body", "sent_at"}}
)

// copyRows is rows waiting to be copied into one table.
type copyRows struct {
	table copyTable
	rows  [][]any
}

func newCopyRows(t copyTable) *copyRows { return &copyRows{table: t} }

// add adds a row. UUIDs are passed to pgx as pgtype.UUID: as uuid.UUID
// (a driver.Valuer) each would be formatted as text and parsed back,
// which was most of the loader's time.
func (r *copyRows) add(values ...any) {
	for i, v := range values {
		switch v := v.(type) {
		case uuid.UUID:
			values[i] = pgtype.UUID{Bytes: v, Valid: true}
		case *uuid.UUID:
			values[i] = pgtype.UUID{}
			if v != nil {
				values[i] = pgtype.UUID{Bytes: *v, Valid: true}
			}
		}
	}
	r.rows = append(r.rows, values)
}

func (r *copyRows) copy(ctx context.Context, tx pgx.Tx) error {
	if len(r.rows) == 0 {
		return nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{r.table.name}, r.table.columns, pgx.CopyFromRows(r.rows))
	if err != nil {
		return fmt.Errorf("load cohort: copy into %s: %w", r.table.name, err)
	}
	if n != int64(len(r.rows)) {
		return fmt.Errorf("load cohort: copy into %s: %d of %d rows written", r.table.name, n, len(r.rows))
	}
	return nil
}
