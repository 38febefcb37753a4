package host

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uptrace/bun"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/adapters/postgres/scope"
	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/config"
	"github.com/tenancyhq/tenancy/ports"
)

// NewMetrics is the process's Prometheus registry (not the global one, so
// tests and several apps in one process stay apart).
func NewMetrics() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// NewRegistry is the tenant registry in the configured schema.
func NewRegistry(db *bun.DB, cfg config.Config) *postgres.Registry {
	return postgres.NewRegistry(db, cfg.RegistrySchema, nil)
}

// NewMigrationSets collects the project's own tenant migrations, the
// configured directory and the hosted modules' sets.
func NewMigrationSets(cfg config.Config, parts ModuleParts) (schema.Sets, error) {
	sets, err := schema.NewSets(schema.StandardSets(cfg.TenantMigrations, parts.Migrations...)...)
	if err != nil {
		return schema.Sets{}, fmt.Errorf("tenant migrations: %w", err)
	}
	return sets, nil
}

func provisionerOptions(cfg config.Config, url DatabaseURL, hooks []ports.TenantHook) schema.Options {
	opts := schema.Options{
		SharedSchemas:  cfg.SharedSchemas,
		TemplateSchema: cfg.TemplateSchema,
		BackupDir:      cfg.BackupDir,
		Hooks:          hooks,
	}
	if cfg.BackupDir != "" {
		opts.DumpURL = string(url)
	}
	return opts
}

// NewProvisioner creates and migrates tenant schemas. It refuses to start
// when a migration set would shadow a shared table, and warns of existing
// tenant tables that already do.
func NewProvisioner(db *bun.DB, reg *postgres.Registry, sets schema.Sets, cfg config.Config, url DatabaseURL, parts ModuleParts, log *zap.Logger) (*schema.Provisioner, error) {
	p, err := schema.NewProvisioner(db, reg, sets, provisionerOptions(cfg, url, parts.Hooks))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Validate(ctx); err != nil {
		return nil, err
	}
	shadows, err := p.Shadowing(ctx)
	if err != nil {
		return nil, err
	}
	for _, sh := range shadows {
		log.Warn("a tenant table shadows a shared table: while the tenant lacks it, its queries would read the shared one",
			zap.String("tenant", sh.TenantSlug), zap.String("table", sh.Schema+"."+sh.Table), zap.String("shared", sh.SharedSchema+"."+sh.Table))
	}
	return p, nil
}

// NewMigrator brings provisioned tenants up to date (`tenantd migrate`).
func NewMigrator(db *bun.DB, reg *postgres.Registry, sets schema.Sets, cfg config.Config, url DatabaseURL, parts ModuleParts) *schema.Migrator {
	return schema.NewMigrator(db, reg, sets, provisionerOptions(cfg, url, parts.Hooks))
}

// NewService is the tenant use cases, without observation: what internal
// callers such as the resolver's lookups use.
func NewService(reg *postgres.Registry, prov *schema.Provisioner, parts ModuleParts, log *zap.Logger) *tenants.Service {
	return tenants.NewService(reg, prov, nil, nil, tenants.WithHooks(parts.Hooks), tenants.WithLogger(log))
}

// NewTenants is the inbound port the API and the CLI call: the service
// behind the observability interceptor.
func NewTenants(svc *tenants.Service, reg *postgres.Registry, log *zap.Logger, metrics *prometheus.Registry) (ports.Tenants, error) {
	return tenants.NewObserved(svc, log, metrics, tenants.WithTenantGauge(reg, 0),
		tenants.WithContextFields(func(ctx context.Context) []zap.Field {
			if id := httpapi.RequestID(ctx); id != "" {
				return []zap.Field{zap.String("request_id", id)}
			}
			return nil
		}))
}

// NewScope runs hosted modules' code in a tenant's schema.
func NewScope(db *bun.DB, cfg config.Config) ports.Scope {
	return scope.New(db, nil, scope.Options{SharedSchemas: cfg.SharedSchemas})
}
