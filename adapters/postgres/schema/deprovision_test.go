package schema_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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

func TestBatchedDeprovisionLeavesMaterializedViewsToTheSchemaDrop(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{BatchDropThreshold: 1}, notesSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	// "a_totals" sorts before the tables, so a batch that took every
	// relation kind would try DROP TABLE on it first.
	b.exec(t, `CREATE MATERIALIZED VIEW tenant_acme.a_totals AS SELECT 1 AS n;
		CREATE MATERIALIZED VIEW tenant_acme.note_count AS SELECT count(*) AS n FROM tenant_acme.notes;
		CREATE TABLE tenant_acme.events (id int) PARTITION BY RANGE (id);
		CREATE TABLE tenant_acme.events_1 PARTITION OF tenant_acme.events FOR VALUES FROM (0) TO (10);`)
	b.update(t, tn.ID, core.DecideDelete)

	res, err := p.Deprovision(context.Background(), ports.DeprovisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.True(t, res.Dropped)
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
	require.Equal(t, core.ActionDeprovision, b.events(t, tn.ID)[0].Action)
}

func TestDatabaseErrorsAreClassifiedByWhetherARetryCanHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		kind ports.Kind
	}{
		{"a statement the server refuses", &pgconn.PgError{Code: "42809", Message: `"x" is not a table`}, ports.KindInternal},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, ports.KindInternal},
		{"a lost connection", &pgconn.PgError{Code: "08006"}, ports.KindUnavailable},
		{"a deadlock", &pgconn.PgError{Code: "40P01"}, ports.KindUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, ports.KindUnavailable},
		{"a lock not available", &pgconn.PgError{Code: "55P03"}, ports.KindUnavailable},
		{"a cancelled statement", &pgconn.PgError{Code: "57014"}, ports.KindUnavailable},
		{"a server shutting down", &pgconn.PgError{Code: "57P01"}, ports.KindUnavailable},
		{"a client-side failure", errors.New("dial tcp: connection refused"), ports.KindUnavailable},
		{"a cancelled context", fmt.Errorf("exec: %w", context.Canceled), ports.KindUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := schema.DBError(tc.err, "drop tables")
			require.Equal(t, tc.kind, ports.KindOf(err))
			require.ErrorIs(t, err, tc.err)
			require.NotContains(t, ports.PublicMessage(err), "is not a table", "no SQL error text for clients")
		})
	}
}
