package ports

import (
	"context"
	"net/http"

	"github.com/tenancyhq/tenancy/core"
)

// TenantLookup finds one tenant by reference (its id or its slug). Tenants
// satisfies it; so does the resolver's cache, which sits in front of it.
//
// Errors: KindNotFound for an unknown ref; KindUnavailable when the store
// cannot be reached. A found tenant is returned whatever its status: whether
// it may be used is the caller's decision (see UsableError).
type TenantLookup interface {
	Get(ctx context.Context, ref string) (core.Tenant, error)
}

// TenantLookupFunc adapts a plain function to TenantLookup.
type TenantLookupFunc func(ctx context.Context, ref string) (core.Tenant, error)

// Get calls f.
func (f TenantLookupFunc) Get(ctx context.Context, ref string) (core.Tenant, error) {
	return f(ctx, ref)
}

// ErrNoTenant is what a Resolver returns when the request names no tenant at
// all. It is KindInvalid: a route that needs a tenant answers 400, a route
// that can do without one carries on without it.
var ErrNoTenant error = &Error{Kind: KindInvalid, Message: "the request names no tenant"}

// Resolver finds the tenant an inbound HTTP request is for.
//
// On success it returns the tenant, which is usable (provisioned), and the
// request the handler must see: its context carries the tenant (see
// WithTenant) and a tenant prefix in its path, if the tenant was named there,
// is stripped.
//
// Errors, one per outcome, so every edge refuses the same way:
//   - ErrNoTenant (KindInvalid) when the request names no tenant;
//   - KindNotFound when it names one that does not exist;
//   - KindForbidden when that tenant is suspended, KindGone when it is deleted,
//     KindConflict when it is not provisioned yet (the kinds of UsableError);
//   - KindUnavailable when the tenant store cannot be reached.
//
// A refused request never comes back with a tenant in its context.
type Resolver interface {
	Resolve(r *http.Request) (core.Tenant, *http.Request, error)
}
