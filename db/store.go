package db

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Store is Muster's door to Postgres, connected as AppRole. Every data
// operation runs in a Tx that InTx opens for a real actor.
type Store struct {
	pool     *pgxpool.Pool
	q        *dbgen.Queries
	sessions sim.SessionPolicy
	throttle sim.LoginThrottle
	// hashing holds a slot for each argon2id computation in progress: each
	// takes 19 MiB, so without a bound a burst of sign-ins or registrations
	// could take all the process's memory. More slots than cores add memory,
	// not throughput. Trusted work goes first (see hashSlots).
	hashing *hashSlots
	// verifyPassword checks a sign-in's password against the stored hash:
	// VerifyPassword (a test may count the checks through export_test.go).
	verifyPassword func(hash, pw string) bool
	// accountWindow is how long an invitation to an organisation account
	// stays open.
	accountWindow time.Duration
	// mfaRequired are the roles that must sign in with two factors.
	mfaRequired []sim.Role
	// chain links audit events into the chain after the transactions that
	// wrote them commit (audit.go).
	chain chainer
	// log reports what fails where no caller hears it (the chain's
	// linking after commit); discarded unless WithLogger.
	log *slog.Logger
	// visibility is who sees placed candidates; every transaction carries
	// it to row-level security.
	visibility sim.VisibilityPolicy
	// spotChecks is how registrations are sampled for verification.
	spotChecks sim.SpotCheckPolicy
	// followUps is when a placement is followed up.
	followUps sim.FollowUpPolicy
	// hooks are the names of the journey hooks every journey event is
	// delivered to.
	hooks []string
	// enqueued is nudged after a commit that wrote to the outbox, so an
	// in-process relay delivers at once instead of at its next poll.
	enqueued chan struct{}
}

// Option adjusts a Store.
type Option func(*Store)

// WithLoginThrottle replaces sim.DefaultLoginThrottle (account-wide fields
// left zero take its values). It panics on a policy that fails Validate:
// that is a programming or configuration error the caller should have
// caught.
func WithLoginThrottle(p sim.LoginThrottle) Option {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return func(s *Store) { s.throttle = p }
}

// WithPasswordHashing sets how many argon2id hashes may be computed at
// once; the default is GOMAXPROCS. Further sign-ins and registrations wait
// their turn (or give up when their context ends), sign-ins from a network
// the account knows and signed-in people's password changes first. n below 1 panics.
func WithPasswordHashing(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("db: WithPasswordHashing(%d): need at least 1", n))
	}
	return func(s *Store) { s.hashing = newHashSlots(n) }
}

// WithAccountInvitationWindow sets how long an invitation to an
// organisation account stays open; the default is
// sim.DefaultAccountInvitationWindow. A window under a second panics.
func WithAccountInvitationWindow(d time.Duration) Option {
	if d < time.Second {
		panic(fmt.Sprintf("db: WithAccountInvitationWindow(%s): too short", d))
	}
	return func(s *Store) { s.accountWindow = d }
}

// WithVisibility sets the deployment's visibility option; the default
// keeps a placed candidate the operator's only.
func WithVisibility(p sim.VisibilityPolicy) Option {
	return func(s *Store) { s.visibility = p }
}

// WithSpotChecks replaces sim.DefaultSpotCheckPolicy. It panics on a
// policy that fails Validate.
func WithSpotChecks(p sim.SpotCheckPolicy) Option {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return func(s *Store) { s.spotChecks = p }
}

// WithFollowUps replaces sim.DefaultFollowUpPolicy for placements
// recorded from now on. It panics on a policy that fails Validate.
func WithFollowUps(p sim.FollowUpPolicy) Option {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return func(s *Store) { s.followUps = p }
}

// WithJourneyHooks names the journey hooks the worker runs: every
// journey event then starts, through the outbox, the workflow that
// delivers it to each.
func WithJourneyHooks(names ...string) Option {
	return func(s *Store) { s.hooks = slices.Clone(names) }
}

// WithLogger reports what fails in the Store's own background work (the
// audit chain's linking after commit) to l. Nothing personal is logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.log = l }
}

