package db

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lazyTx is the connection a Tx runs its statements on: one transaction,
// sent no earlier than its first statement. The statements that only set
// things up for the next one (BEGIN, the actor's row-level security
// context, a change of actor, the list's plan settings) are held until a
// statement that needs an answer comes, and go with it in one pipelined
// batch: one round trip instead of one each. Postgres runs them in order,
// so the statement runs in the context they set; if one fails, the rest
// of the batch does not run and its error is the statement's.
//
// A transaction in which no statement ran was never begun: committing it
// only returns its connection.
type lazyTx struct {
	conn    *pgxpool.Conn
	tx      pgx.Tx // nil until BEGIN has been sent
	pending []queued
}

type queued struct {
	sql  string
	args []any
}

// prepend holds sql to run before the next statement.
func (t *lazyTx) prepend(sql string, args ...any) {
	t.pending = append(t.pending, queued{sql, args})
}

// ready reports whether a statement can go on its own: the transaction is
// open and nothing waits to go before it.
func (t *lazyTx) ready() bool { return t.tx != nil && len(t.pending) == 0 }

// send sends what waits and then sql, reads the results of what waited,
// and returns the batch positioned at sql's result, which the caller
// reads and then closes.
func (t *lazyTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	begin := t.tx == nil
	if begin {
		b.BeginTx(pgx.TxOptions{})
	}
	for _, q := range t.pending {
		b.Queue(q.sql, q.args...)
	}
	b.Queue(sql, args...)
	waiting := len(t.pending)
	t.pending = t.pending[:0]
	br := t.conn.SendBatch(ctx, b)
	if begin {
		t.tx = br.Tx()
		waiting++
	}
	for range waiting {
		if _, err := br.Exec(); err != nil {
			return nil, errors.Join(err, br.Close())
		}
	}
	return br, nil
}

// Exec runs sql, after what waits.
func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.ready() {
		return t.tx.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// Query runs sql, after what waits.
func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.ready() {
		return t.tx.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow runs sql, after what waits.
func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.ready() {
		return t.tx.QueryRow(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// held is t for a statement that only sets up the next one (dbgen's
// :exec queries with no answer to wait for): its Exec holds the statement
// until the next one is sent, instead of running it.
func (t *lazyTx) held() heldExec { return heldExec{t} }

type heldExec struct{ *lazyTx }

func (h heldExec) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	h.prepend(sql, args...)
	return pgconn.CommandTag{}, nil
}

// commit commits what was sent; what still waits had no statement to set
// up and is dropped.
func (t *lazyTx) commit(ctx context.Context) error {
	t.pending = nil
	if t.tx == nil {
		return nil
	}
	return t.tx.Commit(ctx)
}

// rollback rolls back what was sent. A connection it leaves in a
// transaction (a rollback that failed) is closed by the pool when it is
// released, not reused.
func (t *lazyTx) rollback(ctx context.Context) {
	t.pending = nil
	if t.tx != nil {
		_ = t.tx.Rollback(ctx)
	}
}

// batchRows are the rows of the last statement of a batch, which they
// close with themselves.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow is the row of the last statement of a batch, which its Scan
// closes.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// CopyFrom copies rows into table in the transaction, after sending what
// waits (BEGIN and the context, when nothing has been sent yet).
func (t *lazyTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if !t.ready() {
		if _, err := t.Exec(ctx, "SELECT 1"); err != nil {
			return 0, err
		}
	}
	return t.tx.CopyFrom(ctx, table, columns, src)
}
