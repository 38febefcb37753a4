package e2e_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWithoutATokenTheServiceRefusesToStart(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL(t), "TENANCY_ADMIN_TOKENS=", "TENANCY_HTTP_ADDR="+freeAddr(t), "TENANCY_LOG_LEVEL=error")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "TENANCY_ADMIN_TOKENS", string(out))
}

func TestDevModeGeneratesAnAdminTokenAndPrintsItOnce(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(root), 0o755))
	cmd, addr, out := startTenantd(t, []string{"TENANCY_DATA_DIR=" + filepath.Join(root, "state"), "DATABASE_URL=", "TENANCY_ADMIN_TOKENS="}, 30*time.Second)
	match := regexp.MustCompile(`admin token \(dev mode, generated\): (\S+)`).FindStringSubmatch(out.String())
	require.NotNil(t, match, out.String())
	require.Equal(t, 1, strings.Count(out.String(), "admin token"))
	require.Equal(t, 1, strings.Count(out.String(), match[1]), "the generated token is printed once and never again")

	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/tenants", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+match[1])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the printed token works")
	stopWith(t, cmd, syscall.SIGTERM)
}
