package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
)

const erasuresUsage = `usage: muster erasures reapply --since T
  erase again every candidate erased since T (the time of the backup restored,
  RFC 3339, or a duration back from now such as 720h), from Temporal's record of
  the Erasure workflows: run it after restoring the database, before anyone uses it`

// runErasures runs `muster erasures reapply`.
func runErasures(ctx context.Context, args []string, out io.Writer, now time.Time) error {
	if len(args) < 1 || args[0] != "reapply" {
		return errors.New(erasuresUsage)
	}
	fs := flag.NewFlagSet("erasures reapply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sinceFlag := fs.String("since", "", "the time of the backup restored (RFC 3339) or a duration back from now (720h)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *sinceFlag == "" {
		return errors.New(erasuresUsage)
	}
	since, err := parseSince(*sinceFlag, now)
	if err != nil {
		return err
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
	c, err := client.DialContext(ctx, client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: quietTemporalLogger{},
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	res, err := muster.ReapplyErasures(ctx, db.NewStore(pool, cfg.Sessions), c, cfg.TemporalNamespace, since)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d erasures since %s; %d candidates were back and are erased again\n",
		res.Erasures, since.UTC().Format(time.RFC3339), res.ErasedAgain)
	return nil
}

// parseSince reads a time (RFC 3339) or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.After(now) {
			return time.Time{}, fmt.Errorf("--since %s is in the future", s)
		}
		return t, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("--since must be a time (RFC 3339, such as 2026-11-30T02:00:00Z) or a duration back from now (such as 720h), not %q", s)
	}
	return now.Add(-d), nil
}
