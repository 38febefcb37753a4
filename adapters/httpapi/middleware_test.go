package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
)

func TestEveryAPIRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	s := setup(t)
	create(t, s, "acme")

	r := s.do(t, req{method: http.MethodGet, path: "/api/tenants", token: "-"})
	requireProblem(t, r, http.StatusUnauthorized)
	require.Equal(t, `Bearer realm="tenancy"`, r.header.Get("WWW-Authenticate"))
	require.Contains(t, r.body["detail"], "Authorization: Bearer")

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants", token: "wrong-token-0123456789"})
	requireProblem(t, r, http.StatusUnauthorized)
	require.Contains(t, r.header.Get("WWW-Authenticate"), "invalid_token")

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants", headers: map[string]string{"Authorization": "Basic " + adminToken}, token: "-"})
	requireProblem(t, r, http.StatusUnauthorized)

	r = s.do(t, req{method: http.MethodGet, path: "/api/unknown", token: "-"})
	requireProblem(t, r, http.StatusUnauthorized)

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants/acme", token: readToken})
	require.Equal(t, http.StatusOK, r.status, "a read token may GET")
	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme/suspend", token: readToken})
	requireProblem(t, r, http.StatusForbidden)
	require.Contains(t, r.body["detail"], "scope admin")

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants/acme"})
	require.Equal(t, "active", r.body["status"], "the refused request changed nothing")

	for _, path := range []string{"/healthz", "/openapi.json", "/openapi.yaml", "/docs", "/schemas/Tenant.json"} {
		r = s.do(t, req{method: http.MethodGet, path: path, token: "-"})
		require.Equal(t, http.StatusOK, r.status, path)
	}
}

func TestAnAuthenticatorNeedsValidCredentials(t *testing.T) {
	t.Parallel()
	_, err := httpapi.NewAuthenticator(nil)
	require.Error(t, err)
	_, err = httpapi.NewAuthenticator([]httpapi.Credential{{Scope: "root", Token: adminToken}})
	require.ErrorContains(t, err, "admin or read")
	_, err = httpapi.NewAuthenticator([]httpapi.Credential{{Scope: "admin"}})
	require.ErrorContains(t, err, "empty")
}

func TestEveryRequestHasAnIDALogLineAndNoTokenInTheLog(t *testing.T) {
	t.Parallel()
	s := setup(t)
	r := s.do(t, req{method: http.MethodGet, path: "/api/tenants/nobody", headers: map[string]string{"X-Request-Id": "client.id-42"}})
	require.Equal(t, "client.id-42", r.header.Get(httpapi.RequestIDHeader), "a sane id from the client is kept")
	require.Equal(t, "client.id-42", r.body["requestId"])

	for _, bad := range []string{"has spaces", strings.Repeat("a", 129), "semi;colon"} {
		r = s.do(t, req{method: http.MethodGet, path: "/healthz", headers: map[string]string{"X-Request-Id": bad}})
		id := r.header.Get(httpapi.RequestIDHeader)
		require.NotEqual(t, bad, id)
		require.Regexp(t, `^[0-9a-f]{32}$`, id)
	}

	lines := s.logs.FilterMessage("http request").All()
	require.Len(t, lines, 4, "one access log line per request")
	first := lines[0].ContextMap()
	require.Equal(t, "client.id-42", first["request_id"])
	require.Equal(t, "GET", first["method"])
	require.Equal(t, "/api/tenants/nobody", first["path"])
	require.Equal(t, "/api/tenants/{slug}", first["route"])
	require.EqualValues(t, http.StatusNotFound, first["status"])
	require.Contains(t, first, "duration")
	require.Contains(t, first, "bytes")

	const unknownToken = "unknown-token-0123456789abcdef"
	s.do(t, req{method: http.MethodGet, path: "/api/tenants", token: readToken})
	s.do(t, req{method: http.MethodPost, path: "/api/tenants", token: readToken, body: map[string]any{"slug": "acme", "name": "Acme"}})
	s.do(t, req{method: http.MethodGet, path: "/api/tenants", token: unknownToken})
	s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: map[string]any{"slug": "acme", "name": "Acme"}})
	requireNoTokenIn(t, s.logs, adminToken, readToken, unknownToken)
}

// requireNoTokenIn checks every logged line, its message and every field
// whatever its type (a header map, an error, a struct), for each of tokens.
func requireNoTokenIn(t *testing.T, logs *observer.ObservedLogs, tokens ...string) {
	t.Helper()
	require.NotEmpty(t, logs.All(), "the check needs lines to look at")
	for _, entry := range logs.All() {
		texts := []string{entry.Message}
		for k, v := range entry.ContextMap() {
			texts = append(texts, k+"="+fmt.Sprint(v))
		}
		for _, text := range texts {
			for _, token := range tokens {
				require.NotContains(t, text, token, "a token never reaches the log")
			}
		}
	}
}

func TestMetricsAreCountedByRouteTemplate(t *testing.T) {
	t.Parallel()
	s := setup(t)
	create(t, s, "one")
	create(t, s, "two")
	s.do(t, req{method: http.MethodGet, path: "/api/tenants/one"})
	s.do(t, req{method: http.MethodGet, path: "/api/tenants/two"})
	s.do(t, req{method: http.MethodGet, path: "/api/tenants/three"})
	s.do(t, req{method: http.MethodGet, path: "/random/path", token: "-"})

	families, err := s.metrics.Gather()
	require.NoError(t, err)
	counts := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "tenancy_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			counts[labels["method"]+" "+labels["route"]+" "+labels["status"]] = m.GetCounter().GetValue()
		}
	}
	require.Equal(t, map[string]float64{
		"POST /api/tenants 201":       2,
		"GET /api/tenants/{slug} 200": 2,
		"GET /api/tenants/{slug} 404": 1,
		"GET unmatched 404":           1,
	}, counts)
}
