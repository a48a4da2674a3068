// Package testdb gives each test a fresh Postgres database cloned from a
// migrated template, reached as the real application role. It never skips:
// a test that cannot reach Postgres fails and says how to start it.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/muster-cms/muster/db"
)

// DefaultAdminURL is used when TEST_DATABASE_URL is unset.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DB is one test's database.
type DB struct {
	Name     string
	AdminURL string // superuser: for assertions that must see past RLS
	AppURL   string // muster_app: what the application uses
	App      *pgxpool.Pool
	Admin    *pgxpool.Pool
}

// AdminURL returns TEST_DATABASE_URL or DefaultAdminURL.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// New creates a fresh migrated database for t and drops it when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := AdminURL()
	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("test database: %v\n(Postgres must answer at %s: run `make test`, which starts it, or set TEST_DATABASE_URL)", err, redact(admin))
	}
	return newFrom(t, admin, tmpl)
}

// Clone closes d's connections and returns a fresh database that is a
// copy of d (Postgres copies it as a template: fast, whatever its size),
// dropped when t ends. d stays for further clones; its pools are closed.
func (d *DB) Clone(t testing.TB) *DB {
	t.Helper()
	d.App.Close()
	d.Admin.Close()
	return newFrom(t, AdminURL(), d.Name)
}

// newFrom creates a database copied from the template tmpl.
func newFrom(t testing.TB, admin, tmpl string) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := "muster_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to Postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	d := &DB{Name: name, AdminURL: withDB(admin, name, ""), AppURL: withDB(admin, name, db.AppRole)}
	t.Cleanup(func() {
		if d.App != nil {
			d.App.Close()
		}
		if d.Admin != nil {
			d.Admin.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	if d.App, err = db.Open(ctx, d.AppURL); err != nil {
		t.Fatalf("open app pool: %v", err)
	}
	if d.Admin, err = db.Open(ctx, d.AdminURL); err != nil {
		t.Fatalf("open admin pool: %v", err)
	}
	return d
}

// ensureTemplate builds, once per schema version, a migrated database to
// clone. Processes running tests in parallel serialise on an advisory lock.
func ensureTemplate(ctx context.Context, admin string) (string, error) {
	name := "muster_tmpl_" + migrationsDigest()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(738201)"); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(738201)") //nolint:errcheck
	var ready bool
	err = conn.QueryRow(ctx, "SELECT coalesce((SELECT datistemplate FROM pg_database WHERE datname = $1), false)", name).Scan(&ready)
	if err != nil {
		return "", err
	}
	if ready {
		return name, nil
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", name)); err != nil {
		return "", err
	}
	if err := db.Migrate(ctx, withDB(admin, name, "")); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s IS_TEMPLATE true", name)); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsDigest() string {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationsFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationsFS(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDB(raw, name, user string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return u.Redacted()
}

// Tables lists every table of the schema from the catalogue (not a list
// kept by hand, which a new table would escape), goose's own excepted.
func (d *DB) Tables(t testing.TB) []string {
	t.Helper()
	rows, err := d.Admin.Query(context.Background(), `SELECT tablename FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> 'goose_db_version' ORDER BY 1`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

// Counts returns the number of rows in every table, past row-level
// security.
func (d *DB) Counts(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range d.Tables(t) {
		var n int
		if err := d.Admin.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// RowsMentioning lists the tables in which some row, read as text,
// contains needle (case-insensitively): where a person's details are left.
func (d *DB) RowsMentioning(t testing.TB, needle string) []string {
	t.Helper()
	var found []string
	for _, table := range d.Tables(t) {
		var n int
		q := fmt.Sprintf("SELECT count(*) FROM %s r WHERE position(lower($1) IN lower(r::text)) > 0", pgx.Identifier{table}.Sanitize())
		if err := d.Admin.QueryRow(context.Background(), q, needle).Scan(&n); err != nil {
			t.Fatalf("search %s: %v", table, err)
		}
		if n > 0 {
			found = append(found, table)
		}
	}
	return found
}

// OwnedByUnprivileged makes a fresh role that is neither a superuser nor
// BYPASSRLS the owner of every table, view, sequence and function of d's
// schema, as on managed Postgres where the migrating role is an ordinary
// one: row-level security then applies to the owner too, and so to every
// security definer function. The role is dropped when t ends.
func (d *DB) OwnedByUnprivileged(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	owner := "muster_owner_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if _, err := d.Admin.Exec(ctx, "CREATE ROLE "+owner+" NOSUPERUSER NOBYPASSRLS"); err != nil {
		t.Fatalf("create owner: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, sql := range []string{"REASSIGN OWNED BY " + owner + " TO CURRENT_USER", "DROP OWNED BY " + owner, "DROP ROLE " + owner} {
			if _, err := d.Admin.Exec(ctx, sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
	rows, err := d.Admin.Query(ctx, `
		SELECT format('ALTER TABLE %I OWNER TO %I', c.relname, $1::text) FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'goose_db_version'
		UNION ALL
		SELECT format('ALTER VIEW %I OWNER TO %I', c.relname, $1::text) FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
		UNION ALL
		SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, $1::text) FROM pg_proc p
		WHERE p.pronamespace = 'public'::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`, owner)
	if err != nil {
		t.Fatalf("list objects: %v", err)
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list objects: %v", err)
	}
	for _, sql := range stmts {
		if _, err := d.Admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return owner
}
