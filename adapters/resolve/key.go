package resolve

import (
	"context"

	"github.com/tenancyhq/tenancy/ports"
)

// TenantKey namespaces a module's cache key by tenant, tenant:<id>:<key>, so
// a cache shared by all tenants cannot hand one tenant's entry to another.
// The id, not the slug, is used: a slug can be renamed and reused.
func TenantKey(tenantID, key string) string {
	return "tenant:" + tenantID + ":" + key
}

// CacheKey is TenantKey for the tenant resolved into ctx. Without one it
// fails with KindInvalid rather than produce a key shared by all tenants.
func CacheKey(ctx context.Context, key string) (string, error) {
	t, ok := ports.TenantFrom(ctx)
	if !ok || t.ID == "" {
		return "", ports.Errorf(ports.KindInvalid, "no tenant in the context: a tenant cache key needs a resolved tenant")
	}
	return TenantKey(t.ID, key), nil
}
