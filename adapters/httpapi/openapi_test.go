package httpapi_test

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.golden.json from the code")

// document is the OpenAPI document as `tenantd openapi` prints it: every
// route registered, no service behind them.
func document(t *testing.T) []byte {
	t.Helper()
	api := httpapi.NewAPI(http.NewServeMux(), httpapi.Info{Title: "Tenancy", Version: "1.0.0"})
	httpapi.RegisterHealth(api, nil)
	httpapi.NewTenantRoutes(nil).Register(api)
	out, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
	require.NoError(t, err)
	return append(out, '\n')
}

func TestTheOpenAPIDocumentMatchesTheGoldenFile(t *testing.T) {
	golden := filepath.Join("testdata", "openapi.golden.json")
	got := document(t)
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./adapters/httpapi -run Golden -update to create it")
	require.Equal(t, string(want), string(got), "the API changed: review the diff, then run go test ./adapters/httpapi -run Golden -update")
}

func TestEveryOperationIsDocumentedAndProtected(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Summary     string                `json:"summary"`
			Description string                `json:"description"`
			Tags        []string              `json:"tags"`
			Security    []map[string][]string `json:"security"`
			Responses   map[string]any        `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(document(t), &doc))
	count := 0
	for path, item := range doc.Paths {
		for method, op := range item {
			count++
			where := method + " " + path
			require.NotEmpty(t, op.OperationID, where)
			require.NotEmpty(t, op.Summary, where)
			require.NotEmpty(t, op.Description, where)
			require.NotEmpty(t, op.Tags, where)
			if strings.HasPrefix(path, httpapi.ProtectedPrefix) {
				require.Equal(t, []map[string][]string{{httpapi.BearerScheme: {}}}, op.Security, where)
				require.Contains(t, op.Responses, "401", where)
				require.Contains(t, op.Responses, "403", where)
			}
		}
	}
	require.Equal(t, 12, count, "2 health and 10 tenant operations")
}

// TestTheDocumentPassesRedoclyLint runs the same linter as CI on the
// document, so a change that breaks it fails here first.
func TestTheDocumentPassesRedoclyLint(t *testing.T) {
	t.Parallel()
	npx, err := exec.LookPath("npx")
	require.NoError(t, err, "npx (Node.js) is needed to lint the OpenAPI document")
	file := filepath.Join(t.TempDir(), "openapi.json")
	require.NoError(t, os.WriteFile(file, document(t), 0o644))
	cmd := exec.Command(npx, "--yes", "@redocly/cli@2.77.0", "lint", "--format=stylish", file)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "redocly lint reports errors:\n%s", out)
	require.NotContains(t, string(out), " error ", string(out))
}
