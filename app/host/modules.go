package host

import (
	"context"
	"io/fs"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/fx"

	"github.com/tenancyhq/tenancy/adapters/httpapi"

	"github.com/tenancyhq/tenancy/ports"
)

// The value groups through which hosted modules contribute to the host.
const (
	groupMigrations   = `group:"tenancy.migrations"`
	groupHooks        = `group:"tenancy.hooks"`
	groupTenantRoutes = `group:"tenancy.tenant_routes"`
)

// TenantRoutes adds a hosted module's operations to the tenant API: every
// request reaching them has been resolved to a usable tenant (see
// ports.TenantFrom), and ports.Scope's RunCurrent runs queries in its schema.
type TenantRoutes interface {
	RegisterTenant(api huma.API)
}

// AsTenantMigrations contributes a module's tenant migration set: versioned
// SQL files at the root of fsys, applied to every tenant schema when it is
// provisioned and by `tenantd migrate` afterwards.
func AsTenantMigrations(module string, fsys fs.FS) fx.Option {
	set := ports.MigrationSet{Module: module, FS: fsys}
	return fx.Provide(fx.Annotate(func() ports.MigrationSet { return set }, fx.ResultTags(groupMigrations)))
}

// AsTenantHook contributes a module's lifecycle hooks. The provisioned hook
// runs inside the provisioning transaction; the others after commit.
func AsTenantHook(hook ports.TenantHook) fx.Option {
	return fx.Provide(fx.Annotate(func() ports.TenantHook { return hook }, fx.ResultTags(groupHooks)))
}

// AsTenantRoutes annotates a constructor of TenantRoutes so the host mounts
// its operations behind the tenant resolver.
func AsTenantRoutes(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(TenantRoutes)), fx.ResultTags(groupTenantRoutes))
}

// ModuleParts is everything the hosted modules contributed.
type ModuleParts struct {
	fx.In
	Migrations   []ports.MigrationSet `group:"tenancy.migrations"`
	Hooks        []ports.TenantHook   `group:"tenancy.hooks"`
	TenantRoutes []TenantRoutes       `group:"tenancy.tenant_routes"`
}

// Problem turns an error of a hosted module's handler into the API's RFC 9457
// problem response, with the same kind-to-status mapping as the admin API.
func Problem(ctx context.Context, err error) error { return httpapi.ToProblem(ctx, err) }
