// Package scope runs hosted code inside one tenant's schema. Each call takes
// a connection from the pool and opens a transaction whose first statement
// pins the search path transaction-locally (SET LOCAL), so the tenant's
// unqualified table names resolve in its schema and the connection goes back
// to the pool with its default search path, whatever the code did.
//
// BEGIN and SET LOCAL travel in one round trip: a statement without
// arguments runs over pgx's simple protocol, which accepts several
// statements. A connection that is not idle after the call (an unfinished or
// failed transaction, a failed rollback) is discarded rather than pooled.
package scope

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Lookup reads a tenant's current state from a trusted source (the registry
// or its cache).
type Lookup func(ctx context.Context, id string) (core.Tenant, error)

// Options configure a Scope.
type Options struct {
	// SharedSchemas follow the tenant's schema on the search path, in order.
	// Nil means core.DefaultSharedSchema; an empty, non-nil slice means
	// none. A name core.ValidateSharedSchemas refuses makes every Run fail
	// with KindInternal before any SQL runs.
	SharedSchemas []string
}

// Scope implements ports.Scope over a bun.DB whose driver is pgx's stdlib.
type Scope struct {
	db     *bun.DB
	lookup Lookup
	shared []string
}

var _ ports.Scope = (*Scope)(nil)

// New returns a Scope over db. lookup may be nil: then the scope trusts the
// tenant its caller passes (the resolver or the registry gave it). When set,
// it re-reads the tenant before every call and gates on that state instead,
// for callers that hold tenant values longer than a request.
func New(db *bun.DB, lookup Lookup, opts Options) *Scope {
	return &Scope{db: db, lookup: lookup, shared: core.SharedSchemas(opts.SharedSchemas)}
}

// RunCurrent runs fn in the schema of the tenant carried by ctx. Without one
// it returns ports.ErrNoTenant (KindInvalid).
func (s *Scope) RunCurrent(ctx context.Context, fn ports.ScopedFunc) error {
	t, ok := ports.TenantFrom(ctx)
	if !ok {
		return ports.ErrNoTenant
	}
	return s.Run(ctx, t, fn)
}

// Run runs fn in t's schema, in one transaction that commits when fn returns
// nil and rolls back when it returns an error or panics (the panic goes on
// after the rollback). fn's error comes back unchanged. A tenant that is not
// provisioned is refused with ports.UsableError's kind before any SQL runs,
// so a schema name is pinned only for a provisioned tenant.
func (s *Scope) Run(ctx context.Context, t core.Tenant, fn ports.ScopedFunc) (err error) {
	if s.lookup != nil {
		fresh, err := s.lookup(ctx, t.ID)
		if err != nil {
			return err
		}
		t = fresh
	}
	if err := ports.UsableError(t); err != nil {
		return err
	}
	path, err := core.SearchPath(t.SchemaName, s.shared)
	if err != nil {
		// Only a tampered registry row or a bad configuration gets here; the
		// name must not reach SQL.
		return ports.Wrap(ports.KindInternal, err, "the search path of tenant %q is invalid", t.Slug)
	}
	conn, err := s.begin(ctx, "BEGIN; SET LOCAL search_path TO "+path)
	if err != nil {
		return err
	}
	tx := &Tx{conn: conn.Conn, bun: &conn}

	finished := false
	defer func() {
		if finished {
			return
		}
		// fn panicked: roll back, drop the connection if it is not clean,
		// and let the panic go on.
		rollbackAndRelease(ctx, conn.Conn)
	}()
	fnErr := fn(ctx, tx)
	finished = true
	if fnErr != nil {
		rollbackAndRelease(ctx, conn.Conn)
		return fnErr
	}
	return commitAndRelease(ctx, conn.Conn, t.Slug)
}

// begin takes a connection and sends the opening statements. A pooled
// connection already inside a transaction (left there by code outside this
// package) is discarded instead of used, so the search path is never set in
// someone else's transaction.
func (s *Scope) begin(ctx context.Context, opening string) (bun.Conn, error) {
	for attempt := 0; ; attempt++ {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return bun.Conn{}, ports.Wrap(ports.KindUnavailable, err, "the database is unavailable")
		}
		status, err := postgres.TxStatus(conn.Conn)
		if err != nil {
			_ = conn.Close()
			return bun.Conn{}, ports.Wrap(ports.KindInternal, err, "the tenant scope cannot inspect its connection")
		}
		if status != postgres.TxIdle {
			postgres.Discard(conn.Conn)
			if attempt < 2 {
				continue
			}
			return bun.Conn{}, ports.Errorf(ports.KindUnavailable, "no clean database connection is available")
		}
		if _, err := conn.ExecContext(ctx, opening); err != nil {
			// The opening may have half-run; a rollback makes sure no
			// transaction stays open on a connection that goes back.
			rollbackAndRelease(ctx, conn.Conn)
			return bun.Conn{}, ports.Wrap(ports.KindUnavailable, err, "begin the tenant transaction")
		}
		return conn, nil
	}
}

// The closing statements. RESET search_path rides along in the same round
// trip: SET LOCAL already reverts at the end of the transaction, and the
// RESET undoes a session-level SET that the scoped function may have run
// against the rules, so the connection goes back with its default path.
const (
	commitSQL   = "COMMIT; RESET search_path"
	rollbackSQL = "ROLLBACK; RESET search_path"
)

// commitAndRelease commits the scoped transaction. A transaction that fn
// left failed (it swallowed an SQL error) or ended itself cannot commit what
// fn believes it wrote, so that is an error rather than a silent rollback.
func commitAndRelease(ctx context.Context, conn *sql.Conn, slug string) error {
	status, err := postgres.TxStatus(conn)
	if err != nil {
		rollbackAndRelease(ctx, conn)
		return ports.Wrap(ports.KindInternal, err, "the tenant scope cannot inspect its connection")
	}
	switch status {
	case postgres.TxFailed:
		rollbackAndRelease(ctx, conn)
		return ports.Errorf(ports.KindInternal,
			"the transaction in tenant %q was aborted by an earlier SQL error that the scoped function ignored; nothing was committed", slug)
	case postgres.TxIdle:
		rollbackAndRelease(ctx, conn)
		return ports.Errorf(ports.KindInternal,
			"the scoped function in tenant %q ended the transaction itself; let the scope commit", slug)
	}
	if _, err := conn.ExecContext(ctx, commitSQL); err != nil {
		rollbackAndRelease(ctx, conn)
		return ports.Wrap(ports.KindUnavailable, err, "commit the tenant transaction")
	}
	postgres.Release(conn)
	return nil
}

// rollbackAndRelease rolls back with a context that outlives a cancelled
// request, then releases the connection (discarding it if it is not idle).
// ROLLBACK outside a transaction only warns, so it is safe in every state.
func rollbackAndRelease(ctx context.Context, conn *sql.Conn) {
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), rollbackSQL); err != nil {
		postgres.Discard(conn)
	}
	postgres.Release(conn)
}
