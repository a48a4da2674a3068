// Command muster runs the Muster engine.
//
//	muster serve     the HTTP API, a Temporal worker and the codec server
//	muster migrate   apply database migrations (as DATABASE_URL's owner role)
//	muster operator  create an operator account (password from MUSTER_OPERATOR_PASSWORD)
//	muster temporal-setup  register Muster's search attributes on a Temporal namespace
//	muster audit verify  recompute the audit trail's hash chain and name the first broken row
//	muster erasures reapply  erase again, after a database restore, everyone erased since the backup
//	muster simulate  load a synthetic cohort (sim/simulate) into DATABASE_URL's database
//	muster inventory print the data inventory (the record of processing) as Markdown or CSV
//	muster dev       everything for development: Temporal dev server, migrate, demo operator and cohort, serve
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage: muster <command>

commands:
  serve      run the HTTP API, a Temporal worker and the codec server
  migrate    apply database migrations using DATABASE_URL
  operator   create an operator: muster operator <email> (password from MUSTER_OPERATOR_PASSWORD)
  temporal-setup
             register Muster's search attributes on TEMPORAL_NAMESPACE of a real cluster
  audit verify
             recompute the audit trail's hash chain; fails naming the first broken row
  erasures reapply --since T
             after restoring the database from a backup: erase again everyone erased since T
             (the backup's time, RFC 3339, or a duration back such as 720h), from Temporal's record
  simulate   load a synthetic cohort: muster simulate --candidates N --orgs M [--seed S] [--users-per-org U]
             (into DATABASE_URL's database, which must hold no candidates; -h for more)
  inventory  print the data inventory, the record of processing: muster inventory [--format markdown|csv]
  dev        development: start Temporal (unless TEMPORAL_ADDRESS is set), migrate, seed a demo operator
             and a small demo cohort, serve

configuration is read from the environment: see README.md`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = runServe(ctx)
	case "migrate":
		err = runMigrate(ctx)
	case "operator":
		err = runOperator(ctx, os.Args[2:])
	case "temporal-setup":
		err = runTemporalSetup(ctx)
	case "audit":
		err = runAudit(ctx, os.Args[2:], os.Stdout)
	case "erasures":
		err = runErasures(ctx, os.Args[2:], os.Stdout, time.Now())
	case "simulate":
		err = runSimulate(ctx, os.Args[2:], os.Stdout)
	case "inventory":
		err = runInventory(os.Args[2:], os.Stdout)
	case "dev":
		err = runDev(ctx)
	case "help", "-h", "--help":
		fmt.Println(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s\n", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		slog.Error("muster "+os.Args[1]+" failed", "error", err.Error())
		os.Exit(1)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
