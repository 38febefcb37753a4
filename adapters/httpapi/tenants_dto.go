package httpapi

import (
	"time"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Tenant is a tenant as the API shows it.
type Tenant struct {
	ID              string         `json:"id" format:"uuid" example:"0b7e3c52-6f0e-4a8e-9a43-3f1f6c1d2e4a" doc:"The tenant's id, generated at creation; routes accept it wherever they accept the slug."`
	Slug            string         `json:"slug" example:"acme-corp" doc:"The tenant's unique, URL-safe name: 2–100 lowercase letters, digits and hyphens."`
	Name            string         `json:"name" example:"Acme Corporation" doc:"The tenant's display name."`
	SchemaName      string         `json:"schemaName" example:"tenant_acme_corp" doc:"The PostgreSQL schema that holds the tenant's tables, derived from the slug."`
	Status          string         `json:"status" enum:"active,provisioned,suspended,deleted" example:"provisioned" doc:"Where the tenant stands in its lifecycle: active (no schema yet), provisioned (schema ready), suspended (access disabled, data kept) or deleted (soft-deleted)."`
	Settings        map[string]any `json:"settings" example:"{\"features\":{\"sso\":true},\"limits\":{\"users\":50}}" doc:"The tenant's configuration: features (booleans), limits (whole numbers), branding (logoUrl, primaryColor, customDomain) and any other keys of the host application."`
	Version         int64          `json:"version" example:"3" doc:"Increases by one on every change; send it back in If-Match to update only the version you read."`
	CreatedAt       time.Time      `json:"createdAt" example:"2025-01-15T09:30:00Z" doc:"When the tenant was created (RFC 3339, UTC)."`
	UpdatedAt       time.Time      `json:"updatedAt" example:"2025-01-15T10:00:00Z" doc:"When the tenant last changed (RFC 3339, UTC)."`
	ProvisionedAt   *time.Time     `json:"provisionedAt,omitempty" example:"2025-01-15T09:31:00Z" doc:"When the tenant's schema was created; absent before that."`
	DeletedAt       *time.Time     `json:"deletedAt,omitempty" example:"2025-02-01T12:00:00Z" doc:"When the tenant was soft-deleted; absent unless it is deleted."`
	DeprovisionedAt *time.Time     `json:"deprovisionedAt,omitempty" example:"2025-02-02T12:00:00Z" doc:"When the deleted tenant's schema was dropped; absent until then."`
}

// TenantPage is one page of a tenant list.
type TenantPage struct {
	Items      []Tenant `json:"items" nullable:"false" doc:"The tenants of this page, oldest first."`
	NextCursor string   `json:"nextCursor,omitempty" example:"eyJjIjoiMjAyNS0wMS0xNVQwOTozMDowMFoifQ" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// Event is one entry of a tenant's audit trail.
type Event struct {
	ID       int64          `json:"id" example:"42" doc:"The event's id; ids increase in the order events were written."`
	TenantID string         `json:"tenantId" format:"uuid" example:"0b7e3c52-6f0e-4a8e-9a43-3f1f6c1d2e4a" doc:"The tenant the event is about."`
	Action   string         `json:"action" enum:"create,update,provision,suspend,activate,delete,deprovision" example:"suspend" doc:"What was done."`
	From     string         `json:"from,omitempty" example:"provisioned" doc:"The status before; absent for create."`
	To       string         `json:"to" example:"suspended" doc:"The status after."`
	Actor    string         `json:"actor" example:"token:admin#1" doc:"Who did it: the name of the API token, the operator CLI or system."`
	At       time.Time      `json:"at" example:"2025-01-20T08:00:00Z" doc:"When it was done (RFC 3339, UTC)."`
	Details  map[string]any `json:"details,omitempty" example:"{\"fields\":[\"name\"]}" doc:"More about the change, such as the fields an update changed."`
}

// EventPage is one page of a tenant's audit trail.
type EventPage struct {
	Items      []Event `json:"items" nullable:"false" doc:"The events of this page, newest first."`
	NextCursor string  `json:"nextCursor,omitempty" example:"eyJpZCI6NDJ9" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// ProvisionResult is what a provision did.
type ProvisionResult struct {
	SchemaName         string   `json:"schemaName" example:"tenant_acme_corp" doc:"The schema that was created (or existed already)."`
	TableCount         int      `json:"tableCount" example:"4" doc:"How many tables the schema holds."`
	MigrationsApplied  []string `json:"migrationsApplied" nullable:"false" example:"[\"tenancy/0001_settings.sql\"]" doc:"The tenant migrations this call applied, as module/file; empty when the tenant was provisioned before."`
	DurationMs         int64    `json:"durationMs" example:"35" doc:"How long the provision took, in milliseconds."`
	AlreadyProvisioned bool     `json:"alreadyProvisioned" example:"false" doc:"True when the tenant was provisioned before this call, which then changed nothing."`
}

// DeprovisionResult is what a deprovision did.
type DeprovisionResult struct {
	SchemaName string `json:"schemaName" example:"tenant_acme_corp" doc:"The schema of the tenant."`
	Dropped    bool   `json:"dropped" example:"true" doc:"True when this call dropped the schema; false when it was gone already."`
	BackupPath string `json:"backupPath,omitempty" example:"/var/backups/tenancy/tenant_acme_corp.sql" doc:"Where a dump of the schema was written before it was dropped, when backups are configured."`
}

// ToTenant converts a core tenant to its API form (the CLI prints the same
// JSON); times are shown in UTC.
func ToTenant(t core.Tenant) Tenant {
	settings := map[string]any(t.Settings)
	if settings == nil {
		settings = map[string]any{}
	}
	return Tenant{
		ID:              t.ID,
		Slug:            t.Slug,
		Name:            t.Name,
		SchemaName:      t.SchemaName,
		Status:          string(t.Status),
		Settings:        settings,
		Version:         t.Version,
		CreatedAt:       t.CreatedAt.UTC(),
		UpdatedAt:       t.UpdatedAt.UTC(),
		ProvisionedAt:   utc(t.ProvisionedAt),
		DeletedAt:       utc(t.DeletedAt),
		DeprovisionedAt: utc(t.DeprovisionedAt),
	}
}

// ToTenantPage converts a page of tenants.
func ToTenantPage(p ports.TenantPage) TenantPage {
	out := TenantPage{Items: make([]Tenant, 0, len(p.Items)), NextCursor: p.NextCursor}
	for _, t := range p.Items {
		out.Items = append(out.Items, ToTenant(t))
	}
	return out
}

// ToEvent converts an audit event.
func ToEvent(e core.Event) Event {
	return Event{
		ID:       e.ID,
		TenantID: e.TenantID,
		Action:   string(e.Action),
		From:     string(e.From),
		To:       string(e.To),
		Actor:    e.Actor,
		At:       e.At.UTC(),
		Details:  e.Details,
	}
}

// ToEventPage converts a page of events.
func ToEventPage(p ports.EventPage) EventPage {
	out := EventPage{Items: make([]Event, 0, len(p.Items)), NextCursor: p.NextCursor}
	for _, e := range p.Items {
		out.Items = append(out.Items, ToEvent(e))
	}
	return out
}

// ToProvisionResult converts what a provision did.
func ToProvisionResult(r ports.ProvisionResult) ProvisionResult {
	applied := r.MigrationsApplied
	if applied == nil {
		applied = []string{}
	}
	return ProvisionResult{
		SchemaName:         r.SchemaName,
		TableCount:         r.TableCount,
		MigrationsApplied:  applied,
		DurationMs:         r.Duration.Milliseconds(),
		AlreadyProvisioned: r.Already,
	}
}

// ToDeprovisionResult converts what a deprovision did.
func ToDeprovisionResult(r ports.DeprovisionResult) DeprovisionResult {
	return DeprovisionResult{SchemaName: r.SchemaName, Dropped: r.Dropped, BackupPath: r.BackupPath}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
