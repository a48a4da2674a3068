// Package muster wires Muster together: the one way to run it, used by
// the muster command, the embedding example and the end-to-end tests.
//
//	m, err := muster.New(muster.Config{Pool: pool, Temporal: c, Notifier: n})
//	m.Start()          // the Temporal worker and the outbox relay
//	defer m.Stop()
//	router.Mount("/muster", m.Handler)
//
// Config says what differs between deployments (the notifier, the clock,
// the policies); everything else has a default. The packages underneath
// (sim, db, activities, workflows, httpapi) can be used on their own;
// this package only composes them.
package muster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// Config is what an embedder supplies. Pool, Temporal and Notifier are
// required; a zero value anywhere else means the default.
type Config struct {
	// Pool is connected as db.AppRole (NOSUPERUSER, NOBYPASSRLS, owns
	// nothing) to a database migrated with db.Migrate; New refuses any
	// role that row-level security would not bind (db.CheckAppRole).
	Pool *pgxpool.Pool
	// Temporal is a client made with a workflows.Codec's ClientOptions, so
	// every payload is encrypted. A lazy client (client.NewLazyClient) lets
	// Muster start while Temporal is down: work waits in the outbox.
	Temporal  client.Client
	Namespace string // default "default"
	TaskQueue string // default workflows.DefaultTaskQueue

	// Notifier delivers emails: mail.SMTP, mail.Outbox, or your own.
	Notifier sim.Notifier
	// Programme names the programme in emails (default "Muster").
	Programme string
	// PublicURL is where people reach your front end; emailed links are
	// PublicURL + "/register?token=...".
	PublicURL string
	// Emails overrides the wording of emails; zero fields keep
	// activities.DefaultEmails.
	Emails activities.Emails

	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // the clock of the API and the activities; default time.Now

	// Policies.
	Sessions         sim.SessionPolicy // default sim.DefaultSessionPolicy
	LoginThrottle    sim.LoginThrottle // default sim.DefaultLoginThrottle
	InvitationWindow time.Duration     // default sim.DefaultInvitationWindow
	ResendGap        time.Duration     // default activities.DefaultResendGap
	PasswordHashing  int               // argon2id computations at once; default GOMAXPROCS
	// AccountInvitationWindow is how long an invitation to an
	// organisation account stays open; default
	// sim.DefaultAccountInvitationWindow (seven days, reminded two days
	// before it closes).
	AccountInvitationWindow time.Duration
	// CodeOfConduct is what every organisation user accepts before first
	// use; default sim.DefaultCodeOfConduct. New publishes it: changing
	// the text needs a new version, which everyone accepts again.
	CodeOfConduct sim.CodeOfConduct
	// RequireMFA lists the roles that must sign in with two factors (say
	// operator and org_admin): until they enrol, they may only enrol.
	// Anyone may turn it on for themselves.
	RequireMFA []sim.Role
	// Visibility is the deployment's visibility option: by default a
	// placed candidate is the operator's only; KeepPlacedWithPlacer keeps
	// them visible to the organisation that placed them.
	Visibility sim.VisibilityPolicy
	// FollowUp is when a placement is followed up; zero means
	// sim.DefaultFollowUpPolicy (3, 6 and 12 months, a reminder after two
	// weeks, no answer two weeks later). A placement keeps the schedule it
	// started with.
	FollowUp sim.FollowUpPolicy
	// SpotChecks is how new registrations are sampled for verification;
	// zero means sim.DefaultSpotCheckPolicy (one in ten, plus every one a
	// rule flags). Set Share to a negative number for none at random.
	SpotChecks sim.SpotCheckPolicy
	// JourneyHooks receive every journey event, durably (see
	// sim.JourneyHook): an embedder's extension point beside the Notifier.
	JourneyHooks []sim.JourneyHook

	// The HTTP API: see httpapi.Config for each.
	BasePath                    string
	TrustedProxies              []netip.Prefix
	RegistrationRequestsPerHour int
	RegistrationAttemptsPerHour int
	MaxBodyBytes                int64
	DevPages                    bool
	// CursorKey signs the cursors of every paged list, binding each to the
	// list and the caller's scope that issued it (see
	// httpapi.Config.CursorKey): at least 32 secret bytes, the same in
	// every API process. `muster serve` derives it from the payload key
	// unless MUSTER_CURSOR_KEY is set.
	CursorKey []byte

	// RelayInterval is how often the outbox relay polls for intents
	// written by other processes; default one second.
	RelayInterval time.Duration
	// SkipSearchAttributes: do not check, before the worker starts, that
	// the namespace has Muster's search attributes (and add them if it
	// does not). A worker that is refused the check starts anyway, with a
	// warning; set this to skip even the attempt.
	SkipSearchAttributes bool
}

