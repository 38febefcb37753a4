package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

const (
	createItems = "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL);"
	addPrice    = "ALTER TABLE items ADD COLUMN price numeric NOT NULL DEFAULT 0;"
)

// provisionMany creates and provisions n tenants, a few at a time.
func provisionMany(t *testing.T, b *bundle, p *schema.Provisioner, prefix string, n int) []core.Tenant {
	t.Helper()
	out := make([]core.Tenant, n)
	for i := range out {
		out[i] = b.createTenant(t, fmt.Sprintf("%s-%03d", prefix, i))
	}
	sem := make(chan struct{}, 8)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, tn := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, errs[i] = p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}

func migrator(t *testing.T, b *bundle, sets ...ports.MigrationSet) *schema.Migrator {
	t.Helper()
	s, err := schema.NewSets(sets...)
	require.NoError(t, err)
	return schema.NewMigrator(b.db, b.reg, s, schema.Options{})
}

func (b *bundle) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.DB.QueryRow(query, args...).Scan(&n))
	return n
}

func TestFanOutMigratesEveryTenantAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	tenants := provisionMany(t, b, p, "shop", 200)
	broken := tenants[57]
	b.exec(t, "DROP TABLE "+broken.SchemaName+".items")

	m := migrator(t, b, files("shop", "0001_items.sql", createItems, "0002_price.sql", addPrice))
	plans, err := m.Plan(context.Background())
	require.NoError(t, err)
	require.Len(t, plans, 200)
	for _, pl := range plans {
		require.Len(t, pl.Pending, 1)
		require.Equal(t, "shop/0002_price.sql", pl.Pending[0].String())
	}

	dry, err := m.Run(context.Background(), schema.RunParams{DryRun: true})
	require.NoError(t, err)
	require.True(t, dry.DryRun)
	require.Zero(t, dry.Migrated, "a dry run migrates nothing")
	require.Len(t, dry.Behind, 200)
	require.Equal(t, schema.Behind{Slug: tenants[0].Slug, Pending: []string{"shop/0002_price.sql"}}, dry.Behind[0])
	dryJSON, err := json.Marshal(dry)
	require.NoError(t, err)
	require.Contains(t, string(dryJSON), `"migrated":0`)
	require.Contains(t, string(dryJSON), `"behind":[{"slug":"`+tenants[0].Slug+`","pending":["shop/0002_price.sql"]}`)
	require.Zero(t, b.count(t, "SELECT count(*) FROM tenancy.tenant_migrations WHERE name = '0002_price.sql'"), "a dry run changes nothing")
	require.Zero(t, b.count(t, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'price'"))

	var progress []schema.ProgressEvent
	sum, err := m.Run(context.Background(), schema.RunParams{Concurrency: 6, Progress: func(e schema.ProgressEvent) {
		progress = append(progress, e)
	}})
	require.NoError(t, err)
	require.Equal(t, 200, sum.Tenants)
	require.Equal(t, 199, sum.Migrated)
	require.Len(t, sum.Failed, 1)
	require.Equal(t, broken.Slug, sum.Failed[0].Slug)
	require.Contains(t, sum.Failed[0].Error, "shop/0002_price.sql")
	require.Contains(t, sum.Failed[0].Error, `relation "items" does not exist`)
	require.Error(t, sum.Err())
	require.Len(t, progress, 200)
	require.Equal(t, 200, progress[199].Done)
	require.Equal(t, 199, b.count(t, "SELECT count(*) FROM tenancy.tenant_migrations WHERE name = '0002_price.sql'"))

	require.Empty(t, sum.Behind, "only a dry run lists who is behind")
	out, err := json.Marshal(sum)
	require.NoError(t, err)
	require.NotContains(t, string(out), `"behind"`)
	require.Contains(t, string(out), `"failed":[{"slug":"`+broken.Slug+`"`)
	require.Contains(t, string(out), `"upToDate":0`)

	// Fix the tenant; the rerun applies only what is missing.
	b.exec(t, "CREATE TABLE "+broken.SchemaName+".items (id bigserial PRIMARY KEY, name text NOT NULL)")
	sum, err = m.Run(context.Background(), schema.RunParams{})
	require.NoError(t, err)
	require.Equal(t, 1, sum.Migrated)
	require.Equal(t, 199, sum.UpToDate)
	require.Empty(t, sum.Failed)
	require.NoError(t, sum.Err())
	require.Equal(t, 200, b.count(t, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'price'"))
}

func TestFanOutReportsChangedMigrationsByFileName(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	provisionMany(t, b, p, "shop", 3)
	m := migrator(t, b, files("shop", "0001_items.sql", createItems+" -- edited", "0002_price.sql", addPrice))

	plans, err := m.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, "shop/0001_items.sql", plans[0].Changed[0].String())

	sum, err := m.Run(context.Background(), schema.RunParams{})
	require.NoError(t, err)
	require.Len(t, sum.Failed, 3)
	require.Contains(t, sum.Failed[0].Error, "shop/0001_items.sql")
	require.Contains(t, sum.Failed[0].Error, "changed")
	require.Zero(t, b.count(t, "SELECT count(*) FROM tenancy.tenant_migrations WHERE name = '0002_price.sql'"), "nothing ran")
}

func TestFanOutSkipsTenantsWithoutASchemaAndMigratesSuspendedOnes(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	tenants := provisionMany(t, b, p, "shop", 3)
	b.createTenant(t, "never-provisioned")
	b.update(t, tenants[0].ID, core.DecideSuspend)
	b.update(t, tenants[1].ID, core.DecideDelete)

	m := migrator(t, b, files("shop", "0001_items.sql", createItems, "0002_price.sql", addPrice))
	sum, err := m.Run(context.Background(), schema.RunParams{})
	require.NoError(t, err)
	require.Equal(t, 2, sum.Tenants, "the suspended and the provisioned tenant")
	require.Equal(t, 2, sum.Migrated)
}

func TestFanOutRefusesShadowingSets(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	provisionMany(t, b, p, "shop", 1)
	b.exec(t, "CREATE TABLE public.carts (id int)")
	m := migrator(t, b, files("shop", "0001_items.sql", createItems, "0002_carts.sql", "CREATE TABLE carts (id int);"))
	_, err := m.Run(context.Background(), schema.RunParams{})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), "shop/0002_carts.sql")
}

