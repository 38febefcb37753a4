// Package host wires the tenantd process with fx: configuration, logging,
// the database (a local PostgreSQL in dev mode), the tenant registry and
// service, the provisioner and the tenant scope (Core), and the HTTP server
// with the admin API and the hosted modules' routes (Server). A host
// application combines Module with its own modules:
//
//	fx.New(host.Module(cfg), notes.Module)
package host

import (
	"net/http"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/tenancyhq/tenancy/config"
)

// Module is the whole tenancy host for cfg: Core and Server.
func Module(cfg config.Config) fx.Option {
	return fx.Options(Core(cfg), Server())
}

// Core is everything but HTTP: what the operator commands need.
func Core(cfg config.Config) fx.Option {
	return fx.Options(
		fx.Module("tenancy",
			fx.Supply(cfg),
			fx.Provide(
				NewLogger,
				NewDatabaseURL,
				NewDB,
				NewMetrics,
				NewRegistry,
				NewMigrationSets,
				NewProvisioner,
				NewMigrator,
				NewService,
				NewTenants,
				NewScope,
				NewResolutionCache,
				fx.Annotate(NewInvalidationHook, fx.ResultTags(groupHooks)),
			),
		),
		// Start-up errors reach the caller (tenantd prints each on one line);
		// fx's own event log would repeat them with stack traces.
		fx.WithLogger(func() fxevent.Logger { return fxevent.NopLogger }),
	)
}

// Server is the HTTP server: the admin API, the health endpoints and the
// hosted modules' routes behind the tenant resolver.
func Server() fx.Option {
	return fx.Module("tenancy.http",
		fx.Provide(
			http.NewServeMux,
			NewAPI,
			NewListener,
			NewHandler,
			AsRoutes(NewTenantRoutes),
		),
		fx.Invoke(MountTenantAPI, RunServer),
	)
}
