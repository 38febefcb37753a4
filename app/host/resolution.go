package host

import (
	"context"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/ports"
)

// NewResolutionCache is the in-memory cache the tenant resolver reads
// through, straight from the registry.
func NewResolutionCache(reg *postgres.Registry) *resolve.Cache {
	return resolve.NewCache(tenants.Lookup(reg), resolve.CacheOptions{})
}

// NewInvalidationHook drops a tenant from this instance's resolution cache
// as soon as its suspension, activation or deletion commits here; other
// instances hear of it through NOTIFY (see resolve.Listener), and so does
// this one, a moment later.
func NewInvalidationHook(cache *resolve.Cache) ports.TenantHook {
	invalidate := func(_ context.Context, t ports.TenantRef) error {
		cache.Invalidate(t.ID)
		return nil
	}
	return ports.TenantHook{Module: "tenancy.resolve", Suspended: invalidate, Activated: invalidate, Deleted: invalidate}
}
