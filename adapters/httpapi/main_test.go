package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	adminToken = "admin-token-0123456789abcdef"
	readToken  = "read-token-0123456789abcdef"
)

// server is the real handler chain over a real service on its own database.
type server struct {
	handler http.Handler
	logs    *observer.ObservedLogs
	metrics *prometheus.Registry
}

func setup(t *testing.T) *server {
	t.Helper()
	db := pgtest.DB(t)
	reg := postgres.NewRegistry(db, pgtest.RegistrySchema, nil)
	sets, err := schema.NewSets(schema.StandardSets("")...)
	require.NoError(t, err)
	prov, err := schema.NewProvisioner(db, reg, sets, schema.Options{})
	require.NoError(t, err)
	// The service logs into the same observer as the HTTP layer, so a test
	// that reads the log sees every line a request caused.
	observed, logs := observer.New(zap.DebugLevel)
	return newObservedServer(t, tenants.NewService(reg, prov, nil, nil, tenants.WithLogger(zap.New(observed))), observed, logs)
}

func newServer(t *testing.T, svc ports.Tenants) *server {
	t.Helper()
	observed, logs := observer.New(zap.DebugLevel)
	return newObservedServer(t, svc, observed, logs)
}

// newObservedServer serves svc, logging into observed (whose lines logs holds).
func newObservedServer(t *testing.T, svc ports.Tenants, observed zapcore.Core, logs *observer.ObservedLogs) *server {
	t.Helper()
	mux := http.NewServeMux()
	api := httpapi.NewAPI(mux, httpapi.Info{Title: "Tenancy", Version: "test"})
	httpapi.RegisterHealth(api, nil)
	httpapi.NewTenantRoutes(svc).Register(api)
	auth, err := httpapi.NewAuthenticator([]httpapi.Credential{
		{Scope: httpapi.ScopeAdmin, Token: adminToken},
		{Scope: httpapi.ScopeRead, Token: readToken},
	})
	require.NoError(t, err)
	registry := prometheus.NewRegistry()
	metrics, err := httpapi.NewMetrics(registry)
	require.NoError(t, err)
	return &server{handler: httpapi.Instrument(mux, zap.New(observed), metrics, auth.Protect), logs: logs, metrics: registry}
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// req describes one request; the token defaults to the admin one.
type req struct {
	method, path string
	body         any // string: sent as is; anything else: JSON-encoded
	token        string
	contentType  string
	headers      map[string]string
}

func (s *server) do(t *testing.T, r req) response {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	token := r.token
	if token == "" {
		token = adminToken
	}
	if token != "-" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, hr)
	out := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &out.body)
	return out
}

// requireProblem checks an RFC 9457 problem with the request id of the response.
func requireProblem(t *testing.T, r response, status int) {
	t.Helper()
	require.Equal(t, status, r.status, r.raw)
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), r.raw)
	require.EqualValues(t, status, r.body["status"], r.raw)
	require.NotEmpty(t, r.body["detail"], r.raw)
	require.NotEmpty(t, r.header.Get(httpapi.RequestIDHeader))
	require.Equal(t, r.header.Get(httpapi.RequestIDHeader), r.body["requestId"], r.raw)
}

// locations lists the locations of a problem's errors.
func locations(r response) []string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			loc, _ := m["location"].(string)
			out = append(out, loc)
		}
	}
	return out
}

func create(t *testing.T, s *server, slug string) map[string]any {
	t.Helper()
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: map[string]any{"slug": slug, "name": "Tenant " + slug}})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	return r.body
}
