package main

import (
	"context"
	"fmt"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

func cmdCreate(ctx context.Context, c *cli, svc ports.Tenants) error {
	slug, err := c.ref()
	if err != nil {
		return err
	}
	if !c.nameSet {
		return fmt.Errorf("%w: --name is required", errUsage)
	}
	settings, err := core.ParseSettings([]byte(c.settings))
	if err != nil {
		return err
	}
	t, err := svc.Create(ctx, ports.CreateParams{Slug: slug, Name: c.name, Settings: settings, Actor: c.actor})
	if err != nil {
		return err
	}
	return c.printTenant(t)
}

func cmdList(ctx context.Context, c *cli, svc ports.Tenants) error {
	if len(c.args) != 0 {
		return fmt.Errorf("%w: list takes no arguments", errUsage)
	}
	page, err := svc.List(ctx, ports.ListParams{Status: core.Status(c.status), Query: c.query, Limit: c.limit, Cursor: c.cursor})
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(httpapi.ToTenantPage(page))
	}
	return c.printTenantTable(page)
}

func cmdGet(ctx context.Context, c *cli, svc ports.Tenants) error {
	ref, err := c.ref()
	if err != nil {
		return err
	}
	t, err := svc.Get(ctx, ref)
	if err != nil {
		return err
	}
	return c.printTenant(t)
}

func cmdUpdate(ctx context.Context, c *cli, svc ports.Tenants) error {
	ref, err := c.ref()
	if err != nil {
		return err
	}
	params := ports.UpdateTenantParams{Ref: ref, ExpectedVersion: c.ifVersion, Actor: c.actor}
	if c.nameSet {
		params.Name = &c.name
	}
	if c.settings != "" {
		params.SettingsPatch = []byte(c.settings)
	}
	t, err := svc.Update(ctx, params)
	if err != nil {
		return err
	}
	return c.printTenant(t)
}

func cmdProvision(ctx context.Context, c *cli, svc ports.Tenants) error {
	ref, err := c.ref()
	if err != nil {
		return err
	}
	res, err := svc.Provision(ctx, ref, c.actor)
	if err != nil {
		return err
	}
	out := httpapi.ToProvisionResult(res)
	if c.asJSON {
		return c.printJSON(out)
	}
	return c.printFields([][2]string{
		{"schema", out.SchemaName},
		{"tables", fmt.Sprint(out.TableCount)},
		{"migrations applied", fmt.Sprint(len(out.MigrationsApplied))},
		{"duration", fmt.Sprintf("%dms", out.DurationMs)},
		{"already provisioned", fmt.Sprint(out.AlreadyProvisioned)},
	})
}

// cmdTransition runs one of the lifecycle use cases that return the tenant,
// given as a method expression of the port (ports.Tenants.Suspend): each
// command names its own, so none can fall through to another's.
func cmdTransition(call func(svc ports.Tenants, ctx context.Context, ref, actor string) (core.Tenant, error)) func(context.Context, *cli, ports.Tenants) error {
	return func(ctx context.Context, c *cli, svc ports.Tenants) error {
		ref, err := c.ref()
		if err != nil {
			return err
		}
		t, err := call(svc, ctx, ref, c.actor)
		if err != nil {
			return err
		}
		return c.printTenant(t)
	}
}

func cmdDeprovision(ctx context.Context, c *cli, svc ports.Tenants) error {
	ref, err := c.ref()
	if err != nil {
		return err
	}
	res, err := svc.Deprovision(ctx, ref, c.actor)
	if err != nil {
		return err
	}
	out := httpapi.ToDeprovisionResult(res)
	if c.asJSON {
		return c.printJSON(out)
	}
	fields := [][2]string{{"schema", out.SchemaName}, {"dropped", fmt.Sprint(out.Dropped)}}
	if out.BackupPath != "" {
		fields = append(fields, [2]string{"backup", out.BackupPath})
	}
	return c.printFields(fields)
}

func cmdEvents(ctx context.Context, c *cli, svc ports.Tenants) error {
	ref, err := c.ref()
	if err != nil {
		return err
	}
	page, err := svc.Events(ctx, ref, ports.EventListParams{Limit: c.limit, Cursor: c.cursor})
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(httpapi.ToEventPage(page))
	}
	return c.printEventTable(page)
}
