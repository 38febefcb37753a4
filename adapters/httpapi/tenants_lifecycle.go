package httpapi

import (
	"context"
	"fmt"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// ProvisionOutput is what a provision did.
type ProvisionOutput struct {
	Body ProvisionResult
}

func (rt *TenantRoutes) provision(ctx context.Context, in *TenantRef) (*ProvisionOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	res, err := rt.svc.Provision(ctx, in.Slug, actor(ctx))
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return &ProvisionOutput{Body: ToProvisionResult(res)}, nil
}

func (rt *TenantRoutes) suspend(ctx context.Context, in *TenantRef) (*TenantOutput, error) {
	return rt.transition(ctx, in.Slug, ports.Tenants.Suspend)
}

func (rt *TenantRoutes) activate(ctx context.Context, in *TenantRef) (*TenantOutput, error) {
	return rt.transition(ctx, in.Slug, ports.Tenants.Activate)
}

func (rt *TenantRoutes) delete(ctx context.Context, in *TenantRef) (*TenantOutput, error) {
	return rt.transition(ctx, in.Slug, ports.Tenants.Delete)
}

// lifecycleCall is one of the lifecycle use cases that return the tenant, as
// a method expression of the port (ports.Tenants.Suspend): each route names
// its own, so no route can fall through to another's.
type lifecycleCall func(svc ports.Tenants, ctx context.Context, ref, actor string) (core.Tenant, error)

// transition runs call for the tenant ref.
func (rt *TenantRoutes) transition(ctx context.Context, ref string, call lifecycleCall) (*TenantOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	t, err := call(rt.svc, ctx, ref, actor(ctx))
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return tenantOutput(t), nil
}

// DeprovisionInput names the tenant twice, because dropping its data cannot
// be undone.
type DeprovisionInput struct {
	TenantRef
	Confirm string `query:"confirm" maxLength:"100" example:"acme-corp" doc:"Required: the tenant's slug again, to confirm that its schema and data are to be dropped."`
}

// DeprovisionOutput is what a deprovision did.
type DeprovisionOutput struct {
	Body DeprovisionResult
}

func (rt *TenantRoutes) deprovision(ctx context.Context, in *DeprovisionInput) (*DeprovisionOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	t, err := rt.svc.Get(ctx, in.Slug)
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	if in.Confirm != t.Slug {
		what := "is missing"
		if in.Confirm != "" {
			what = fmt.Sprintf("is %q", in.Confirm)
		}
		return nil, ToProblem(ctx, &ports.Error{Kind: ports.KindInvalid, Field: "confirm",
			Message: fmt.Sprintf("deprovisioning drops all of the tenant's data; to confirm, repeat its slug: ?confirm=%s (confirm %s)", t.Slug, what)})
	}
	res, err := rt.svc.Deprovision(ctx, t.ID, actor(ctx))
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return &DeprovisionOutput{Body: ToDeprovisionResult(res)}, nil
}

// ListEventsInput pages a tenant's events.
type ListEventsInput struct {
	TenantRef
	Limit  int    `query:"limit" default:"20" minimum:"1" maximum:"100" example:"20" doc:"How many events per page, 1–100."`
	Cursor string `query:"cursor" maxLength:"1024" example:"eyJpZCI6NDJ9" doc:"The nextCursor of the previous page; absent for the first page."`
}

// EventPageOutput is one page of events.
type EventPageOutput struct {
	Body EventPage
}

func (rt *TenantRoutes) events(ctx context.Context, in *ListEventsInput) (*EventPageOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	page, err := rt.svc.Events(ctx, in.Slug, ports.EventListParams{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return &EventPageOutput{Body: ToEventPage(page)}, nil
}
