package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/migrations"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

// emptyDatabase creates a database with nothing in it, not even the registry
// schema of the template, and drops it when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := pgtest.AdminURL(t)
	name := fmt.Sprintf("empty_%d", time.Now().UnixNano())
	exec := func(stmt string) error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, stmt)
		return err
	}
	require.NoError(t, exec("CREATE DATABASE "+pgx.Identifier{name}.Sanitize()))
	t.Cleanup(func() {
		if err := exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestTwoInstancesMigrateOneEmptyDatabaseAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := emptyDatabase(t)
	const schema = "registry_two"
	files, err := migrations.Load(migrations.Control())
	require.NoError(t, err)

	applied := make([][]string, 2)
	errs := make([]error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 2 {
		db, err := postgres.Open(ctx, dbURL, postgres.PoolOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = postgres.MigrateControl(ctx, db.DB, schema)
		}()
	}
	close(start)
	wg.Wait()

	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Len(t, append(applied[0], applied[1]...), len(files), "each migration is applied by exactly one instance")

	db, err := postgres.Open(ctx, dbURL, postgres.PoolOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	var rows int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM registry_two.schema_migrations").Scan(&rows))
	require.Equal(t, len(files), rows)

	// The registry works in the schema it was migrated into.
	reg := postgres.NewRegistry(db, schema, nil)
	counts, err := reg.CountByStatus(ctx)
	require.NoError(t, err)
	require.Len(t, counts, 4)

	again, err := postgres.MigrateControl(ctx, db.DB, schema)
	require.NoError(t, err)
	require.Empty(t, again, "a third start applies nothing")
}
