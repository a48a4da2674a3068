package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects a pool to url and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database as %s on %s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// CheckAppRole refuses a pool whose role row-level security would not
// bind: a superuser, a role with BYPASSRLS, or the owner of the schema's
// tables (or a member of the owner's role), whom row-level security does
// not bind unless forced, and Muster does not force it (the owner's own
// functions read past it). The application connects as AppRole.
func CheckAppRole(ctx context.Context, pool *pgxpool.Pool) error {
	var user string
	var super, bypass, owns bool
	err := pool.QueryRow(ctx, `SELECT current_user, r.rolsuper, r.rolbypassrls,
		EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
		        AND pg_has_role(current_user, c.relowner, 'USAGE'))
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&user, &super, &bypass, &owns)
	if err != nil {
		return fmt.Errorf("check the application's database role: %w", err)
	}
	why := ""
	switch {
	case super:
		why = "is a superuser"
	case bypass:
		why = "bypasses row-level security (BYPASSRLS)"
	case owns:
		why = "owns the tables (or is a member of their owner)"
	default:
		return nil
	}
	return fmt.Errorf("the application's database role %s %s, so row-level security would not apply to it: connect as %s (MUSTER_APP_DATABASE_URL)", user, why, AppRole)
}
