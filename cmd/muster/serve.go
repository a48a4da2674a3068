package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

func runServe(ctx context.Context) error {
	cfg, err := loadConfig(true)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(cfg.LogLevel), nil)
}

// serve runs the API, the worker, the outbox relay and the codec server
// until ctx ends. ready, if set, is called once they are listening. It
// starts even while Temporal is down: the API serves, /readyz says
// degraded, and workflows wait in the outbox until Temporal is back.
func serve(ctx context.Context, cfg config, logger *slog.Logger, ready func()) error {
	pool, err := db.Open(ctx, cfg.AppDatabaseURL)
	if err != nil {
		return fmt.Errorf("%w (has `muster migrate` been run? it creates the %s role)", err, db.AppRole)
	}
	defer pool.Close()

	codec, err := workflows.NewCodec(cfg.CodecKeyID, cfg.CodecKey)
	if err != nil {
		return err
	}
	tc, err := client.NewLazyClient(codec.ClientOptions(client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(logger),
	}))
	if err != nil {
		return fmt.Errorf("Temporal client for %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()

	var notifier sim.Notifier
	if cfg.SMTPURL != "" {
		if notifier, err = mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return fmt.Errorf("MUSTER_SMTP_URL: %w", err)
		}
	} else {
		notifier = &mail.Outbox{Dir: cfg.OutboxDir, From: cfg.MailFrom}
		logger.Warn("MUSTER_SMTP_URL is not set: emails are written to the outbox, not sent", "outbox", cfg.OutboxDir)
	}

	m, err := muster.New(muster.Config{
		Pool: pool, Temporal: tc, Namespace: cfg.TemporalNamespace, TaskQueue: cfg.TaskQueue,
		Notifier: notifier, Programme: cfg.Programme, PublicURL: cfg.PublicURL,
		Logger:        logger,
		Sessions:      cfg.Sessions,
		LoginThrottle: cfg.LoginThrottle, InvitationWindow: cfg.InvitationWindow, AccountInvitationWindow: cfg.AccountWindow,
		TrustedProxies:              cfg.TrustedProxies,
		RegistrationRequestsPerHour: cfg.RegistrationRate,
		RegistrationAttemptsPerHour: cfg.RegistrationAttempts,
		DevPages:                    cfg.DevPages,
		RequireMFA:                  cfg.RequireMFA,
		Visibility:                  sim.VisibilityPolicy{KeepPlacedWithPlacer: cfg.KeepPlacedVisible},
		FollowUp:                    cfg.FollowUp,
		SpotChecks:                  cfg.SpotChecks,
		CodeOfConduct:               cfg.CodeOfConduct,
		CursorKey:                   cfg.CursorKey,
	})
	if err != nil {
		return err
	}
	m.Start()
	defer m.Stop()
	go ensureSchedules(ctx, tc, cfg.TaskQueue, logger)

	servers := []*http.Server{
		{Addr: cfg.HTTPAddr, Handler: m.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second},
		{Addr: cfg.CodecAddr, Handler: workflows.CodecServer(codec, cfg.TemporalUIOrigins), ReadHeaderTimeout: 10 * time.Second},
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		l, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", s.Addr, err)
		}
		go func() {
			if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	logger.Info("muster serving", "api", cfg.HTTPAddr, "codec_server", cfg.CodecAddr, "temporal", cfg.TemporalAddress, "task_queue", cfg.TaskQueue)
	if ready != nil {
		ready()
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdown)
	}
	return err
}

// runTemporalSetup registers Muster's search attributes on the namespace
// of a real cluster (the dev server gets them from `muster dev`). It needs
// an administrator's access to the operator service.
func runTemporalSetup(ctx context.Context) error {
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	c, err := client.DialContext(ctx, client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: quietTemporalLogger{},
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	if err := workflows.EnsureSearchAttributes(ctx, c, cfg.TemporalNamespace); err != nil {
		return err
	}
	fmt.Printf("namespace %s has Muster's search attributes: %s\n", cfg.TemporalNamespace, strings.Join(searchAttributeNames(), ", "))
	created, err := workflows.EnsureRetentionSchedule(ctx, c, cfg.TaskQueue)
	if err != nil {
		return err
	}
	fmt.Printf("retention schedule %s (daily, 02:00 UTC, task queue %s): %s\n", workflows.RetentionScheduleID, cfg.TaskQueue,
		map[bool]string{true: "created", false: "already there"}[created])
	return nil
}

// ensureSchedules creates Muster's Temporal Schedules, trying again with
// a backoff while Temporal cannot be reached: serve starts whether or not
// Temporal is up.
func ensureSchedules(ctx context.Context, c client.Client, taskQueue string, logger *slog.Logger) {
	for wait := time.Second; ctx.Err() == nil; wait = min(2*wait, time.Minute) {
		created, err := workflows.EnsureRetentionSchedule(ctx, c, taskQueue)
		if err == nil {
			logger.Info("retention schedule in place", "schedule_id", workflows.RetentionScheduleID, "created", created)
			return
		}
		logger.Warn("retention schedule not yet created; trying again", "error", err.Error(), "retry_in", wait.String())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

func searchAttributeNames() []string {
	var names []string
	for name := range workflows.SearchAttributes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func runMigrate(ctx context.Context) error {
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	if err := ensureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	if err := db.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	newLogger(cfg.LogLevel).Info("database migrated")
	return nil
}

// ensureDatabase creates DATABASE_URL's database when it does not exist.
func ensureDatabase(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		return fmt.Errorf("connect to Postgres: %w", err)
	}
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	name := cc.Database
	cc.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("connect to Postgres to create database %s: %w", name, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func runOperator(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: MUSTER_OPERATOR_PASSWORD=... muster operator <email>")
	}
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	password := env("MUSTER_OPERATOR_PASSWORD", "")
	if password == "" {
		return errors.New("set MUSTER_OPERATOR_PASSWORD (not a flag, so it stays out of process lists)")
	}
	pool, err := db.Open(ctx, cfg.AppDatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	created, err := db.NewStore(pool, cfg.Sessions).EnsureOperator(ctx, args[0], password, time.Now())
	if err != nil {
		if sim.ErrorCode(err) == sim.EINTERNAL {
			return err
		}
		return errors.New(sim.ErrorMessage(err))
	}
	if created {
		fmt.Println("operator created")
	} else {
		fmt.Println("an account with that email already exists; nothing changed")
	}
	return nil
}

// runAudit runs `muster audit verify`: it recomputes the audit trail's
// hash chain from its first row and names the first row where it breaks.
// It fails (exit status 1) when the chain is broken.
func runAudit(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return errors.New("usage: muster audit verify")
	}
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	pool, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	v, err := db.NewStore(pool, cfg.Sessions).AuditVerify(ctx)
	if err != nil {
		return err
	}
	if v.BrokenAt != 0 {
		fmt.Fprintf(out, "audit trail BROKEN at row %d of %d checked: %s\n", v.BrokenAt, v.Rows, v.Reason)
		return fmt.Errorf("the audit trail is broken at row %d", v.BrokenAt)
	}
	fmt.Fprintf(out, "audit trail intact: %d rows\n", v.Rows)
	return nil
}

// openApp connects to the database as the application, refusing a role
// that row-level security would not bind (db.CheckAppRole).
func openApp(ctx context.Context, cfg config) (*pgxpool.Pool, error) {
	pool, err := db.Open(ctx, cfg.AppDatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.CheckAppRole(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