// NewStore returns a Store on pool with the given session policy.
func NewStore(pool *pgxpool.Pool, sessions sim.SessionPolicy, opts ...Option) *Store {
	s := &Store{
		pool: pool, q: dbgen.New(), sessions: sessions, throttle: sim.DefaultLoginThrottle, verifyPassword: VerifyPassword,
		hashing:       newHashSlots(runtime.GOMAXPROCS(0)),
		accountWindow: sim.DefaultAccountInvitationWindow,
		spotChecks:    sim.DefaultSpotCheckPolicy,
		followUps:     sim.DefaultFollowUpPolicy,
		enqueued:      make(chan struct{}, 1),
		log:           slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Enqueued receives a value soon after a transaction that wrote workflow
// intents commits: the relay listens to deliver them at once.
func (s *Store) Enqueued() <-chan struct{} { return s.enqueued }

// InTx runs fn in one transaction as actor. It is the one place Muster
// opens a transaction: the row-level security context (app.role,
// app.user_id, app.credential) is set before fn runs, so every statement
// in fn sees and changes only what actor may, and the methods fn calls on
// the Tx compose into one atomic change. An error from fn rolls it all
// back and is returned as it is.
//
// The transaction's BEGIN and context go with its first statement, in one
// round trip (lazyTx). When ctx carries a request's transaction that has
// not been taken yet (OpenSession: the bearer's session found, the
// transaction already its user's) and actor is that user, fn runs in it:
// a request authenticates and acts in one transaction. For any other
// actor, that transaction is committed first.
//
// When Postgres aborts the transaction to break a deadlock or for a
// serialisation failure, fn runs again in a new one, up to maxTxAttempts
// times in all.
func (s *Store) InTx(ctx context.Context, actor sim.Actor, fn func(*Tx) error) error {
	var tx *Tx
	if r := requestTxFrom(ctx); r != nil {
		if tx = r.take(actor); tx == nil {
			if err := r.finish(ctx); err != nil {
				return err
			}
		}
	}
	for attempt := 1; ; attempt++ {
		if tx == nil {
			var err error
			if tx, err = s.begin(ctx, actor); err != nil {
				return err
			}
		}
		err := s.run(ctx, tx, fn)
		if attempt >= maxTxAttempts || !retryable(err) {
			return err
		}
		tx = nil
		// The transaction that won is still finishing: running again at
		// once meets it (or the same pattern) again. A few milliseconds,
		// at random, and more each time, let it go first.
		t := time.NewTimer(time.Duration(attempt) * (2*time.Millisecond + rand.N(8*time.Millisecond)))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// maxTxAttempts is how many times InTx runs fn when Postgres aborts its
// transaction to break a deadlock or a serialisation conflict: the
// transaction did nothing, and running it again is what Postgres asks
// for. (Two writers can take the same rows in opposite orders — an
// anonymisation deleting a candidate and their interests while an
// organisation records support on one of those interests and then
// references the candidate — and which orders the code takes is not a
// promise every future statement will keep.) fn must therefore do
// nothing but through its Tx, as every use case does.
const maxTxAttempts = 5

// retryable says whether err is Postgres aborting a transaction that may
// succeed when run again: a deadlock broken, or a serialisation failure.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// begin takes a connection for a transaction as actor, whose BEGIN and
// context wait for its first statement.
func (s *Store) begin(ctx context.Context, actor sim.Actor) (*Tx, error) {
	args, err := contextOf(actor, s.visibility)
	if err != nil {
		return nil, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	lt := &lazyTx{conn: conn}
	lt.prepend(contextSQL, args...)
	return &Tx{tx: lt, q: s.q, actor: actor, store: s}, nil
}

// run runs fn in tx, commits it or rolls it back, and returns tx's
// connection to the pool.
func (s *Store) run(ctx context.Context, tx *Tx, fn func(*Tx) error) (err error) {
	defer tx.tx.conn.Release()
	defer func() {
		if err != nil {
			tx.tx.rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.tx.commit(ctx); err != nil {
		return err
	}
	if tx.audited {
		s.kickChain()
	}
	if tx.enqueued {
		select {
		case s.enqueued <- struct{}{}:
		default:
		}
	}
	return nil
}

// knownRoles are the roles a transaction may run as.
var knownRoles = map[sim.Role]bool{
	sim.RoleOperator: true, sim.RoleOrgAdmin: true, sim.RoleOrgUser: true, sim.RoleCandidate: true,
	sim.RoleSystem: true, sim.RoleAnonymous: true,
}

// contextSQL sets a transaction's row-level security context (app.role,
// app.user_id, app.org_id, app.credential) and the deployment's
// visibility option (app.keep_placed) for the rest of the transaction,
// from the arguments contextOf makes. One statement whose text never
// changes, so each connection prepares it once.
const contextSQL = "SELECT set_config('app.role', $1, true), set_config('app.user_id', $2, true), set_config('app.org_id', $3, true), set_config('app.credential', $4, true), set_config('app.keep_placed', $5, true)"

// contextOf is contextSQL's arguments for actor: every value in it is
// checked to be a known role, a UUID or hexadecimal.
func contextOf(actor sim.Actor, v sim.VisibilityPolicy) ([]any, error) {
	if !knownRoles[actor.Role] {
		return nil, fmt.Errorf("db: a transaction needs an actor with a known role, not %q", actor.Role)
	}
	userID, err := canonicalID(actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("db: actor's user ID is not a UUID")
	}
	orgID, err := canonicalID(actor.OrgID)
	if err != nil {
		return nil, fmt.Errorf("db: actor's organisation ID is not a UUID")
	}
	if actor.Role.OrgRole() != (orgID != "") {
		return nil, fmt.Errorf("db: an actor has an organisation exactly when their role is an organisation's (%s)", actor.Role)
	}
	keepPlaced := ""
	if v.KeepPlacedWithPlacer {
		keepPlaced = "on"
	}
	return []any{string(actor.Role), userID, orgID, hex.EncodeToString(actor.Credential), keepPlaced}, nil
}

// canonicalID is s as a canonical UUID, or "" for "".
func canonicalID(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// actAs switches this transaction's row-level security context to actor
// from its next statement on. Only for proofs already made in the
// transaction: the sign-in check becomes the session's user once the
// bearer token has found their session, and a new account acts as itself
// once created.
func (tx *Tx) actAs(actor sim.Actor) error {
	args, err := contextOf(actor, tx.store.visibility)
	if err != nil {
		return err
	}
	tx.tx.prepend(contextSQL, args...)
	tx.actor = actor
	return nil
}

// interpretError maps driver errors to domain errors: no rows is
// sim.ErrNotFound, a unique violation is ECONFLICT, a row that row-level
// security refuses is EFORBIDDEN, and text Postgres cannot store (NUL,
// invalid UTF-8, which the layers above refuse first) is EINVALID.
// Anything else is returned as it is, to be wrapped by the caller.
func interpretError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return sim.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return sim.Errorf(sim.ECONFLICT, "that already exists")
		case "42501": // insufficient_privilege
			// A row that a row-level security policy refuses is a refusal;
			// a missing grant is a deployment fault, left as an internal
			// error so that it is logged.
			if strings.Contains(pgErr.Message, "row-level security") {
				return sim.Errorf(sim.EFORBIDDEN, "not allowed")
			}
		case "22021", "22P05": // invalid byte sequence, untranslatable character (NUL)
			return sim.Errorf(sim.EINVALID, "text must be valid UTF-8 without NUL characters")
		}
	}
	return err
}

// constraint is the name of the constraint (or unique index) that err
// violated, or "".
func constraint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// notFound reports whether err, once interpreted, means no such row.
func notFound(err error) bool { return errors.Is(err, sim.ErrNotFound) }

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, sim.FieldError(field, "%s must be a UUID", field)
	}
	return id, nil
}

// optionalID is the actor's user as a column value, or nil.
func optionalID(s string) *uuid.UUID {
	if id, err := uuid.Parse(s); err == nil {
		return &id
	}
	return nil
}

func idString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
