package schema_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

func TestProvisionCreatesTheSchemaRecordsTheLedgerAndTheEvent(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	res, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID, Actor: "alice"})
	require.NoError(t, err)
	require.Equal(t, "tenant_acme", res.SchemaName)
	require.Equal(t, 2, res.TableCount)
	require.Equal(t, []string{"notes/0001_create_notes.sql", "notes/0002_create_tags.sql"}, res.MigrationsApplied)
	require.False(t, res.Already)
	require.Positive(t, res.Duration)

	require.Equal(t, core.StatusProvisioned, b.get(t, tn.ID).Status)
	require.Equal(t, res.MigrationsApplied, b.ledger(t, tn.ID))
	b.exec(t, "INSERT INTO tenant_acme.notes (body) VALUES ('hello')")

	ev := b.events(t, tn.ID)[0]
	require.Equal(t, core.ActionProvision, ev.Action)
	require.Equal(t, "alice", ev.Actor)
	require.Equal(t, "tenant_acme", ev.Details["schema"])
	require.EqualValues(t, 2, ev.Details["tables"])
}

func TestProvisionOfAFailingSetLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	set := files("notes",
		"0001_create_notes.sql", "CREATE TABLE notes (id int);",
		"0002_add_tags.sql", "CREATE TABLE tags (id int);\nINSERT INTO missing_table VALUES (1);",
		"0003_more.sql", "CREATE TABLE more (id int);",
	)
	p, b := setup(t, schema.Options{}, set)
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID, Actor: "alice"})
	require.Error(t, err)
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	msg := ports.PublicMessage(err)
	require.Contains(t, msg, "notes/0002_add_tags.sql")
	require.Contains(t, msg, `relation "missing_table" does not exist`)
	require.Contains(t, msg, "line 2")

	require.Zero(t, b.schemaOID(t, "tenant_acme"), "no schema")
	require.Empty(t, b.ledger(t, tn.ID), "no ledger rows")
	require.Equal(t, core.StatusActive, b.get(t, tn.ID).Status)
	require.Len(t, b.events(t, tn.ID), 1, "only the create event")
}

func TestProvisionTwiceReturnsTheStoredResultWithoutDDL(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	first, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	oid := b.schemaOID(t, "tenant_acme")
	version := b.get(t, tn.ID).Version

	again, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.True(t, again.Already)
	require.Equal(t, first.SchemaName, again.SchemaName)
	require.Equal(t, first.TableCount, again.TableCount)
	require.Equal(t, first.MigrationsApplied, again.MigrationsApplied)
	require.Equal(t, oid, b.schemaOID(t, "tenant_acme"), "the schema was not recreated")
	require.Equal(t, version, b.get(t, tn.ID).Version, "nothing was written")
}

func TestConcurrentProvisionsOfOneTenantMakeOneSchema(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	const n = 20
	results := make([]ports.ProvisionResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, "tenant_acme", results[i].SchemaName)
		require.Equal(t, 2, results[i].TableCount)
		if !results[i].Already {
			fresh++
		}
	}
	require.Equal(t, 1, fresh, "exactly one call created the schema")
	provisions := 0
	for _, e := range b.events(t, tn.ID) {
		if e.Action == core.ActionProvision {
			provisions++
		}
	}
	require.Equal(t, 1, provisions)
	require.Len(t, b.ledger(t, tn.ID), 2)
}

func TestProvisionRefusesTenantsItCannotProvision(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: "00000000-0000-0000-0000-000000000000"})
	require.Equal(t, ports.KindNotFound, ports.KindOf(err))

	tn := b.createTenant(t, "acme")
	b.update(t, tn.ID, core.DecideSuspend)
	_, err = p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindConflict, ports.KindOf(err))
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
}

func TestMigrationsCannotReachSharedTables(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, files("notes", "0001_seed.sql", "INSERT INTO plans VALUES ('gold');"))
	b.exec(t, "CREATE TABLE public.plans (name text)")
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), `relation "plans" does not exist`)
}

