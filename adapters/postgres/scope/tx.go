package scope

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/ports"
)

// Tx is the scoped transaction handed to a ports.ScopedFunc. Its methods are
// those of database/sql with PostgreSQL's $1 placeholders; it deliberately
// offers no Commit, Rollback or Close, because the scope owns the
// transaction and the connection.
type Tx struct {
	conn *sql.Conn
	bun  *bun.Conn
}

var _ ports.Tx = (*Tx)(nil)

// ExecContext runs a statement in the tenant's transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the tenant's transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query that returns at most one row in the tenant's
// transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.conn.QueryRowContext(ctx, query, args...)
}

// Bun returns the scoped transaction as a bun.IDB, for modules that build
// their queries with bun. Its queries run in the same transaction, with the
// same search path. Two differences from the ports.Tx view: raw SQL passed to
// its ExecContext/QueryContext uses bun's ? placeholders, and its RunInTx and
// BeginTx must not be used (the scope owns the transaction). The second
// result is false when tx did not come from this package's Scope.
func Bun(tx ports.Tx) (bun.IDB, bool) {
	if t, ok := tx.(*Tx); ok {
		return t.bun, true
	}
	if idb, ok := tx.(bun.IDB); ok {
		return idb, true
	}
	return nil, false
}
