// Command hooks shows Muster's two plugin points from an embedder's side,
// without forking Muster: a journey hook (Webhook: every journey event,
// signed, posted to an endpoint until it answers 2xx) and a custom
// notifier (MailAPI: email through a mail service's HTTP API instead of
// SMTP).
//
//	DATABASE_URL=postgres://muster_app@127.0.0.1:5432/muster \
//	TEMPORAL_ADDRESS=127.0.0.1:7233 MUSTER_CODEC_KEY=$(openssl rand -base64 32) \
//	WEBHOOK_URL=https://example.org/muster-events WEBHOOK_SECRET=... \
//	MAIL_API_URL=https://mail.example.org/v1/send MAIL_API_TOKEN=... \
//	go run ./examples/hooks
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

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/workflows"
)

// Options is what the embedder supplies.
type Options struct {
	Pool            *pgxpool.Pool
	TemporalAddress string
	Codec           *workflows.Codec
	TaskQueue       string
	Webhook         *Webhook
	Mail            *MailAPI
	Logger          *slog.Logger
}

// Start wires Muster with the webhook as a journey hook and the mail API
// as its notifier, and starts its worker and relay. Stop it with Stop,
// then close the returned client.
func Start(opts Options) (*muster.Muster, client.Client, error) {
	c, err := client.NewLazyClient(opts.Codec.ClientOptions(client.Options{HostPort: opts.TemporalAddress}))
	if err != nil {
		return nil, nil, err
	}
	m, err := muster.New(muster.Config{
		Pool: opts.Pool, Temporal: c, TaskQueue: opts.TaskQueue, Logger: opts.Logger,
		Programme: "Step into Health", PublicURL: "https://portal.example.org",
		Notifier:     opts.Mail,
		JourneyHooks: []sim.JourneyHook{opts.Webhook},
	})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	m.Start()
	return m, c, nil
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
	if os.Getenv("WEBHOOK_URL") == "" || os.Getenv("WEBHOOK_SECRET") == "" || os.Getenv("MAIL_API_URL") == "" {
		log.Fatal("WEBHOOK_URL, WEBHOOK_SECRET and MAIL_API_URL are required")
	}
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	m, c, err := Start(Options{
		Pool: pool, TemporalAddress: os.Getenv("TEMPORAL_ADDRESS"), Codec: codec, TaskQueue: "muster-hooks-example",
		Webhook: &Webhook{URL: os.Getenv("WEBHOOK_URL"), Secret: []byte(os.Getenv("WEBHOOK_SECRET"))},
		Mail:    &MailAPI{URL: os.Getenv("MAIL_API_URL"), Token: os.Getenv("MAIL_API_TOKEN")},
		Logger:  slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	defer m.Stop()
	srv := &http.Server{Addr: "127.0.0.1:3000", Handler: m.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	log.Println("Muster's API on http://127.0.0.1:3000, journey events to", os.Getenv("WEBHOOK_URL"))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
