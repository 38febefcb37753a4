package ports

import (
	"context"

	"github.com/tenancyhq/tenancy/core"
)

// Tenants is the inbound port: the tenant use cases that the HTTP API, the
// CLI and hosted modules call. A tenant reference (ref) is its id or its slug.
//
// Every method returns classified errors (see Kind): KindNotFound for an
// unknown ref, KindInvalid for bad input, KindConflict for a taken slug or an
// illegal transition, KindPreconditionFailed for a stale expected version,
// KindUnavailable when the database cannot be reached.
type Tenants interface {
	Create(ctx context.Context, params CreateParams) (core.Tenant, error)
	Get(ctx context.Context, ref string) (core.Tenant, error)
	List(ctx context.Context, params ListParams) (TenantPage, error)
	Update(ctx context.Context, params UpdateTenantParams) (core.Tenant, error)
	Provision(ctx context.Context, ref string, actor string) (ProvisionResult, error)
	Suspend(ctx context.Context, ref string, actor string) (core.Tenant, error)
	Activate(ctx context.Context, ref string, actor string) (core.Tenant, error)
	Delete(ctx context.Context, ref string, actor string) (core.Tenant, error)
	Deprovision(ctx context.Context, ref string, actor string) (DeprovisionResult, error)
	Events(ctx context.Context, ref string, params EventListParams) (EventPage, error)
}

// CreateParams is a new tenant. Actor says who asks, for the audit trail.
type CreateParams struct {
	Slug     string
	Name     string
	Settings core.Settings
	Actor    string
}

// UpdateTenantParams changes a tenant's name and/or settings. SettingsPatch
// is an RFC 7396 JSON merge patch. ExpectedVersion 0 means "whatever is
// current"; otherwise a different current version fails with
// KindPreconditionFailed and changes nothing.
type UpdateTenantParams struct {
	Ref             string
	ExpectedVersion int64
	Name            *string
	SettingsPatch   []byte
	Actor           string
}

// ChangeChannel is the PostgreSQL NOTIFY channel on which every committed
// change of a tenant row is announced, with the tenant's id as payload, so
// every instance can drop what it cached about that tenant.
const ChangeChannel = "tenancy_tenant_changed"