func TestProvisionedHooksRunInTheNewSchemaAndCanRollBack(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, "CREATE TABLE public.plans (name text); INSERT INTO public.plans VALUES ('gold')")
	seed := ports.TenantHook{Module: "notes", Provisioned: func(ctx context.Context, tx ports.Tx, ref ports.TenantRef) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO notes (body) SELECT 'welcome ' || $1 || ' on ' || name FROM plans", ref.Slug)
		return err
	}}
	p := b.provisioner(t, schema.Options{Hooks: []ports.TenantHook{seed}}, notesSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	var body string
	require.NoError(t, b.db.DB.QueryRow("SELECT body FROM tenant_acme.notes").Scan(&body))
	require.Equal(t, "welcome acme on gold", body)

	refuse := ports.TenantHook{Module: "billing", Provisioned: func(context.Context, ports.Tx, ports.TenantRef) error {
		return errors.New("billing is down")
	}}
	p = b.provisioner(t, schema.Options{Hooks: []ports.TenantHook{seed, refuse}}, notesSet())
	other := b.createTenant(t, "other")
	_, err = p.Provision(context.Background(), ports.ProvisionParams{TenantID: other.ID})
	require.Error(t, err)
	require.Contains(t, ports.PublicMessage(err), `"billing"`)
	require.NotContains(t, ports.PublicMessage(err), "billing is down", "an unclassified error stays internal")
	require.Zero(t, b.schemaOID(t, "tenant_other"))
	require.Equal(t, core.StatusActive, b.get(t, other.ID).Status)
}

func TestShadowingIsRefused(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, "CREATE TABLE public.users (id int)")
	set := files("accounts", "0001_init.sql", "CREATE TABLE accounts (id int);", "0002_users.sql", "CREATE TABLE IF NOT EXISTS Users (id int);")
	p := b.provisioner(t, schema.Options{}, set)

	err := p.Validate(context.Background())
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), "accounts/0002_users.sql")
	require.Contains(t, ports.PublicMessage(err), `"users"`)

	tn := b.createTenant(t, "acme")
	_, err = p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Zero(t, b.schemaOID(t, "tenant_acme"))

	// With no shared schemas there is nothing to shadow.
	p = b.provisioner(t, schema.Options{SharedSchemas: []string{}}, set)
	require.NoError(t, p.Validate(context.Background()))
}

func TestShadowingReportsExistingTenantTables(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	report, err := p.Shadowing(context.Background())
	require.NoError(t, err)
	require.Empty(t, report)

	b.exec(t, "CREATE TABLE public.tags (id int)")
	report, err = p.Shadowing(context.Background())
	require.NoError(t, err)
	require.Equal(t, []schema.Shadow{{TenantSlug: "acme", Schema: "tenant_acme", Table: "tags", SharedSchema: "public"}}, report)
}

func TestNewSetsRefusesBadSets(t *testing.T) {
	t.Parallel()
	cases := map[string][]ports.MigrationSet{
		"a set without a name":     {files("", "0001_a.sql", "SELECT 1")},
		"two sets with one name":   {files("a", "0001_a.sql", "SELECT 1"), files("a", "0001_b.sql", "SELECT 1")},
		"the reserved name":        {files(schema.TemplateModule, "0001_a.sql", "SELECT 1")},
		"a badly named file":       {files("a", "first.sql", "SELECT 1")},
		"two files of one version": {files("a", "0001_a.sql", "SELECT 1", "0001_b.sql", "SELECT 2")},
	}
	for name, sets := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := schema.NewSets(sets...)
			require.Equal(t, ports.KindInvalid, ports.KindOf(err))
		})
	}
	standard := schema.StandardSets("", notesSet())
	require.Equal(t, "tenancy", standard[0].Module)
	require.Equal(t, "notes", standard[1].Module)
	_, err := schema.NewSets(standard...)
	require.NoError(t, err)
}
