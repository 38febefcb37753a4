package pgtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestEachTestGetsAFreshMigratedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db := pgtest.DB(t)
		var tables int
		require.NoError(t, db.QueryRowContext(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tenancy' AND table_name IN ('tenants', 'tenant_events', 'tenant_migrations')").Scan(&tables))
		require.Equal(t, 3, tables, "the registry migrations are applied")
		_, err := db.ExecContext(ctx, "CREATE TABLE public.only_here (id int)")
		require.NoError(t, err, "a table created in one test database does not exist in the next")
	}
}

func TestDatabasesAreDroppedWhenTheTestEnds(t *testing.T) {
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		db := pgtest.DB(t)
		require.NoError(t, db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name))
	})
	admin := pgtest.DB(t)
	var exists bool
	require.NoError(t, admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists))
	require.False(t, exists, "database %s was dropped", name)
}
