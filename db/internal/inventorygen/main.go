// Command inventorygen turns the data inventory, written as a comment on
// every column of the migrations, into code: db/inventory.gen.go (the
// inventory as a Go table, db.Inventory) and queries/privacy.gen.sql (the
// statements that subject access, anonymisation and the retention sweep
// run, which sqlc then compiles), plus db/privacy.gen.go, which lists those
// statements by table. It migrates a scratch database to read the
// comments as Postgres holds them, so what it reads is what the schema
// is. Run from the module root by make generate; make verify runs it with
// -check, which fails when a generated file is not what the migrations
// say.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/muster-cms/muster/sim"
)

const (
	goOut      = "db/inventory.gen.go"
	registryGo = "db/privacy.gen.go"
	sqlOut     = "queries/privacy_generated.sql"
)

func main() {
	check := flag.Bool("check", false, "fail if a generated file differs from what the migrations say, instead of writing it")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "inventorygen:", err)
		os.Exit(1)
	}
}

func adminURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "INVENTORY_DATABASE_URL"} {
		if u := os.Getenv(k); u != "" {
			return u
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func run(check bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inv, facts, err := readInventory(ctx, adminURL())
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	if files[goOut], err = inventoryGo(inv); err != nil {
		return err
	}
	if os.Getenv("INVENTORYGEN_DEBUG") != "" {
		fmt.Fprintln(os.Stderr, "columns:", len(inv))
		for _, c := range inv {
			fmt.Fprintln(os.Stderr, c.Table, c.Column, c.Subject, c.Anonymise)
		}
	}
	sqlText, registry, err := privacySQL(inv, facts)
	if err != nil {
		return err
	}
	files[sqlOut] = sqlText
	if files[registryGo], err = format.Source(registry); err != nil {
		return fmt.Errorf("format %s: %w\n%s", registryGo, err, registry)
	}
	var stale []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if check {
			old, err := os.ReadFile(name)
			if err != nil || !bytes.Equal(old, files[name]) {
				stale = append(stale, name)
			}
			continue
		}
		if err := os.WriteFile(name, files[name], 0o644); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("%s out of date with the migrations' column comments: run make generate", strings.Join(stale, ", "))
	}
	return nil
}

// schemaFacts are what the generated statements need of the schema
// beside the inventory: each table's primary key, and each foreign key
// that cascades on delete ("table.column" → the table it names).
type schemaFacts struct {
	pks      map[string][]string
	cascades map[string]string
}

// readInventory migrates a scratch database and reads every column's
// comment, every table's comment and primary key, and the foreign keys
// that cascade.
func readInventory(ctx context.Context, admin string) (sim.Inventory, schemaFacts, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, schemaFacts{}, fmt.Errorf("connect to Postgres at %s (set TEST_DATABASE_URL): %w", redact(admin), err)
	}
	defer conn.Close(context.Background())
	name := "muster_inventorygen_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, schemaFacts{}, fmt.Errorf("create scratch database: %w", err)
	}
	defer conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck
	scratch, err := withDatabase(admin, name)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	cfg, err := pgx.ParseConfig(scratch)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	if cfg.Database != name {
		return nil, schemaFacts{}, fmt.Errorf("the scratch database's URL names %q, not %q", cfg.Database, name)
	}
	if err := migrate(ctx, scratch, name); err != nil {
		return nil, schemaFacts{}, err
	}
	sc, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	defer sc.Close(context.Background())
	rows, err := sc.Query(ctx, `
		SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod),
		       coalesce(col_description(a.attrelid, a.attnum), ''), coalesce(obj_description(a.attrelid, 'pg_class'), '')
		FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		JOIN pg_attribute a ON a.attrelid = format('%I', c.table_name)::regclass AND a.attname = c.column_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'goose_db_version'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	var inv sim.Inventory
	var problems []string
	for rows.Next() {
		var table, column, typ, comment, purpose string
		if err := rows.Scan(&table, &column, &typ, &comment, &purpose); err != nil {
			return nil, schemaFacts{}, err
		}
		col, err := sim.ParseColumnComment(table, column, comment)
		col.Type, col.Purpose = typ, purpose
		if err != nil {
			problems = append(problems, sim.ErrorMessage(err))
			continue
		}
		inv = append(inv, col)
	}
	if err := rows.Err(); err != nil {
		return nil, schemaFacts{}, err
	}
	if len(problems) > 0 {
		return nil, schemaFacts{}, errors.New("the data inventory has problems:\n  " + strings.Join(problems, "\n  "))
	}
	if err := inv.Validate(); err != nil {
		return nil, schemaFacts{}, errors.New(sim.ErrorMessage(err))
	}
	facts := schemaFacts{pks: map[string][]string{}, cascades: map[string]string{}}
	crow, err := sc.Query(ctx, `
		SELECT c.conrelid::regclass::text || '.' || a.attname, c.confrelid::regclass::text
		FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.confdeltype = 'c' AND cardinality(c.conkey) = 1`)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	for crow.Next() {
		var col, parent string
		if err := crow.Scan(&col, &parent); err != nil {
			return nil, schemaFacts{}, err
		}
		facts.cascades[col] = parent
	}
	if err := crow.Err(); err != nil {
		return nil, schemaFacts{}, err
	}
	prow, err := sc.Query(ctx, `
		SELECT tc.table_name, array_agg(k.column_name::text ORDER BY k.ordinal_position)
		FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
		WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'
		GROUP BY tc.table_name`)
	if err != nil {
		return nil, schemaFacts{}, err
	}
	for prow.Next() {
		var t string
		var cols []string
		if err := prow.Scan(&t, &cols); err != nil {
			return nil, schemaFacts{}, err
		}
		facts.pks[t] = cols
	}
	return inv, facts, prow.Err()
}

func migrate(ctx context.Context, url, name string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("db/migrations"))
	if err != nil {
		return fmt.Errorf("migrations (run from the module root): %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	return nil
}

// withDatabase returns the URL u with its database replaced by name.
func withDatabase(u, name string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	parsed.Path = "/" + name
	return parsed.String(), nil
}

func redact(u string) string {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

// inventoryGo writes the inventory as a Go table.
func inventoryGo(inv sim.Inventory) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by db/internal/inventorygen from the migrations' column comments. DO NOT EDIT.\n\n")
	b.WriteString("package db\n\nimport \"github.com/muster-cms/muster/sim\"\n\n")
	b.WriteString("// Inventory is the data inventory: every column of every table, with\n// its class, retention category, data subject, anonymisation, audience\n// and purpose, as the migrations' column comments say (see sim.InventoryColumn).\n")
	b.WriteString("var Inventory = sim.Inventory{\n")
	for _, c := range inv {
		fmt.Fprintf(&b, "\t{Table: %q, Column: %q, Type: %q, Class: %q, Category: %q", c.Table, c.Column, c.Type, c.Class, c.Category)
		if !c.Subject.IsZero() {
			fmt.Fprintf(&b, ", Subject: sim.SubjectPath{Kind: %q", c.Subject.Kind)
			if len(c.Subject.Via) > 0 {
				fmt.Fprintf(&b, ", Via: %#v", c.Subject.Via)
			}
			if c.Subject.Who != "" {
				fmt.Fprintf(&b, ", Who: %q", c.Subject.Who)
			}
			b.WriteString("}")
		}
		if c.Anonymise != "" {
			fmt.Fprintf(&b, ", Anonymise: %q", c.Anonymise)
		}
		seen := make([]string, len(c.SeenBy))
		for i, a := range c.SeenBy {
			seen[i] = fmt.Sprintf("%q", a)
		}
		fmt.Fprintf(&b, ", SeenBy: []sim.Audience{%s}", strings.Join(seen, ", "))
		if c.Clock {
			b.WriteString(", Clock: true")
		}
		if c.Cascade {
			b.WriteString(", Cascade: true")
		}
		fmt.Fprintf(&b, ", Purpose: %q},\n", c.Purpose)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
