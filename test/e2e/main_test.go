// Package e2e_test drives tenantd from the outside: the built binary, its
// HTTP API on loopback, and the database it works on.
package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, func() {
		if built != "" {
			_ = os.RemoveAll(filepath.Dir(built))
		}
	})
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// binary builds tenantd once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tenantd-bin-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "tenantd")
		out, err := exec.Command("go", "build", "-o", built, "github.com/tenancyhq/tenancy/app/cmd/tenantd").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build tenantd: %v", buildErr)
	}
	return built
}

// dbURL is a fresh database for one test.
func dbURL(t *testing.T) string { return pgtest.URL(t) }
