// Command embed shows how a developer embeds Muster: Muster's HTTP API is
// mounted under /muster in the embedder's own chi router, and Muster's
// workflows and outbox relay run in the same process, wired by muster.New
// like the muster command itself.
//
//	DATABASE_URL=postgres://muster_app@127.0.0.1:5432/muster \
//	TEMPORAL_ADDRESS=127.0.0.1:7233 MUSTER_CODEC_KEY=$(openssl rand -base64 32) \
//	go run ./examples/embed
//
// The database must have been migrated (`muster migrate`) and a Temporal
// server must be running (`make dev` gives you both).
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// App is the embedder's application with Muster inside it.
type App struct {
	Handler http.Handler
	Muster  *muster.Muster
	client  client.Client
}

// Close stops Muster's worker and relay and closes the Temporal client.
func (a *App) Close() {
	a.Muster.Stop()
	a.client.Close()
}

// Options is what the embedder supplies.
type Options struct {
	Pool            *pgxpool.Pool
	TemporalAddress string
	Codec           *workflows.Codec
	Notifier        sim.Notifier // any implementation: SMTP, outbox, or the embedder's own
	Programme       string
	PublicURL       string
	TaskQueue       string
	Logger          *slog.Logger
}

// NewApp builds the embedder's router with Muster mounted under /muster and
// starts Muster's worker and relay.
func NewApp(opts Options) (*App, error) {
	c, err := client.NewLazyClient(opts.Codec.ClientOptions(client.Options{HostPort: opts.TemporalAddress}))
	if err != nil {
		return nil, err
	}
	m, err := muster.New(muster.Config{
		Pool: opts.Pool, Temporal: c, TaskQueue: opts.TaskQueue,
		Notifier: opts.Notifier, Programme: opts.Programme, PublicURL: opts.PublicURL,
		Logger: opts.Logger, BasePath: "/muster",
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	m.Start()

	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("Welcome to the careers portal. Muster's API is under /muster.\n"))
	})
	r.Mount("/muster", m.Handler)
	return &App{Handler: r, Muster: m, client: c}, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	key, err := base64.StdEncoding.DecodeString(os.Getenv("MUSTER_CODEC_KEY"))
	if err != nil {
		log.Fatal("MUSTER_CODEC_KEY must be 32 bytes, base64")
	}
	codec, err := workflows.NewCodec("k1", key)
	if err != nil {
		log.Fatal(err)
	}
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	app, err := NewApp(Options{
		Pool:            pool,
		TemporalAddress: os.Getenv("TEMPORAL_ADDRESS"),
		Codec:           codec,
		Notifier:        &mail.Outbox{Dir: ".data/outbox", From: "noreply@localhost"},
		Programme:       "Step into Health",
		PublicURL:       "http://localhost:3000",
		TaskQueue:       "embedded-muster",
		Logger:          slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	srv := &http.Server{Addr: "127.0.0.1:3000", Handler: app.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	log.Println("listening on http://127.0.0.1:3000 (Muster under /muster)")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
