package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenancyhq/tenancy/adapters/pglocal"
)

// BenchmarkClusterStart measures what the harness costs a test binary before
// its first test database: copying the cached, migrated cluster and starting
// it (the one-time build of the cache is outside the loop).
func BenchmarkClusterStart(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		dir, err := os.MkdirTemp(baseDir(), "tenancy-pgtest-bench-")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := copyCachedCluster(ctx, filepath.Join(dir, "pgdata")); err != nil {
			b.Fatal(err)
		}
		srv, err := pglocal.Start(ctx, clusterOptions(filepath.Join(dir, "pgdata")))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := srv.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		_ = os.RemoveAll(dir)
		b.StartTimer()
	}
}

// BenchmarkTestDatabase measures a fresh test database: CREATE DATABASE from
// the migrated template, then its DROP, as URL and its cleanup do.
func BenchmarkTestDatabase(b *testing.B) {
	c := get(b)
	ctx := context.Background()
	for b.Loop() {
		name := pgx.Identifier{"bench_" + runID}.Sanitize()
		if err := c.exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+pgx.Identifier{c.template}.Sanitize()); err != nil {
			b.Fatal(err)
		}
		if err := c.exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			b.Fatal(err)
		}
	}
}
