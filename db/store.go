package db

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Store runs Muster's data operations, each in one tenant-scoped
// transaction, on a pool connected as AppRole.
type Store struct {
	pool     *pgxpool.Pool
	q        *dbgen.Queries
	sessions sim.SessionPolicy
	throttle sim.LoginThrottle
	// hashing holds a slot for each argon2id computation in progress: each
	// takes 19 MiB, so without a bound a burst of sign-ins or registrations
	// could take all the process's memory. More slots than cores add memory,
	// not throughput.
	hashing chan struct{}
}

// Option adjusts a Store.
type Option func(*Store)

// WithLoginThrottle replaces sim.DefaultLoginThrottle. It panics on a policy
// that fails Validate: that is a programming or configuration error the
// caller should have caught.
func WithLoginThrottle(p sim.LoginThrottle) Option {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return func(s *Store) { s.throttle = p }
}

// WithPasswordHashing sets how many argon2id hashes may be computed at
// once; the default is GOMAXPROCS. Further sign-ins and registrations wait
// their turn (or give up when their context ends). n below 1 panics.
func WithPasswordHashing(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("db: WithPasswordHashing(%d): need at least 1", n))
	}
	return func(s *Store) { s.hashing = make(chan struct{}, n) }
}

// NewStore returns a Store on pool with the given session policy.
func NewStore(pool *pgxpool.Pool, sessions sim.SessionPolicy, opts ...Option) *Store {
	s := &Store{
		pool: pool, q: dbgen.New(), sessions: sessions, throttle: sim.DefaultLoginThrottle,
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// inTx runs fn in one transaction whose row-level security context is actor.
func (s *Store) inTx(ctx context.Context, actor sim.Actor, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.q.ContextSet(ctx, tx, dbgen.ContextSetParams{Role: string(actor.Role), UserID: actor.UserID}); err != nil {
			return fmt.Errorf("set transaction context: %w", err)
		}
		return fn(tx)
	})
}

// interpretError maps driver errors to domain errors: no rows is
// sim.ErrNotFound, a unique violation is ECONFLICT. Anything else is
// returned as it is, to be wrapped by the caller.
func interpretError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return sim.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return sim.Errorf(sim.ECONFLICT, "that already exists")
	}
	return err
}

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, sim.FieldError(field, "%s must be a UUID", field)
	}
	return id, nil
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

func recordEvent(ctx context.Context, q *dbgen.Queries, tx pgx.Tx, candidateID uuid.UUID, actor sim.Actor, ev sim.Event) error {
	var actorID *uuid.UUID
	if id, err := uuid.Parse(actor.UserID); err == nil {
		actorID = &id
	}
	err := q.JourneyEventCreate(ctx, tx, dbgen.JourneyEventCreateParams{
		ID:          uuid.New(),
		CandidateID: candidateID,
		Type:        string(ev.Type),
		FromStatus:  ptr(string(ev.From)),
		ToStatus:    string(ev.To),
		ActorID:     actorID,
		OccurredAt:  ev.At,
	})
	if err != nil {
		return fmt.Errorf("record journey event %s: %w", ev.Type, err)
	}
	return nil
}

func candidateFromRow(r dbgen.Candidate) sim.Candidate {
	c := sim.Candidate{
		ID:        r.ID.String(),
		UserID:    idString(r.UserID),
		Status:    sim.Status(r.Status),
		InvitedAt: r.InvitedAt,
		Profile: sim.Profile{
			FirstName:      deref(r.FirstName),
			LastName:       deref(r.LastName),
			Phone:          deref(r.Phone),
			DateOfBirth:    deref(r.DateOfBirth),
			Connection:     sim.Connection(deref(r.Connection)),
			Skills:         r.Skills,
			JobPreferences: deref(r.JobPreferences),
			Region:         sim.Region(deref(r.Region)),
			HeardAbout:     sim.Source(deref(r.HeardAbout)),
		},
	}
	if r.RegisteredAt != nil {
		c.RegisteredAt = *r.RegisteredAt
	}
	return c
}

func journeyOf(c dbgen.Candidate) sim.Journey {
	j := sim.Journey{Status: sim.Status(c.Status), InvitedAt: c.InvitedAt}
	if c.RegisteredAt != nil {
		j.RegisteredAt = *c.RegisteredAt
	}
	return j
}

func dateOnly(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}
