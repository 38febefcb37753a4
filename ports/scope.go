package ports

import (
	"context"
	"database/sql"

	"github.com/tenancyhq/tenancy/core"
)

// Tx is the transaction a scoped function runs in: its unqualified names
// resolve in the tenant's schema, then in the shared schemas. *sql.Tx,
// *sql.Conn and bun's IDB all satisfy it.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ScopedFunc is code that runs inside one tenant's schema.
type ScopedFunc func(ctx context.Context, tx Tx) error

// Scope runs code inside a tenant's schema, in one transaction whose search
// path is set transaction-locally, so the pooled connection goes back clean.
//
// Errors: KindConflict when the tenant is not provisioned yet, KindForbidden
// when it is suspended, KindGone when it is deleted; the function's own error
// comes back unchanged; a failure to begin or commit is KindUnavailable.
type Scope interface {
	// Run runs fn in the given tenant's schema.
	Run(ctx context.Context, tenant core.Tenant, fn ScopedFunc) error
	// RunCurrent runs fn in the schema of the tenant carried by ctx (see
	// WithTenant); without one it returns KindInvalid.
	RunCurrent(ctx context.Context, fn ScopedFunc) error
}

type tenantKey struct{}

// WithTenant returns a context that carries the resolved tenant.
func WithTenant(ctx context.Context, t core.Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFrom returns the tenant carried by ctx, if any.
func TenantFrom(ctx context.Context) (core.Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(core.Tenant)
	return t, ok
}

// UsableError tells why hosted code may not run for t, or nil when it may.
// Every adapter that gates tenant access uses it, so the kinds stay the same
// everywhere: not provisioned → conflict, suspended → forbidden, deleted → gone.
func UsableError(t core.Tenant) error {
	switch t.Status {
	case core.StatusProvisioned:
		return nil
	case core.StatusSuspended:
		return Errorf(KindForbidden, "tenant %q is suspended", t.Slug)
	case core.StatusDeleted:
		return Errorf(KindGone, "tenant %q is deleted", t.Slug)
	default:
		return Errorf(KindConflict, "tenant %q is not provisioned yet (status %s); provision it first", t.Slug, t.Status)
	}
}
