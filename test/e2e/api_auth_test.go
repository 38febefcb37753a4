package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// openOperations are the documented operations that need no token: the
// health checks a load balancer calls.
var openOperations = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// protectedOperations lists every operation of the served document that
// declares the bearer scheme, so a route added later is checked without
// anyone editing this test. Every other operation must be a documented open
// one: a route that forgot its security fails here.
func protectedOperations(t *testing.T, base string) [][2]string {
	t.Helper()
	resp, err := http.Get(base + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	type security = []map[string][]string
	var doc struct {
		Security security `json:"security"`
		Paths    map[string]map[string]struct {
			Security *security `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	var ops [][2]string
	for path, item := range doc.Paths {
		for method, op := range item {
			name := strings.ToUpper(method) + " " + path
			declared := doc.Security
			if op.Security != nil {
				declared = *op.Security
			}
			bearer := false
			for _, requirement := range declared {
				if _, ok := requirement["bearer"]; ok {
					bearer = true
				}
			}
			if !bearer {
				require.True(t, openOperations[name], "%s declares no bearer security but is not a documented open route", name)
				continue
			}
			require.Equal(t, security{{"bearer": {}}}, declared, "%s needs the bearer scheme, not merely allows it", name)
			ops = append(ops, [2]string{strings.ToUpper(method), path})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i][1]+ops[i][0] < ops[j][1]+ops[j][0] })
	require.GreaterOrEqual(t, len(ops), 10)
	return ops
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func call(t *testing.T, method, url, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return resp, body
}

func TestEveryProtectedRouteRefusesMissingWrongAndUnderScopedTokens(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	for _, op := range protectedOperations(t, base) {
		method, path := op[0], op[1]
		url := base + pathParam.ReplaceAllString(path, "acme")
		t.Run(method+" "+path, func(t *testing.T) {
			resp, body := call(t, method, url, "")
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no token")
			require.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			require.Equal(t, resp.Header.Get("X-Request-Id"), body["requestId"])

			resp, _ = call(t, method, url, "not-a-token-of-this-service")
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "wrong token")
			require.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")

			resp, _ = call(t, method, url, e2eReadToken)
			if method == http.MethodGet {
				require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.StatusCode, "a read token may GET")
			} else {
				require.Equal(t, http.StatusForbidden, resp.StatusCode, "a read token may not %s", method)
			}

			resp, _ = call(t, method, url, e2eAdminToken)
			require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.StatusCode, "an admin token may do anything")
		})
	}
}

func TestOpenRoutesNeedNoToken(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/openapi.yaml", "/docs", "/schemas/Tenant.json", "/metrics"} {
		resp, _ := call(t, http.MethodGet, base+path, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Contains(t, string(raw), `tenancy_http_requests_total{method="GET",route="/healthz",status="200"}`)
}

func TestTheServedDocumentIsTheGoldenOneTheClientWasGeneratedFrom(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	resp, err := http.Get(base + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	var served, golden any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&served))
	raw, err := os.ReadFile(filepath.Join("..", "..", "adapters", "httpapi", "testdata", "openapi.golden.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &golden))
	require.Equal(t, golden, served, "regenerate the golden file and test/apiclient (go generate ./test/apiclient)")
}