// Muster is a wired engine: the Store, the HTTP Handler, and (once
// started) a Temporal worker and the outbox relay.
type Muster struct {
	Store   *db.Store
	Handler http.Handler

	cfg    Config
	log    *slog.Logger
	acts   *activities.Activities
	relay  *workflows.Relay
	mu     sync.Mutex
	worker worker.Worker
	stop   context.CancelFunc
	done   sync.WaitGroup
}

// New wires Muster from cfg. It starts nothing: call Start.
func New(cfg Config) (*Muster, error) {
	if cfg.Pool == nil || cfg.Temporal == nil || cfg.Notifier == nil {
		return nil, errors.New("muster: Config.Pool, Config.Temporal and Config.Notifier are required")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.TaskQueue == "" {
		cfg.TaskQueue = workflows.DefaultTaskQueue
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sessions == (sim.SessionPolicy{}) {
		cfg.Sessions = sim.DefaultSessionPolicy
	}
	if cfg.LoginThrottle == (sim.LoginThrottle{}) {
		cfg.LoginThrottle = sim.DefaultLoginThrottle
	}
	cfg.LoginThrottle = cfg.LoginThrottle.WithDefaults()
	if err := cfg.LoginThrottle.Validate(); err != nil {
		return nil, fmt.Errorf("muster: %w", err)
	}
	if cfg.InvitationWindow == 0 {
		cfg.InvitationWindow = sim.DefaultInvitationWindow
	}
	if err := cfg.Emails.Validate(); err != nil {
		return nil, fmt.Errorf("muster: %w", err)
	}
	if cfg.CodeOfConduct == (sim.CodeOfConduct{}) {
		cfg.CodeOfConduct = sim.DefaultCodeOfConduct
	}
	if cfg.AccountInvitationWindow == 0 {
		cfg.AccountInvitationWindow = sim.DefaultAccountInvitationWindow
	}
	if cfg.AccountInvitationWindow < time.Second {
		return nil, errors.New("muster: AccountInvitationWindow must be at least a second")
	}
	for _, r := range cfg.RequireMFA {
		if !r.Person() {
			return nil, fmt.Errorf("muster: RequireMFA: %q is not a role", r)
		}
	}
	if cfg.FollowUp.Months == nil && cfg.FollowUp.RemindAfter == 0 && cfg.FollowUp.AnswerWindow == 0 {
		cfg.FollowUp = sim.DefaultFollowUpPolicy
	}
	if err := cfg.FollowUp.Validate(); err != nil {
		return nil, fmt.Errorf("muster: FollowUp: %w", err)
	}
	switch {
	case cfg.SpotChecks == (sim.SpotCheckPolicy{}):
		cfg.SpotChecks = sim.DefaultSpotCheckPolicy
	case cfg.SpotChecks.Share < 0:
		cfg.SpotChecks.Share = 0
	}
	if err := cfg.SpotChecks.Validate(); err != nil {
		return nil, fmt.Errorf("muster: SpotChecks: %w", err)
	}
	if err := sim.CheckHooks(cfg.JourneyHooks); err != nil {
		return nil, fmt.Errorf("muster: JourneyHooks: %w", err)
	}
	hookNames := make([]string, len(cfg.JourneyHooks))
	for i, h := range cfg.JourneyHooks {
		hookNames[i] = h.Name()
	}
	opts := []db.Option{db.WithLoginThrottle(cfg.LoginThrottle), db.WithAccountInvitationWindow(cfg.AccountInvitationWindow), db.WithMFARequired(cfg.RequireMFA...),
		db.WithVisibility(cfg.Visibility), db.WithFollowUps(cfg.FollowUp), db.WithSpotChecks(cfg.SpotChecks), db.WithJourneyHooks(hookNames...),
		db.WithLogger(cfg.Logger)}
	if cfg.PasswordHashing > 0 {
		opts = append(opts, db.WithPasswordHashing(cfg.PasswordHashing))
	}
	store := db.NewStore(cfg.Pool, cfg.Sessions, opts...)
	pubCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := db.CheckAppRole(pubCtx, cfg.Pool)
	if err == nil {
		err = store.PublishConduct(pubCtx, cfg.CodeOfConduct, cfg.Now())
	}
	cancel()
	if err != nil {
		return nil, fmt.Errorf("muster: %w", err)
	}
	handler, err := httpapi.NewHandler(httpapi.Config{
		Store:  store,
		Logger: cfg.Logger,
		TemporalHealth: func(ctx context.Context) error {
			_, err := cfg.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		},
		InvitationWindow:            cfg.InvitationWindow,
		BasePath:                    cfg.BasePath,
		TrustedProxies:              cfg.TrustedProxies,
		RegistrationRequestsPerHour: cfg.RegistrationRequestsPerHour,
		RegistrationAttemptsPerHour: cfg.RegistrationAttemptsPerHour,
		MaxBodyBytes:                cfg.MaxBodyBytes,
		Now:                         cfg.Now,
		DevPages:                    cfg.DevPages,
		CursorKey:                   cfg.CursorKey,
		Issuer:                      cfg.Programme,
	})
	if err != nil {
		return nil, err
	}
	return &Muster{
		Store: store, Handler: handler, cfg: cfg, log: cfg.Logger,
		acts: &activities.Activities{
			Store: store, Notifier: cfg.Notifier, Programme: cfg.Programme, PublicURL: cfg.PublicURL,
			Emails: cfg.Emails, InvitationWindow: cfg.InvitationWindow, ResendGap: cfg.ResendGap, Now: cfg.Now,
			Hooks: cfg.JourneyHooks,
		},
		relay: &workflows.Relay{
			Store: store, Client: cfg.Temporal, TaskQueue: cfg.TaskQueue, Logger: cfg.Logger, Interval: cfg.RelayInterval,
		},
	}, nil
}

// Start runs the outbox relay and the Temporal worker in the background
// and returns at once. While Temporal is unreachable the relay keeps
// intents pending and the worker keeps trying to start (each logged), so
// the API serves throughout and nothing is lost.
func (m *Muster) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.done.Add(2)
	go func() {
		defer m.done.Done()
		_ = m.relay.Run(ctx)
	}()
	go func() {
		defer m.done.Done()
		m.runWorker(ctx)
	}()
}

// Stop stops the relay and the worker and waits for them.
func (m *Muster) Stop() {
	m.mu.Lock()
	stop := m.stop
	m.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	m.done.Wait()
	m.mu.Lock()
	if m.worker != nil {
		m.worker.Stop()
		m.worker = nil
	}
	m.stop = nil
	m.mu.Unlock()
}

// runWorker starts the worker once the namespace has Muster's search
// attributes, retrying while Temporal is unreachable, until ctx ends.
func (m *Muster) runWorker(ctx context.Context) {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := m.startWorker(ctx)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			m.log.Warn("Temporal worker not started yet; retrying", "attempt", attempt, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if wait < 15*time.Second {
			wait *= 2
		}
	}
}

func (m *Muster) startWorker(ctx context.Context) error {
	if !m.cfg.SkipSearchAttributes {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := workflows.EnsureSearchAttributes(callCtx, m.cfg.Temporal, m.cfg.Namespace)
		cancel()
		switch {
		case errors.Is(err, workflows.ErrCannotCheckSearchAttributes):
			// An administrator may have registered them; workflows fail
			// loudly in the Web UI if not.
			m.log.Warn("could not check Muster's search attributes; starting the worker on the assumption that `muster temporal-setup` was run", "error", err.Error())
		case err != nil:
			return fmt.Errorf("%w (register them with `muster temporal-setup`)", err)
		}
	}
	w := worker.New(m.cfg.Temporal, m.cfg.TaskQueue, worker.Options{})
	workflows.Register(w, m.acts)
	if err := w.Start(); err != nil {
		return err
	}
	m.mu.Lock()
	m.worker = w
	m.mu.Unlock()
	m.log.Info("Temporal worker started", "task_queue", m.cfg.TaskQueue, "namespace", m.cfg.Namespace)
	return nil
}
