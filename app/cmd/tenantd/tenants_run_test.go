package main

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// spy is a Tenants that records which use cases a command called and
// succeeds with a bare tenant named like the ref.
type spy struct{ calls []string }

func bare(ref string) core.Tenant { return core.Tenant{ID: ref, Slug: ref, Version: 1} }

func (s *spy) Create(_ context.Context, p ports.CreateParams) (core.Tenant, error) {
	s.calls = append(s.calls, "create")
	return bare(p.Slug), nil
}

func (s *spy) Get(_ context.Context, ref string) (core.Tenant, error) {
	s.calls = append(s.calls, "get")
	return bare(ref), nil
}

func (s *spy) List(context.Context, ports.ListParams) (ports.TenantPage, error) {
	s.calls = append(s.calls, "list")
	return ports.TenantPage{}, nil
}

func (s *spy) Update(_ context.Context, p ports.UpdateTenantParams) (core.Tenant, error) {
	s.calls = append(s.calls, "update")
	return bare(p.Ref), nil
}

func (s *spy) Provision(context.Context, string, string) (ports.ProvisionResult, error) {
	s.calls = append(s.calls, "provision")
	return ports.ProvisionResult{}, nil
}

func (s *spy) Suspend(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.calls = append(s.calls, "suspend")
	return bare(ref), nil
}

func (s *spy) Activate(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.calls = append(s.calls, "activate")
	return bare(ref), nil
}

func (s *spy) Delete(_ context.Context, ref, _ string) (core.Tenant, error) {
	s.calls = append(s.calls, "delete")
	return bare(ref), nil
}

func (s *spy) Deprovision(context.Context, string, string) (ports.DeprovisionResult, error) {
	s.calls = append(s.calls, "deprovision")
	return ports.DeprovisionResult{}, nil
}

func (s *spy) Events(context.Context, string, ports.EventListParams) (ports.EventPage, error) {
	s.calls = append(s.calls, "events")
	return ports.EventPage{}, nil
}

func TestEveryTenantCommandCallsItsOwnUseCaseAndNoOther(t *testing.T) {
	t.Parallel()
	for _, cmd := range tenantsCommands() {
		t.Run(cmd.name, func(t *testing.T) {
			t.Parallel()
			c := &cli{stdout: io.Discard, stderr: io.Discard, args: []string{"acme"}, name: "Acme", nameSet: true, limit: ports.DefaultPageSize, actor: "cli:test"}
			if cmd.name == "list" {
				c.args = nil // the one command that names no tenant
			}
			svc := &spy{}
			require.NoError(t, cmd.run(context.Background(), c, svc))
			require.Equal(t, []string{cmd.name}, svc.calls)
		})
	}
}
