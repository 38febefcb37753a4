package e2e_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// freeAddr picks a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is an output buffer that a process writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTenantd runs the built binary and waits until it has said where it
// serves and /healthz answers.
func startTenantd(t *testing.T, env []string, timeout time.Duration) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(append(os.Environ(), "TENANCY_HTTP_ADDR="+addr, "TENANCY_LOG_FORMAT=json"), env...)
	out, logs := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(out.String(), "is serving") {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd, addr, out
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tenantd did not serve /healthz within %s; logs:\n%s", timeout, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func postgresProcessesUnder(dataDir string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(cmdline), dataDir) && strings.Contains(string(cmdline), "postgres") {
			found = append(found, e.Name())
		}
	}
	return found
}

func stopWith(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(sig))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "tenantd exits 0 on %s", sig)
	case <-time.After(30 * time.Second):
		t.Fatalf("tenantd did not stop on %s", sig)
	}
}

func TestDevModeStartsItsOwnPostgresAndLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(root), 0o755))
	dataDir := filepath.Join(root, "state")
	env := []string{"TENANCY_DATA_DIR=" + dataDir, "DATABASE_URL="}

	began := time.Now()
	cmd, addr, out := startTenantd(t, env, 15*time.Second)
	t.Logf("first run (creates the cluster): /healthz answered after %s", time.Since(began).Round(time.Millisecond))
	require.Contains(t, out.String(), "/docs")
	resp, err := http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	marker := fmt.Sprintf("marker_%d", time.Now().UnixNano())
	withLocalDB(t, dataDir, func(conn *pgx.Conn) {
		_, err := conn.Exec(context.Background(), "CREATE TABLE public."+marker+" (id int)")
		require.NoError(t, err)
	})
	stopWith(t, cmd, syscall.SIGINT)
	require.Empty(t, postgresProcessesUnder(dataDir), "no PostgreSQL process is left after SIGINT")

	began = time.Now()
	cmd, _, _ = startTenantd(t, env, 5*time.Second)
	t.Logf("second run (reuses it): /healthz answered after %s", time.Since(began).Round(time.Millisecond))
	withLocalDB(t, dataDir, func(conn *pgx.Conn) {
		var exists bool
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT to_regclass('public."+marker+"') IS NOT NULL").Scan(&exists))
		require.True(t, exists, "the second run finds the data of the first")
	})
	stopWith(t, cmd, syscall.SIGTERM)
	require.Empty(t, postgresProcessesUnder(dataDir), "no PostgreSQL process is left after SIGTERM")
}

// withLocalDB connects to the dev-mode database through the cluster's socket-free
// TCP port, read from postmaster.pid.
func withLocalDB(t *testing.T, dataDir string, fn func(*pgx.Conn)) {
	t.Helper()
	pgdata := filepath.Join(dataDir, "pgdata")
	pid, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	require.NoError(t, err)
	lines := strings.Split(string(pid), "\n")
	require.GreaterOrEqual(t, len(lines), 4)
	password, err := os.ReadFile(filepath.Join(pgdata, "tenancy.password"))
	require.NoError(t, err)
	url := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%s/tenancy?sslmode=disable", strings.TrimSpace(string(password)), strings.TrimSpace(lines[3]))
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	fn(conn)
}

func TestAStartUpFailurePrintsOneClearLine(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name  string
		env   []string
		words []string
	}{
		{"bad configuration", []string{"TENANCY_LOG_LEVEL=loud", "TENANCY_HTTP_ADDR=nope"}, []string{"TENANCY_LOG_LEVEL", "TENANCY_HTTP_ADDR"}},
		{"an unreachable database", []string{"DATABASE_URL=postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "TENANCY_ADMIN_TOKENS=admin:" + adminToken}, []string{"connect to database"}},
		{"no API token outside dev mode", []string{"DATABASE_URL=" + dbURL(t), "TENANCY_ADMIN_TOKENS="}, []string{"TENANCY_ADMIN_TOKENS"}},
	}
	for _, f := range failures {
		cmd := exec.Command(binary(t), "serve")
		cmd.Env = append(os.Environ(), append([]string{"TENANCY_HTTP_ADDR=127.0.0.1:0"}, f.env...)...)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, f.name)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Len(t, lines, 1, "%s: %s", f.name, out)
		for _, w := range f.words {
			require.Contains(t, lines[0], w, f.name)
		}
	}
}

func TestAnExistingDatabaseURLStartsNoLocalServer(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "state")
	cmd, _, _ := startTenantd(t, []string{"TENANCY_DATA_DIR=" + dataDir, "DATABASE_URL=" + dbURL(t), "TENANCY_ADMIN_TOKENS=admin:" + adminToken}, 15*time.Second)
	_, err := os.Stat(dataDir)
	require.ErrorIs(t, err, os.ErrNotExist, "no cluster was created")
	stopWith(t, cmd, syscall.SIGTERM)
}
