package pglocal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/pglocal"
)

func tempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// The server may run as the postgres OS user, who must reach the cluster.
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	return dir
}

func start(t *testing.T, dataDir string) *pglocal.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := pglocal.Start(ctx, pglocal.Options{DataDir: dataDir, Ephemeral: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	return srv
}

func query(t *testing.T, srv *pglocal.Server, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.URL("postgres"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var out string
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(&out))
	return out
}

func processAlive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	if err != nil {
		return false
	}
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}

func TestServerStartsStopsAndKeepsDataAcrossRuns(t *testing.T) {
	dataDir := filepath.Join(tempDir(t), "pgdata")
	srv := start(t, dataDir)

	require.Equal(t, "off", query(t, srv, "SHOW fsync"))
	require.Equal(t, "127.0.0.1", query(t, srv, "SELECT host(inet_server_addr())"))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.URL("postgres"))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('from the first run')")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	pid := srv.PID()
	require.NoError(t, srv.Stop(ctx))
	require.False(t, processAlive(pid), "the server process is gone after Stop")
	_, err = os.Stat(filepath.Join(dataDir, "postmaster.pid"))
	require.ErrorIs(t, err, os.ErrNotExist, "a clean stop leaves no postmaster.pid")

	again := start(t, dataDir)
	require.Equal(t, "from the first run", query(t, again, "SELECT v FROM kept"))
}

func TestServerRunsAsThePostgresUserWhenRoot(t *testing.T) {
	srv := start(t, filepath.Join(tempDir(t), "pgdata"))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.PID()))
	require.NoError(t, err)
	uid := ""
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Uid:") {
			uid = strings.Fields(line)[1]
		}
	}
	want := strconv.Itoa(os.Geteuid())
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err)
		want = u.Uid
	}
	require.Equal(t, want, uid)
	info, err := os.Stat(srv.DataDir())
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}

func TestServerRecoversFromAStalePIDFile(t *testing.T) {
	dataDir := filepath.Join(tempDir(t), "pgdata")
	srv := start(t, dataDir)
	require.NoError(t, srv.Stop(context.Background()))

	// A crash leaves postmaster.pid naming a process that no longer exists.
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	stale := fmt.Sprintf("%d\n%s\n0\n5432\n", dead.Process.Pid, dataDir)
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(stale), 0o600))

	again := start(t, dataDir)
	require.Equal(t, "1", query(t, again, "SELECT 1::text"))
}

func TestServerRefusesADataDirAnotherServerOwns(t *testing.T) {
	dataDir := filepath.Join(tempDir(t), "pgdata")
	start(t, dataDir)
	_, err := pglocal.Start(context.Background(), pglocal.Options{DataDir: dataDir})
	require.ErrorContains(t, err, "already running")
}

func TestFindBinaries(t *testing.T) {
	t.Run("an explicit directory without the binaries is refused by name", func(t *testing.T) {
		_, err := pglocal.FindBinaries(t.TempDir(), "")
		require.ErrorContains(t, err, "TENANCY_PG_BIN")
	})
	t.Run("nothing on PATH nor in the search directories says what to install", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := pglocal.FindBinaries("", filepath.Join(t.TempDir(), "*", "bin"))
		require.True(t, errors.Is(err, pglocal.ErrNoBinaries))
		require.Contains(t, err.Error(), "PostgreSQL 14 or newer")
		require.Contains(t, err.Error(), "DATABASE_URL")
	})
	t.Run("the newest version directory wins", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		root := t.TempDir()
		for _, v := range []string{"9", "14", "16"} {
			dir := filepath.Join(root, v, "bin")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for _, name := range []string{"initdb", "postgres"} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755))
			}
		}
		dir, err := pglocal.FindBinaries("", filepath.Join(root, "*", "bin"))
		require.NoError(t, err)
		require.Equal(t, filepath.Join(root, "16", "bin"), dir)
	})
	t.Run("a server missing binaries fails to start with that line", func(t *testing.T) {
		_, err := pglocal.Start(context.Background(), pglocal.Options{DataDir: t.TempDir(), BinDir: t.TempDir()})
		require.ErrorContains(t, err, "TENANCY_PG_BIN")
	})
}

func TestADataDirThePostgresUserCannotReachMovesToTheFallback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only a root process runs the server as another OS user")
	}
	locked := filepath.Join(tempDir(t), "home")
	require.NoError(t, os.Mkdir(locked, 0o700), "like /root: only its owner may enter")
	fallback := tempDir(t)
	opts := pglocal.Options{DataDir: filepath.Join(locked, "project", ".tenancy", "pgdata"), Ephemeral: true, FallbackRoot: fallback}
	srv, err := pglocal.Start(context.Background(), opts)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(srv.DataDir(), fallback), "the cluster lives under the fallback: %s", srv.DataDir())
	require.Equal(t, "1", query(t, srv, "SELECT 1::text"))
	first := srv.DataDir()
	require.NoError(t, srv.Stop(context.Background()))

	again, err := pglocal.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = again.Stop(context.Background()) })
	require.Equal(t, first, again.DataDir(), "later runs from the same place find the same cluster")
}
