package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// The CLI's JSON is the API's: the same DTOs, so scripts can use either.

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) printTenant(t core.Tenant) error {
	out := httpapi.ToTenant(t)
	if c.asJSON {
		return c.printJSON(out)
	}
	settings, _ := json.Marshal(out.Settings)
	fields := [][2]string{
		{"id", out.ID},
		{"slug", out.Slug},
		{"name", out.Name},
		{"status", out.Status},
		{"schema", out.SchemaName},
		{"version", fmt.Sprint(out.Version)},
		{"settings", string(settings)},
		{"created", stamp(out.CreatedAt)},
		{"updated", stamp(out.UpdatedAt)},
	}
	if out.ProvisionedAt != nil {
		fields = append(fields, [2]string{"provisioned", stamp(*out.ProvisionedAt)})
	}
	if out.DeletedAt != nil {
		fields = append(fields, [2]string{"deleted", stamp(*out.DeletedAt)})
	}
	if out.DeprovisionedAt != nil {
		fields = append(fields, [2]string{"deprovisioned", stamp(*out.DeprovisionedAt)})
	}
	return c.printFields(fields)
}

func (c *cli) printFields(fields [][2]string) error {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(w, "%s:\t%s\n", f[0], f[1])
	}
	return w.Flush()
}

func (c *cli) printTenantTable(page ports.TenantPage) error {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tSTATUS\tSCHEMA\tVERSION\tCREATED")
	for _, t := range page.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", t.Slug, t.Name, t.Status, t.SchemaName, t.Version, stamp(t.CreatedAt))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return c.printNext(page.NextCursor)
}

func (c *cli) printEventTable(page ports.EventPage) error {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tACTION\tFROM\tTO\tACTOR\tAT")
	for _, e := range page.Items {
		from := string(e.From)
		if from == "" {
			from = "-"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Action, from, e.To, e.Actor, stamp(e.At))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return c.printNext(page.NextCursor)
}

func (c *cli) printNext(cursor string) error {
	if cursor != "" {
		_, err := fmt.Fprintf(c.stdout, "more: --cursor %s\n", cursor)
		return err
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
