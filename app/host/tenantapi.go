package host

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/config"
)

// TenantAPIParams is what the tenant API is built from.
type TenantAPIParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Mux       *http.ServeMux
	Parts     ModuleParts
	Config    config.Config
	URL       DatabaseURL
	Cache     *resolve.Cache
	Log       *zap.Logger
}

// MountTenantAPI serves the hosted modules' routes behind the tenant
// resolver, on every path the admin API does not claim. The resolver reads
// through a cache that every instance keeps correct by listening for tenant
// changes. Without hosted routes nothing is mounted.
func MountTenantAPI(p TenantAPIParams) error {
	if len(p.Parts.TenantRoutes) == 0 {
		return nil
	}
	strategies, err := resolve.StrategiesFromNames(p.Config.Resolve, resolve.StrategyConfig{BaseDomains: p.Config.BaseDomains})
	if err != nil {
		return fmt.Errorf("TENANCY_RESOLVE: %w", err)
	}
	resolver, err := resolve.NewResolver(p.Cache, strategies...)
	if err != nil {
		return err
	}
	listener := resolve.NewListener(string(p.URL), p.Cache, p.Log.Named("resolve"))
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error { return listener.Start(ctx) },
		OnStop: func(context.Context) error {
			listener.Stop()
			return nil
		},
	})
	tenantMux := http.NewServeMux()
	cfg := huma.DefaultConfig("Tenancy hosted modules", Version)
	cfg.Info.Description = "Routes of the hosted modules. Every request names its tenant (" +
		fmt.Sprint(p.Config.Resolve) + "); unknown tenants get 404, suspended 403, deleted 410, unprovisioned 409."
	cfg.OpenAPIPath = "/tenant-api/openapi"
	cfg.DocsPath = "/tenant-api/docs"
	cfg.SchemasPath = "/tenant-api/schemas"
	cfg.CreateHooks = nil // no $schema links in bodies, as in the admin API
	api := humago.New(tenantMux, cfg)
	for _, r := range p.Parts.TenantRoutes {
		r.RegisterTenant(api)
	}
	p.Mux.Handle("/", resolve.Middleware(resolve.Options{Resolver: resolver, Logger: p.Log.Named("resolve")})(tenantMux))
	return nil
}
