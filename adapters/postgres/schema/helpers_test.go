package schema_test

import (
	"context"
	"database/sql"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// bundle is what a test needs besides its subject.
type bundle struct {
	db  *bun.DB
	reg *postgres.Registry
}

// files builds a migration set from name → SQL pairs.
func files(module string, kv ...string) ports.MigrationSet {
	fs := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		fs[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return ports.MigrationSet{Module: module, FS: fs}
}

// notesSet is a small, realistic set of two files.
func notesSet() ports.MigrationSet {
	return files("notes",
		"0001_create_notes.sql", "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);\nCREATE INDEX notes_body_idx ON notes (body);",
		"0002_create_tags.sql", "CREATE TABLE tags (id bigserial PRIMARY KEY, note_id bigint NOT NULL REFERENCES notes (id), tag text NOT NULL);",
	)
}

func newBundle(t testing.TB) *bundle {
	t.Helper()
	db := pgtest.DB(t)
	return &bundle{db: db, reg: postgres.NewRegistry(db, pgtest.RegistrySchema, nil)}
}

func setup(t *testing.T, opts schema.Options, sets ...ports.MigrationSet) (*schema.Provisioner, *bundle) {
	t.Helper()
	b := newBundle(t)
	return b.provisioner(t, opts, sets...), b
}

func (b *bundle) provisioner(t testing.TB, opts schema.Options, sets ...ports.MigrationSet) *schema.Provisioner {
	t.Helper()
	s, err := schema.NewSets(sets...)
	require.NoError(t, err)
	p, err := schema.NewProvisioner(b.db, b.reg, s, opts)
	require.NoError(t, err)
	return p
}

// createTenant stores a new, active tenant.
func (b *bundle) createTenant(t testing.TB, slug string) core.Tenant {
	t.Helper()
	change, err := core.DecideCreate(core.CreateInput{ID: uuid.NewString(), Slug: slug, Name: slug, Actor: "test"}, time.Now())
	require.NoError(t, err)
	tn, err := b.reg.Create(context.Background(), change)
	require.NoError(t, err)
	return tn
}

func (b *bundle) update(t testing.TB, id string, decide func(core.Tenant, string, time.Time) (core.Change, error)) core.Tenant {
	t.Helper()
	tn, err := b.reg.Update(context.Background(), ports.UpdateParams{ID: id, Decide: func(c core.Tenant) (core.Change, error) {
		return decide(c, "test", time.Now())
	}})
	require.NoError(t, err)
	return tn
}

func (b *bundle) get(t testing.TB, id string) core.Tenant {
	t.Helper()
	tn, err := b.reg.Get(context.Background(), id)
	require.NoError(t, err)
	return tn
}

// schemaOID returns the OID of a schema, or 0 when it does not exist.
func (b *bundle) schemaOID(t testing.TB, name string) int64 {
	t.Helper()
	var oid sql.NullInt64
	err := b.db.DB.QueryRowContext(context.Background(), "SELECT oid::bigint FROM pg_namespace WHERE nspname = $1", name).Scan(&oid)
	if err == sql.ErrNoRows {
		return 0
	}
	require.NoError(t, err)
	return oid.Int64
}

func (b *bundle) ledger(t testing.TB, tenantID string) []string {
	t.Helper()
	rows, err := b.db.DB.QueryContext(context.Background(),
		"SELECT module || '/' || name FROM tenancy.tenant_migrations WHERE tenant_id = $1 ORDER BY module, version", tenantID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

func (b *bundle) events(t testing.TB, id string) []core.Event {
	t.Helper()
	page, err := b.reg.Events(context.Background(), ports.EventListParams{TenantID: id, Limit: 100})
	require.NoError(t, err)
	return page.Items
}

func (b *bundle) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	_, err := b.db.DB.ExecContext(context.Background(), sql, args...)
	require.NoError(t, err)
}
