package simulate

import (
	"time"

	"github.com/muster-cms/muster/sim"
)

// DefaultUsersPerOrg is how many users each organisation has when
// Options.UsersPerOrg is zero.
const DefaultUsersPerOrg = 3

// Options says what to generate.
type Options struct {
	// Seed selects the cohort: the same Options give the same cohort.
	Seed uint64
	// Candidates is how many candidates to generate.
	Candidates int
	// Orgs is how many organisations to generate; candidates need at
	// least one to choose.
	Orgs int
	// UsersPerOrg is how many users each organisation has: its first
	// user is an org_admin, the others org_users. Zero means
	// DefaultUsersPerOrg.
	UsersPerOrg int
	// Now is when the cohort is generated as of: registrations are
	// spread over the three years before it and nothing happens after
	// it. Generated times are in UTC, in whole seconds.
	Now time.Time
}

// Cohort is a generated population: organisations, then candidates.
type Cohort struct {
	Orgs       []Org
	Candidates []Candidate
}

// Org is a generated organisation on the programme.
type Org struct {
	ID      string
	Details sim.OrgDetails
	Users   []OrgUser
}

// OrgUser is a generated user of an organisation.
type OrgUser struct {
	ID    string
	Name  string
	Email string
	Role  sim.Role // the first user of an organisation is its org_admin
}

// Candidate is a generated registered candidate and everything that
// happened on their journey up to Options.Now.
type Candidate struct {
	ID     string
	UserID string
	Email  string
	// Status is registered, withdrawn, or placed; a placed candidate has
	// exactly one placed interest.
	Status       sim.Status
	Profile      sim.Profile // valid on RegisteredAt and on Options.Now
	RegisteredAt time.Time
	// ClosedAt is when the candidate was placed or withdrew; zero while
	// registered.
	ClosedAt time.Time
	// Sharing is the candidate's consent to share their record with the
	// organisations they choose.
	Sharing bool
	// Verification follows sim.DefaultSpotCheckPolicy: unchecked unless
	// the policy samples the registration.
	Verification sim.Verification
	// Interests are in the order the candidate chose them (OpenedAt).
	Interests []Interest
}

// Interest is a candidate's interest in one organisation, with what the
// organisation recorded on it and the messages of its thread.
type Interest struct {
	ID    string
	OrgID string
	// State is the state reached by expressing the interest at OpenedAt,
	// recording Interventions in order and, when RemovedAt is set,
	// removing it then.
	State         sim.InterestState
	OpenedAt      time.Time
	Interventions []Intervention
	// RemovedAt is when the candidate took the choice back; zero unless
	// State is removed.
	RemovedAt time.Time
	Messages  []Message
}

// Intervention is one piece of support an organisation user recorded, At
// the time it was recorded. Its On is At's date.
type Intervention struct {
	ID string
	By string // the ID of the OrgUser who recorded it
	At time.Time
	sim.Intervention
}

// Message is one message in the thread between a candidate and an
// organisation.
type Message struct {
	ID            string
	FromCandidate bool
	// AuthorID is the candidate's UserID when FromCandidate, otherwise
	// the ID of one of the organisation's users.
	AuthorID string
	Body     string
	At       time.Time
}

// Validate refuses negative counts, candidates without organisations to
// choose and a zero Now, with an EINVALID *sim.Error naming the field.
func (o Options) Validate() error {
	switch {
	case o.Candidates < 0:
		return sim.FieldError("candidates", "candidates must not be negative")
	case o.Orgs < 0:
		return sim.FieldError("orgs", "orgs must not be negative")
	case o.UsersPerOrg < 0:
		return sim.FieldError("users_per_org", "users_per_org must not be negative")
	case o.Orgs == 0 && o.Candidates > 0:
		return sim.FieldError("orgs", "candidates need at least one organisation to choose")
	case o.Now.IsZero():
		return sim.FieldError("now", "now is required: the cohort is generated as of it")
	}
	return nil
}

// Generate returns the whole cohort o describes, holding it in memory;
// use Each for large cohorts. It returns Validate's error for invalid
// Options, and an error should the generator produce a journey the state
// machines refuse (a bug).
func Generate(o Options) (Cohort, error) {
	if err := o.Validate(); err != nil {
		return Cohort{}, err
	}
	c := Cohort{Orgs: o.Organisations(), Candidates: make([]Candidate, 0, o.Candidates)}
	err := newGenerator(o, c.Orgs).each(func(cand Candidate) error {
		c.Candidates = append(c.Candidates, cand)
		return nil
	})
	if err != nil {
		return Cohort{}, err
	}
	return c, nil
}

// Each generates the candidates of o in order, one at a time, and calls
// fn with each, so that a cohort of millions need not be held in memory.
// It stops at and returns the first error fn returns, unwrapped; it
// returns Validate's error for invalid Options, and an error should the
// generator produce a journey the state machines refuse (a bug).
// Candidate i is the one Generate returns at index i.
func (o Options) Each(fn func(Candidate) error) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return newGenerator(o, o.Organisations()).each(fn)
}

// Organisations returns the organisations of the cohort o describes, the
// same as Generate's; nil when there are none or o is not valid.
func (o Options) Organisations() []Org {
	if o.Validate() != nil || o.Orgs == 0 {
		return nil
	}
	users := o.UsersPerOrg
	if users == 0 {
		users = DefaultUsersPerOrg
	}
	return organisations(o.Seed, o.Orgs, users, o.now())
}

// now is Now in UTC and whole seconds, so that what a loader stores in a
// database reads back equal.
func (o Options) now() time.Time { return o.Now.UTC().Truncate(time.Second) }
