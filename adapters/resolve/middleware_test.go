package resolve_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// memLookup is an in-memory tenant lookup by id or slug that counts its calls.
// It stands in for the tenant service, not for PostgreSQL.
type memLookup struct {
	mu      sync.Mutex
	tenants map[string]core.Tenant
	calls   map[string]int
	err     error // returned for every call when set
}

func newMemLookup(ts ...core.Tenant) *memLookup {
	m := &memLookup{tenants: map[string]core.Tenant{}, calls: map[string]int{}}
	for _, t := range ts {
		m.put(t)
	}
	return m
}

func (m *memLookup) put(t core.Tenant) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, old := range m.tenants {
		if old.ID == t.ID {
			delete(m.tenants, k)
		}
	}
	m.tenants[t.ID] = t
	m.tenants[t.Slug] = t
}

func (m *memLookup) Get(_ context.Context, ref string) (core.Tenant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[ref]++
	if m.err != nil {
		return core.Tenant{}, m.err
	}
	t, ok := m.tenants[ref]
	if !ok {
		return core.Tenant{}, ports.Errorf(ports.KindNotFound, "tenant %q not found", ref)
	}
	return t, nil
}

func (m *memLookup) callsFor(ref string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[ref]
}

func tenant(id, slug string, status core.Status) core.Tenant {
	return core.Tenant{ID: id, Slug: slug, Name: "Secret Name " + slug, SchemaName: "tenant_" + slug, Status: status, Version: 1}
}

const (
	acmeID      = "0b9d6c1e-5f5e-4d7e-9a51-000000000001"
	suspendedID = "0b9d6c1e-5f5e-4d7e-9a51-000000000002"
	deletedID   = "0b9d6c1e-5f5e-4d7e-9a51-000000000003"
	freshID     = "0b9d6c1e-5f5e-4d7e-9a51-000000000004"
)

func fixtures() *memLookup {
	return newMemLookup(
		tenant(acmeID, "acme", core.StatusProvisioned),
		tenant(suspendedID, "sleepy", core.StatusSuspended),
		tenant(deletedID, "gone-co", core.StatusDeleted),
		tenant(freshID, "fresh", core.StatusActive),
	)
}

// seen records what the handler saw.
type seen struct {
	ran    bool
	tenant core.Tenant
	has    bool
	path   string
}

func serve(t *testing.T, opts resolve.Options, r *http.Request) (*httptest.ResponseRecorder, *seen) {
	t.Helper()
	s := &seen{}
	h := resolve.Middleware(opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ran = true
		s.tenant, s.has = resolve.Tenant(r.Context())
		s.path = r.URL.Path
		w.WriteHeader(http.StatusNoContent)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, s
}

func newResolver(t testing.TB, lookup ports.TenantLookup, names ...string) *resolve.Resolver {
	t.Helper()
	chain, err := resolve.StrategiesFromNames(names, resolve.StrategyConfig{BaseDomains: []string{"app.example.com"}})
	require.NoError(t, err)
	rs, err := resolve.NewResolver(lookup, chain...)
	require.NoError(t, err)
	return rs
}

func TestMiddlewareOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		host     string
		target   string
		header   string // X-Tenant-Id
		required bool
		status   int
		problem  string
		detail   string
		slug     string // the tenant the handler sees
		path     string
	}{
		{name: "a provisioned tenant reaches the handler", host: "acme.app.example.com", target: "/notes",
			status: http.StatusNoContent, slug: "acme", path: "/notes"},
		{name: "the path prefix is stripped for the handler", host: "localhost", target: "/t/acme/notes/1",
			status: http.StatusNoContent, slug: "acme", path: "/notes/1"},
		{name: "a tenant named by id in a header is found", host: "localhost", target: "/", header: strings.ToUpper(acmeID),
			status: http.StatusNoContent, slug: "acme", path: "/"},
		{name: "no tenant named continues without one", host: "localhost", target: "/health",
			status: http.StatusNoContent, path: "/health"},
		{name: "no tenant named is refused when one is required", host: "localhost", target: "/health", required: true,
			status: http.StatusBadRequest, problem: resolve.ProblemTenantRequired, detail: "the request names no tenant; this route needs one"},
		{name: "an unknown tenant is not found", host: "nobody.app.example.com", target: "/",
			status: http.StatusNotFound, problem: resolve.ProblemTenantNotFound, detail: `tenant "nobody" not found`},
		{name: "an invalid reference is not found without a lookup", host: "localhost", target: "/t/NOT_a_slug!/x",
			status: http.StatusNotFound, problem: resolve.ProblemTenantNotFound, detail: "the request names no valid tenant slug or id"},
		{name: "a suspended tenant is forbidden", host: "sleepy.app.example.com", target: "/",
			status: http.StatusForbidden, problem: resolve.ProblemTenantSuspended, detail: `tenant "sleepy" is suspended`},
		{name: "a deleted tenant is gone", host: "gone-co.app.example.com", target: "/",
			status: http.StatusGone, problem: resolve.ProblemTenantDeleted, detail: `tenant "gone-co" is deleted`},
		{name: "a tenant not provisioned yet is a conflict", host: "fresh.app.example.com", target: "/",
			status: http.StatusConflict, problem: resolve.ProblemTenantNotProvisioned, detail: `tenant "fresh" is not provisioned yet`},
		{name: "a refusal names the tenant as the request did", host: "localhost", target: "/", header: suspendedID,
			status: http.StatusForbidden, problem: resolve.ProblemTenantSuspended, detail: `tenant "` + suspendedID + `" is suspended`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newResolver(t, resolve.NewCache(fixtures(), resolve.CacheOptions{}), "subdomain", "path", "header")
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			r.Host = tc.host
			if tc.header != "" {
				r.Header.Set("X-Tenant-Id", tc.header)
			}
			w, s := serve(t, resolve.Options{Resolver: rs, Required: tc.required}, r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.problem == "" {
				require.True(t, s.ran)
				require.Equal(t, tc.slug != "", s.has)
				require.Equal(t, tc.slug, s.tenant.Slug)
				require.Equal(t, tc.path, s.path)
				return
			}
			require.False(t, s.ran, "the handler must not run for a refused tenant")
			require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			var p resolve.Problem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			require.Equal(t, resolve.Problem{Type: tc.problem, Title: p.Title, Status: tc.status, Detail: tc.detail}, p)
			require.NotEmpty(t, p.Title)
			for _, secret := range []string{"Secret Name", "tenant_", acmeID} {
				if tc.header == "" {
					require.NotContains(t, w.Body.String(), secret, "a refusal carries no tenant data")
				}
			}
		})
	}
}

func TestMiddlewareRegistryFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		status  int
		problem string
	}{
		{"an unavailable registry is 503", ports.Wrap(ports.KindUnavailable, errors.New("dial tcp: refused"), "database unreachable"),
			http.StatusServiceUnavailable, resolve.ProblemRegistryUnavailable},
		{"an unexpected error is a bare 500", errors.New(`pq: relation "tenancy.tenants" does not exist`),
			http.StatusInternalServerError, resolve.ProblemInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lookup := fixtures()
			lookup.err = tc.err
			rs := newResolver(t, resolve.NewCache(lookup, resolve.CacheOptions{}), "subdomain")
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = "acme.app.example.com"
			w, s := serve(t, resolve.Options{Resolver: rs}, r)
			require.False(t, s.ran)
			require.Equal(t, tc.status, w.Code)
			var p resolve.Problem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			require.Equal(t, tc.problem, p.Type)
			require.NotContains(t, p.Detail, "dial tcp")
			require.NotContains(t, p.Detail, "relation")
		})
	}
}

func TestHeaderStrategyIsOffByDefault(t *testing.T) {
	t.Parallel()
	// The default chain (TENANCY_RESOLVE unset) is subdomain alone.
	rs := newResolver(t, fixtures(), "subdomain")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "localhost"
	r.Header.Set("X-Tenant-Slug", "acme")
	r.Header.Set("X-Tenant-Id", acmeID)
	w, s := serve(t, resolve.Options{Resolver: rs}, r)
	require.Equal(t, http.StatusNoContent, w.Code)
	require.False(t, s.has, "a header must not pick the tenant unless the header strategy is configured")
}

func TestFirstStrategyWins(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	rs := newResolver(t, lookup, "subdomain", "path")
	r := httptest.NewRequest(http.MethodGet, "/t/sleepy/notes", nil)
	r.Host = "acme.app.example.com"
	w, s := serve(t, resolve.Options{Resolver: rs}, r)
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Equal(t, "acme", s.tenant.Slug)
	require.Equal(t, "/t/sleepy/notes", s.path, "the path strategy did not match, so nothing is stripped")
	require.Zero(t, lookup.callsFor("sleepy"))
}

func TestResolverContract(t *testing.T) {
	t.Parallel()
	rs := newResolver(t, fixtures(), "path")

	r := httptest.NewRequest(http.MethodGet, "/plain", nil)
	_, same, err := rs.Resolve(r)
	require.ErrorIs(t, err, ports.ErrNoTenant)
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Same(t, r, same)

	r = httptest.NewRequest(http.MethodGet, "/t/sleepy/x", nil)
	_, back, err := rs.Resolve(r)
	require.Equal(t, ports.KindForbidden, ports.KindOf(err))
	_, has := ports.TenantFrom(back.Context())
	require.False(t, has, "a refused request never carries a tenant")

	got, next, err := rs.Resolve(httptest.NewRequest(http.MethodGet, "/t/acme/x", nil))
	require.NoError(t, err)
	require.Equal(t, "acme", got.Slug)
	inCtx, ok := ports.TenantFrom(next.Context())
	require.True(t, ok)
	require.Equal(t, got, inCtx)
	require.Equal(t, "/x", next.URL.Path)

	_, err = resolve.NewResolver(nil)
	require.Error(t, err)
	_, err = resolve.NewResolver(fixtures())
	require.Error(t, err, "a resolver needs at least one strategy")
	require.Panics(t, func() { resolve.Middleware(resolve.Options{}) })
}

func TestCacheKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "tenant:"+acmeID+":notes:1", resolve.TenantKey(acmeID, "notes:1"))

	_, err := resolve.CacheKey(context.Background(), "notes:1")
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))

	ctx := ports.WithTenant(context.Background(), tenant(acmeID, "acme", core.StatusProvisioned))
	a, err := resolve.CacheKey(ctx, "notes:1")
	require.NoError(t, err)
	ctx = ports.WithTenant(context.Background(), tenant(suspendedID, "sleepy", core.StatusProvisioned))
	b, err := resolve.CacheKey(ctx, "notes:1")
	require.NoError(t, err)
	require.NotEqual(t, a, b, "two tenants never share a key")
}
