package schema_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestDeprovisionIsRefusedUnlessTheTenantIsDeleted(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	for _, step := range []func(core.Tenant, string, time.Time) (core.Change, error){nil, core.DecideSuspend} {
		if step != nil {
			b.update(t, tn.ID, step)
		}
		_, err = p.Deprovision(context.Background(), ports.DeprovisionParams{TenantID: tn.ID})
		require.Equal(t, ports.KindConflict, ports.KindOf(err))
		require.NotZero(t, b.schemaOID(t, "tenant_acme"))
	}
}

func TestDeprovisionDropsTheSchemaAndLedgerAndIsIdempotent(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	dir := t.TempDir()
	p := b.provisioner(t, schema.Options{BackupDir: dir, DumpURL: dumpURL(t, b)}, notesSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	b.exec(t, "INSERT INTO tenant_acme.notes (body) VALUES ('keep me in the dump')")
	b.update(t, tn.ID, core.DecideDelete)

	res, err := p.Deprovision(context.Background(), ports.DeprovisionParams{TenantID: tn.ID, Actor: "bob"})
	require.NoError(t, err)
	require.True(t, res.Dropped)
	require.Equal(t, "tenant_acme", res.SchemaName)
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
	require.Empty(t, b.ledger(t, tn.ID))

	dump, err := os.ReadFile(res.BackupPath)
	require.NoError(t, err)
	require.Contains(t, string(dump), "keep me in the dump")

	after := b.get(t, tn.ID)
	require.Equal(t, core.StatusDeleted, after.Status)
	require.NotNil(t, after.DeprovisionedAt)
	ev := b.events(t, tn.ID)[0]
	require.Equal(t, core.ActionDeprovision, ev.Action)
	require.Equal(t, "bob", ev.Actor)
	require.Equal(t, res.BackupPath, ev.Details["backup"])

	events := len(b.events(t, tn.ID))
	again, err := p.Deprovision(context.Background(), ports.DeprovisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.False(t, again.Dropped)
	require.Len(t, b.events(t, tn.ID), events, "no new event")
	require.Equal(t, after.Version, b.get(t, tn.ID).Version)
}

func TestDeprovisionOfASchemaLargerThanTheLockTable(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "big")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	var locksPerTx, conns, prepared int
	require.NoError(t, b.db.DB.QueryRow(`SELECT current_setting('max_locks_per_transaction')::int,
		current_setting('max_connections')::int, current_setting('max_prepared_transactions')::int`).Scan(&locksPerTx, &conns, &prepared))
	// Each table below takes four locks to drop (itself, its primary key,
	// its TOAST table and TOAST index): enough tables to overflow the
	// shared lock table in one transaction.
	tables := locksPerTx*(conns+prepared)/4 + 200
	t.Logf("lock table holds about %d locks; creating %d tables", locksPerTx*(conns+prepared), tables)
	for from := 0; from < tables; from += 500 {
		var stmt strings.Builder
		stmt.WriteString("BEGIN;")
		for i := from; i < min(from+500, tables); i++ {
			fmt.Fprintf(&stmt, "CREATE TABLE tenant_big.t%d (id int PRIMARY KEY, body text);", i)
		}
		stmt.WriteString("COMMIT;")
		b.exec(t, stmt.String())
	}
	b.update(t, tn.ID, core.DecideDelete)
	res, err := p.Deprovision(context.Background(), ports.DeprovisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.True(t, res.Dropped)
	require.Zero(t, b.schemaOID(t, "tenant_big"))
}

// dumpURL is the URL of the test's database, for pg_dump.
func dumpURL(t *testing.T, b *bundle) string {
	t.Helper()
	var name string
	require.NoError(t, b.db.DB.QueryRow("SELECT current_database()").Scan(&name))
	u := pgtest.AdminURL(t)
	i := strings.LastIndex(u, "/postgres")
	require.Positive(t, i, u)
	return u[:i] + "/" + name + u[i+len("/postgres"):]
}
