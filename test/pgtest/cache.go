package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tenancyhq/tenancy/adapters/pglocal"
	"github.com/tenancyhq/tenancy/migrations"
)

// cachedTemplate is the template database inside a cached cluster.
const cachedTemplate = "tenancy_template"

// copyCachedCluster puts a stopped cluster that already holds the migrated
// template database at dest. The cluster is built once per machine (per
// server binaries and registry migrations) under the temp dir and copied for
// every test binary: a copy takes a fraction of initdb's second or two, which
// every test package would otherwise pay.
func copyCachedCluster(ctx context.Context, dest string) error {
	binDir, err := pglocal.FindBinaries(os.Getenv("TENANCY_PG_BIN"), "")
	if err != nil {
		return err
	}
	key, err := cacheKey(binDir)
	if err != nil {
		return err
	}
	root := filepath.Join(baseDir(), "tenancy-pgtest-cache")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return err
	}
	cached := filepath.Join(root, key)
	if err := withFileLock(filepath.Join(root, key+".lock"), func() error {
		if _, err := os.Stat(filepath.Join(cached, "pgdata", "PG_VERSION")); err == nil {
			return nil
		}
		return buildCachedCluster(ctx, root, cached)
	}); err != nil {
		return fmt.Errorf("cached test cluster: %w", err)
	}
	// cp -a keeps the owner (the postgres OS user when running as root) and modes.
	if out, err := exec.CommandContext(ctx, "cp", "-a", filepath.Join(cached, "pgdata"), dest).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the cached test cluster: %w: %s", err, out)
	}
	return nil
}

// buildCachedCluster creates a cluster with the migrated template database,
// stops it, and moves it into place.
func buildCachedCluster(ctx context.Context, root, cached string) error {
	build, err := os.MkdirTemp(root, filepath.Base(cached)+"-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(build)
	if err := os.Chmod(build, 0o755); err != nil {
		return err
	}
	srv, err := pglocal.Start(ctx, clusterOptions(filepath.Join(build, "pgdata")))
	if err != nil {
		return err
	}
	c := &cluster{server: srv, adminURL: srv.URL("postgres"), template: cachedTemplate}
	err = c.createTemplate(ctx)
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = errors.Join(err, srv.Stop(stopCtx))
	if err != nil {
		return err
	}
	_ = os.RemoveAll(cached)
	return os.Rename(build, cached)
}

// cacheKey names a cluster by what it depends on: the server binaries and
// the registry migrations in its template.
func cacheKey(binDir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v1\n%s\n", binDir)
	if info, err := os.Stat(filepath.Join(binDir, "postgres")); err == nil {
		fmt.Fprintf(h, "%d %d\n", info.Size(), info.ModTime().UnixNano())
	}
	err := fs.WalkDir(migrations.Control(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(migrations.Control(), path)
		fmt.Fprintf(h, "%s\n%s\n", path, body)
		return err
	})
	if err != nil {
		return "", err
	}
	return "cluster-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// withFileLock runs fn holding an exclusive lock on path, so test binaries
// running in parallel build the cache once.
func withFileLock(path string, fn func() error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	return fn()
}
