package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// spy is a Tenants that records which use cases a request called and
// succeeds with a bare tenant named like the ref.
type spy struct {
	mu    sync.Mutex
	calls []string
}

func (s *spy) record(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
}

func (s *spy) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = nil
	return calls
}

func bare(ref string) core.Tenant { return core.Tenant{ID: ref, Slug: ref, Version: 1} }

func (s *spy) Create(_ context.Context, p ports.CreateParams) (core.Tenant, error) {
	s.record("Create")
	return bare(p.Slug), nil
}

func (s *spy) Get(_ context.Context, ref string) (core.Tenant, error) {
	s.record("Get")
	return bare(ref), nil
}

func (s *spy) List(context.Context, ports.ListParams) (ports.TenantPage, error) {
	s.record("List")
	return ports.TenantPage{}, nil
}

func (s *spy) Update(_ context.Context, p ports.UpdateTenantParams) (core.Tenant, error) {
	s.record("Update")
	return bare(p.Ref), nil
}

func (s *spy) Provision(context.Context, string, string) (ports.ProvisionResult, error) {
	s.record("Provision")
	return ports.ProvisionResult{}, nil
}

func (s *spy) Suspend(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.record("Suspend")
	return bare(ref), nil
}

func (s *spy) Activate(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.record("Activate")
	return bare(ref), nil
}

func (s *spy) Delete(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.record("Delete")
	return bare(ref), nil
}

func (s *spy) Deprovision(context.Context, string, string) (ports.DeprovisionResult, error) {
	s.record("Deprovision")
	return ports.DeprovisionResult{}, nil
}

func (s *spy) Events(context.Context, string, ports.EventListParams) (ports.EventPage, error) {
	s.record("Events")
	return ports.EventPage{}, nil
}

func TestEveryRouteCallsItsOwnUseCaseAndNoOther(t *testing.T) {
	t.Parallel()
	svc := &spy{}
	s := newServer(t, svc)
	cases := []struct {
		req   req
		calls []string
	}{
		{req{method: http.MethodPost, path: "/api/tenants", body: map[string]any{"slug": "acme", "name": "Acme"}}, []string{"Create"}},
		{req{method: http.MethodGet, path: "/api/tenants"}, []string{"List"}},
		{req{method: http.MethodGet, path: "/api/tenants/acme"}, []string{"Get"}},
		{req{method: http.MethodPatch, path: "/api/tenants/acme", body: map[string]any{"name": "Acme"}}, []string{"Update"}},
		{req{method: http.MethodPost, path: "/api/tenants/acme/provision"}, []string{"Provision"}},
		{req{method: http.MethodPost, path: "/api/tenants/acme/suspend"}, []string{"Suspend"}},
		{req{method: http.MethodPost, path: "/api/tenants/acme/activate"}, []string{"Activate"}},
		{req{method: http.MethodDelete, path: "/api/tenants/acme"}, []string{"Delete"}},
		{req{method: http.MethodPost, path: "/api/tenants/acme/deprovision?confirm=acme"}, []string{"Get", "Deprovision"}},
		{req{method: http.MethodGet, path: "/api/tenants/acme/events"}, []string{"Events"}},
	}
	for _, c := range cases {
		r := s.do(t, c.req)
		require.Less(t, r.status, http.StatusBadRequest, "%s %s: %s", c.req.method, c.req.path, r.raw)
		require.Equal(t, c.calls, svc.take(), "%s %s", c.req.method, c.req.path)
	}
}