func TestFanOutAppliesSeveralFilesInOneBatchAndNamesTheFailingOne(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	tenants := provisionMany(t, b, p, "shop", 3)

	// A file ending in a line comment and one without a final semicolon
	// still end their statements inside the batch.
	m := migrator(t, b, files("shop", "0001_items.sql", createItems,
		"0002_price.sql", addPrice+" -- money",
		"0003_sku.sql", "ALTER TABLE items ADD COLUMN sku text",
		"0004_notes.sql", "CREATE TABLE notes (body text);"),
		files(`o'brien\mod`, "0001_x.sql", "CREATE TABLE x (id int);"))
	sum, err := m.Run(context.Background(), schema.RunParams{Concurrency: 2})
	require.NoError(t, err)
	require.Empty(t, sum.Failed)
	require.Equal(t, 3, sum.Migrated)
	require.Equal(t, []string{`o'brien\mod/0001_x.sql`, "shop/0001_items.sql", "shop/0002_price.sql", "shop/0003_sku.sql", "shop/0004_notes.sql"},
		b.ledger(t, tenants[0].ID), "a quote or backslash in a name reaches the ledger as is")
	require.Equal(t, 3, b.count(t, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'sku'"))

	// The second file of a batch fails in one tenant: nothing of the batch
	// stays, the error names the file and its line, the others migrate.
	b.exec(t, "ALTER TABLE "+tenants[1].SchemaName+".items DROP COLUMN sku")
	m = migrator(t, b, files("shop", "0001_items.sql", createItems,
		"0002_price.sql", addPrice+" -- money",
		"0003_sku.sql", "ALTER TABLE items ADD COLUMN sku text",
		"0004_notes.sql", "CREATE TABLE notes (body text);",
		"0005_tags.sql", "CREATE TABLE tags (tag text);",
		"0006_backfill.sql", "SELECT 1;\nUPDATE items SET name = sku WHERE sku IS NOT NULL;"),
		files(`o'brien\mod`, "0001_x.sql", "CREATE TABLE x (id int);"))
	sum, err = m.Run(context.Background(), schema.RunParams{})
	require.NoError(t, err)
	require.Equal(t, 2, sum.Migrated)
	require.Len(t, sum.Failed, 1)
	require.Equal(t, tenants[1].Slug, sum.Failed[0].Slug)
	require.Contains(t, sum.Failed[0].Error, "shop/0006_backfill.sql")
	require.Contains(t, sum.Failed[0].Error, "line 2")
	require.Contains(t, sum.Failed[0].Error, `column "sku" does not exist`)
	require.Zero(t, b.count(t, "SELECT count(*) FROM pg_class WHERE relname = 'tags' AND relnamespace = $1::regnamespace", tenants[1].SchemaName),
		"the failed batch left nothing behind")
	require.Len(t, b.ledger(t, tenants[1].ID), 5)
	require.Len(t, b.ledger(t, tenants[0].ID), 7)
}

func TestConcurrentFanOutsApplyEachMigrationOnce(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("shop", "0001_items.sql", createItems))
	provisionMany(t, b, p, "shop", 20)
	m := migrator(t, b, files("shop", "0001_items.sql", createItems, "0002_price.sql", addPrice))
	sums := make([]schema.Summary, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], errs[i] = m.Run(context.Background(), schema.RunParams{Concurrency: 4})
		}()
	}
	wg.Wait()
	migrated := 0
	for i := range sums {
		require.NoError(t, errs[i])
		require.Empty(t, sums[i].Failed)
		migrated += sums[i].Migrated
	}
	require.Equal(t, 20, migrated, "each tenant migrated by exactly one run")
	require.Equal(t, 20, b.count(t, "SELECT count(*) FROM tenancy.tenant_migrations WHERE name = '0002_price.sql'"))
}
