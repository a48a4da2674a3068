// Command embed shows how a developer embeds Muster: Muster's HTTP API is
// mounted under /muster in the embedder's own chi router, and Muster's
// workflows run on a worker in the same process.
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
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/muster-cms/muster/activities"
	"github.com/muster-cms/muster/activities/mail"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// App is the embedder's application with Muster inside it.
type App struct {
	Handler http.Handler
	worker  worker.Worker
	client  client.Client
}

// Close stops the worker and closes the Temporal client.
func (a *App) Close() {
	a.worker.Stop()
	a.client.Close()
}

// Options is what the embedder supplies.
type Options struct {
	Store           *db.Store
	TemporalAddress string
	Codec           *workflows.Codec
	Notifier        sim.Notifier // any implementation: SMTP, outbox, or the embedder's own
	PublicURL       string
	TaskQueue       string
	Logger          *slog.Logger
}

// NewApp builds the embedder's router with Muster mounted under /muster and
// starts Muster's worker.
func NewApp(opts Options) (*App, error) {
	c, err := client.Dial(opts.Codec.ClientOptions(client.Options{HostPort: opts.TemporalAddress}))
	if err != nil {
		return nil, err
	}
	w := worker.New(c, opts.TaskQueue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: opts.Store, Notifier: opts.Notifier, PublicURL: opts.PublicURL})
	if err := w.Start(); err != nil {
		c.Close()
		return nil, err
	}
	api, err := httpapi.NewHandler(httpapi.Config{
		Store:    opts.Store,
		Engine:   &workflows.Engine{Client: c, TaskQueue: opts.TaskQueue},
		Logger:   opts.Logger,
		BasePath: "/muster",
	})
	if err != nil {
		w.Stop()
		c.Close()
		return nil, err
	}

	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("Welcome to the careers portal. Muster's API is under /muster.\n"))
	})
	r.Mount("/muster", api)
	return &App{Handler: r, worker: w, client: c}, nil
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
		Store:           db.NewStore(pool, sim.DefaultSessionPolicy),
		TemporalAddress: os.Getenv("TEMPORAL_ADDRESS"),
		Codec:           codec,
		Notifier:        &mail.Outbox{Dir: ".data/outbox", From: "noreply@localhost"},
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
