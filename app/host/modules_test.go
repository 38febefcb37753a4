package host_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func coreConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.DatabaseURL = pgtest.URL(t)
	cfg.LogLevel = "error"
	cfg.LogFormat = "json"
	return cfg
}

// widgets is a hosted module: a migration set and lifecycle hooks.
func widgets(provisioned func(context.Context, ports.Tx, ports.TenantRef) error, suspended chan<- string) fx.Option {
	return fx.Options(
		host.AsTenantMigrations("widgets", fstest.MapFS{
			"0001_widgets.sql": {Data: []byte("CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);")},
		}),
		host.AsTenantHook(ports.TenantHook{
			Module:      "widgets",
			Provisioned: provisioned,
			Suspended: func(_ context.Context, t ports.TenantRef) error {
				suspended <- t.Slug
				return nil
			},
		}),
	)
}

func TestAModuleContributesMigrationsAndHooks(t *testing.T) {
	t.Parallel()
	suspended := make(chan string, 1)
	seed := func(ctx context.Context, tx ports.Tx, _ ports.TenantRef) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO widgets VALUES (1, 'seeded by the hook')")
		return err
	}
	var svc ports.Tenants
	var scope ports.Scope
	app := fxtest.New(t, host.Core(coreConfig(t)), widgets(seed, suspended), fx.Populate(&svc, &scope))
	app.RequireStart()
	defer app.RequireStop()
	ctx := context.Background()

	tn, err := svc.Create(ctx, ports.CreateParams{Slug: "acme", Name: "Acme"})
	require.NoError(t, err)
	res, err := svc.Provision(ctx, "acme", "test")
	require.NoError(t, err)
	require.Contains(t, res.MigrationsApplied, "widgets/0001_widgets.sql")
	tn, err = svc.Get(ctx, tn.ID)
	require.NoError(t, err)
	var name string
	require.NoError(t, scope.Run(ctx, tn, func(ctx context.Context, tx ports.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT name FROM widgets WHERE id = 1").Scan(&name)
	}))
	require.Equal(t, "seeded by the hook", name, "the provisioned hook ran inside the new schema")

	_, err = svc.Suspend(ctx, "acme", "test")
	require.NoError(t, err)
	require.Equal(t, "acme", <-suspended, "the suspended hook ran after commit")
}

func TestAFailingProvisionedHookLeavesTheTenantUnprovisionedWithNoSchema(t *testing.T) {
	t.Parallel()
	failing := func(context.Context, ports.Tx, ports.TenantRef) error { return errors.New("seed data is unavailable") }
	var svc ports.Tenants
	var scope ports.Scope
	cfg := coreConfig(t)
	app := fxtest.New(t, host.Core(cfg), widgets(failing, make(chan string, 1)), fx.Populate(&svc, &scope))
	app.RequireStart()
	defer app.RequireStop()
	ctx := context.Background()

	_, err := svc.Create(ctx, ports.CreateParams{Slug: "acme", Name: "Acme"})
	require.NoError(t, err)
	_, err = svc.Provision(ctx, "acme", "test")
	require.Error(t, err)
	tn, err := svc.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, core.StatusActive, tn.Status, "the tenant is still active")

	var schemas int
	var ledger int
	other := openURL(t, cfg.DatabaseURL)
	require.NoError(t, other.QueryRowContext(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'").Scan(&schemas))
	require.NoError(t, other.QueryRowContext(ctx, "SELECT count(*) FROM tenancy.tenant_migrations").Scan(&ledger))
	require.Zero(t, schemas, "no schema is left behind")
	require.Zero(t, ledger, "no ledger row is left behind")
}

func TestALifecycleChangeDropsTheTenantFromThisInstancesCacheAtOnce(t *testing.T) {
	t.Parallel()
	var svc ports.Tenants
	var cache *resolve.Cache
	// Core alone runs no NOTIFY listener: only the hook can invalidate.
	app := fxtest.New(t, host.Core(coreConfig(t)), fx.Populate(&svc, &cache))
	app.RequireStart()
	defer app.RequireStop()
	ctx := context.Background()

	_, err := svc.Create(ctx, ports.CreateParams{Slug: "acme", Name: "Acme"})
	require.NoError(t, err)
	_, err = svc.Provision(ctx, "acme", "test")
	require.NoError(t, err)
	cached, err := cache.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, core.StatusProvisioned, cached.Status)

	_, err = svc.Suspend(ctx, "acme", "test")
	require.NoError(t, err)
	cached, err = cache.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, core.StatusSuspended, cached.Status, "the suspension is seen at once, not after the TTL")
}
