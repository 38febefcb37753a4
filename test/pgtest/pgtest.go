// Package pgtest is the test harness for everything that needs PostgreSQL.
// Each test binary gets one ephemeral cluster (or the server named by
// TEST_DATABASE_URL), a template database with the registry migrations
// applied, and each test its own fresh database cloned from that template and
// dropped when the test ends.
//
// A package that uses it runs its tests through Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"go.uber.org/goleak"

	"github.com/tenancyhq/tenancy/adapters/pglocal"
	"github.com/tenancyhq/tenancy/adapters/postgres"
)

// RegistrySchema is the registry schema of the template database.
const RegistrySchema = "tenancy"

type cluster struct {
	server   *pglocal.Server // nil with TEST_DATABASE_URL
	adminURL string          // the maintenance database
	template string
	dir      string
}

var (
	once       sync.Once
	shared     *cluster
	sharedErr  error
	dbCounter  atomic.Int64
	runID      = fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	nonWordsRe = regexp.MustCompile(`[^a-z0-9]+`)
)

// Main runs the package's tests, then the given cleanups, then stops the
// cluster and checks that no goroutine leaked. It exits the process.
func Main(m *testing.M, cleanups ...func()) {
	code := m.Run()
	for _, cleanup := range cleanups {
		cleanup()
	}
	if shared != nil {
		shared.close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func get(t testing.TB) *cluster {
	t.Helper()
	once.Do(func() { shared, sharedErr = start(context.Background()) })
	if sharedErr != nil {
		t.Fatalf("pgtest: %v", sharedErr)
	}
	return shared
}

func start(ctx context.Context) (*cluster, error) {
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		c := &cluster{template: "tenancy_template_" + runID, adminURL: url}
		if err := c.createTemplate(ctx); err != nil {
			c.close()
			return nil, err
		}
		return c, nil
	}
	dir, err := os.MkdirTemp(baseDir(), "tenancy-pgtest-")
	if err != nil {
		return nil, err
	}
	// The server may run as another OS user, who must reach the cluster.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	c := &cluster{template: cachedTemplate, dir: dir}
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := copyCachedCluster(startCtx, filepath.Join(dir, "pgdata")); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	srv, err := pglocal.Start(startCtx, clusterOptions(filepath.Join(dir, "pgdata")))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	c.server = srv
	c.adminURL = srv.URL("postgres")
	return c, nil
}

// baseDir is where test clusters live: TENANCY_PGTEST_DIR if set, else
// /dev/shm when the machine has it (a cluster in memory is faster and its
// timings do not wander with the disk), else the temp dir.
func baseDir() string {
	if dir := os.Getenv("TENANCY_PGTEST_DIR"); dir != "" {
		return dir
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && st.Mode().Perm()&0o002 != 0 {
		return "/dev/shm"
	}
	return os.TempDir()
}

func clusterOptions(dataDir string) pglocal.Options {
	return pglocal.Options{
		DataDir:   dataDir,
		BinDir:    os.Getenv("TENANCY_PG_BIN"),
		Ephemeral: true,
		Settings:  map[string]string{"max_connections": "200"},
	}
}

func (c *cluster) createTemplate(ctx context.Context) error {
	if err := c.exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.template}.Sanitize()); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	db, err := sql.Open("pgx", c.urlFor(c.template))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := postgres.MigrateControl(ctx, db, RegistrySchema); err != nil {
		return fmt.Errorf("migrate template database: %w", err)
	}
	return nil
}

func (c *cluster) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c.dir != "" {
		if c.server != nil {
			_ = c.server.Stop(ctx)
		}
		_ = os.RemoveAll(c.dir)
		return
	}
	_ = c.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{c.template}.Sanitize()+" WITH (FORCE)")
}

func (c *cluster) exec(ctx context.Context, stmt string) error {
	conn, err := pgx.Connect(ctx, c.adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

func (c *cluster) urlFor(database string) string {
	u, err := url.Parse(c.adminURL)
	if err != nil {
		panic(fmt.Sprintf("pgtest: bad admin url: %v", err))
	}
	u.Path = "/" + database
	return u.String()
}

// URL creates a fresh database for this test, cloned from the migrated
// template, drops it when the test ends, and returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	c := get(t)
	name := fmt.Sprintf("t_%s_%d_%s", runID, dbCounter.Add(1), slugOf(t.Name()))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx := context.Background()
	err := c.exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{c.template}.Sanitize()))
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := c.exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.urlFor(name)
}

// DB returns a bun.DB on a fresh database for this test (see URL), closed
// when the test ends.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), URL(t), postgres.PoolOptions{})
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// AdminURL is the URL of the cluster's maintenance database, for tests that
// create databases of their own.
func AdminURL(t testing.TB) string { return get(t).adminURL }

func slugOf(name string) string {
	s := strings.Trim(nonWordsRe.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if len(s) > 30 {
		s = s[:30]
	}
	return s
}
