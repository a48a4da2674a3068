package db_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testdb"
	"github.com/muster-cms/muster/sim"
)

var classificationRe = regexp.MustCompile(`^class=([a-z-]+); category=([a-z_]+)$`)

// Every column of every table is in the data inventory: a class and a
// retention category both known to sim.
func TestEveryColumnIsClassified(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	rows, err := d.Admin.Query(context.Background(), `
		SELECT c.table_name, c.column_name, coalesce(col_description(format('%I', c.table_name)::regclass, c.ordinal_position), '')
		FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'goose_db_version'
		ORDER BY 1, 2`)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, column, comment string
		require.NoError(t, rows.Scan(&table, &column, &comment))
		m := classificationRe.FindStringSubmatch(comment)
		require.NotNil(t, m, "%s.%s has no 'class=...; category=...' comment (got %q)", table, column, comment)
		require.True(t, slices.Contains(sim.DataClasses, sim.DataClass(m[1])), "%s.%s: unknown class %q", table, column, m[1])
		require.True(t, slices.Contains(sim.RetentionCategories, sim.RetentionCategory(m[2])), "%s.%s: unknown category %q", table, column, m[2])
		n++
	}
	require.NoError(t, rows.Err())
	require.Greater(t, n, 40)
}

// The application's role cannot bypass row-level security and owns nothing;
// every table has RLS enabled and forced.
func TestAppRoleAndRLS(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	var super, bypass bool
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", db.AppRole).Scan(&super, &bypass))
	require.False(t, super)
	require.False(t, bypass)
	var owned int
	require.NoError(t, d.Admin.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tableowner = $1", db.AppRole).Scan(&owned))
	require.Zero(t, owned)

	rows, err := d.Admin.Query(ctx, `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
		WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'goose_db_version'`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var name string
		var enabled, forced bool
		require.NoError(t, rows.Scan(&name, &enabled, &forced))
		require.True(t, enabled && forced, "table %s must have row-level security enabled and forced", name)
	}
	require.NoError(t, rows.Err())

	var user string
	require.NoError(t, d.App.QueryRow(ctx, "SELECT current_user").Scan(&user))
	require.Equal(t, db.AppRole, user)
}
