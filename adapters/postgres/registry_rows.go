package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/core"
)

// tenantRow is a row of the tenants table. It is kept apart from core.Tenant
// so the domain type carries no storage tags and the column types (jsonb,
// nullable timestamps) stay an adapter concern. The table's schema is set per
// query with ModelTableExpr, because the registry schema is configurable.
type tenantRow struct {
	bun.BaseModel `bun:"table:tenants,alias:t"`

	ID              string          `bun:"id,pk,type:uuid"`
	Slug            string          `bun:"slug,notnull"`
	Name            string          `bun:"name,notnull"`
	SchemaName      string          `bun:"schema_name,notnull"`
	Status          string          `bun:"status,notnull"`
	Settings        json.RawMessage `bun:"settings,type:jsonb,notnull"`
	Version         int64           `bun:"version,notnull"`
	CreatedAt       time.Time       `bun:"created_at,notnull"`
	UpdatedAt       time.Time       `bun:"updated_at,notnull"`
	ProvisionedAt   *time.Time      `bun:"provisioned_at"`
	DeletedAt       *time.Time      `bun:"deleted_at"`
	DeprovisionedAt *time.Time      `bun:"deprovisioned_at"`
}

// eventRow is a row of the append-only tenant_events table. FromStatus is
// NULL for the create event, which has no previous status.
type eventRow struct {
	bun.BaseModel `bun:"table:tenant_events,alias:e"`

	ID         int64           `bun:"id,pk,autoincrement"`
	TenantID   string          `bun:"tenant_id,type:uuid,notnull"`
	Action     string          `bun:"action,notnull"`
	FromStatus string          `bun:"from_status,nullzero"`
	ToStatus   string          `bun:"to_status,notnull"`
	Actor      string          `bun:"actor,notnull"`
	At         time.Time       `bun:"at,notnull"`
	Details    json.RawMessage `bun:"details,type:jsonb,notnull"`
}

// toRow converts a tenant to its row. Settings are stored as their JSON
// object; nil settings become {} because the column refuses anything else.
func toRow(t core.Tenant) (tenantRow, error) {
	settings, err := encodeObject(t.Settings)
	if err != nil {
		return tenantRow{}, fmt.Errorf("encode settings of tenant %s: %w", t.Slug, err)
	}
	return tenantRow{
		ID:              t.ID,
		Slug:            t.Slug,
		Name:            t.Name,
		SchemaName:      t.SchemaName,
		Status:          string(t.Status),
		Settings:        settings,
		Version:         t.Version,
		CreatedAt:       t.CreatedAt.UTC(),
		UpdatedAt:       t.UpdatedAt.UTC(),
		ProvisionedAt:   utcPtr(t.ProvisionedAt),
		DeletedAt:       utcPtr(t.DeletedAt),
		DeprovisionedAt: utcPtr(t.DeprovisionedAt),
	}, nil
}

// toCore converts a row back to a tenant, with every timestamp in UTC so
// values read from the database compare equal whatever the session time zone.
func toCore(row tenantRow) (core.Tenant, error) {
	settings, err := core.ParseSettings(row.Settings)
	if err != nil {
		return core.Tenant{}, fmt.Errorf("decode settings of tenant %s: %w", row.Slug, err)
	}
	return core.Tenant{
		ID:              row.ID,
		Slug:            row.Slug,
		Name:            row.Name,
		SchemaName:      row.SchemaName,
		Status:          core.Status(row.Status),
		Settings:        settings,
		Version:         row.Version,
		CreatedAt:       row.CreatedAt.UTC(),
		UpdatedAt:       row.UpdatedAt.UTC(),
		ProvisionedAt:   utcPtr(row.ProvisionedAt),
		DeletedAt:       utcPtr(row.DeletedAt),
		DeprovisionedAt: utcPtr(row.DeprovisionedAt),
	}, nil
}

// toEventRow converts an event to its row.
func toEventRow(e core.Event) (eventRow, error) {
	details, err := encodeObject(e.Details)
	if err != nil {
		return eventRow{}, fmt.Errorf("encode details of a %s event: %w", e.Action, err)
	}
	return eventRow{
		ID:         e.ID,
		TenantID:   e.TenantID,
		Action:     string(e.Action),
		FromStatus: string(e.From),
		ToStatus:   string(e.To),
		Actor:      e.Actor,
		At:         e.At.UTC(),
		Details:    details,
	}, nil
}

// toCoreEvent converts a row back to an event. Empty details read back as nil,
// as the core decisions build them.
func toCoreEvent(row eventRow) (core.Event, error) {
	var details map[string]any
	if len(row.Details) > 0 {
		if err := json.Unmarshal(row.Details, &details); err != nil {
			return core.Event{}, fmt.Errorf("decode details of event %d: %w", row.ID, err)
		}
	}
	if len(details) == 0 {
		details = nil
	}
	return core.Event{
		ID:       row.ID,
		TenantID: row.TenantID,
		Action:   core.Action(row.Action),
		From:     core.Status(row.FromStatus),
		To:       core.Status(row.ToStatus),
		Actor:    row.Actor,
		At:       row.At.UTC(),
		Details:  details,
	}, nil
}

// encodeObject encodes a map as a JSON object, nil as {}.
func encodeObject[M ~map[string]any](m M) (json.RawMessage, error) {
	if m == nil {
		return json.RawMessage(`{}`), nil
	}
	return json.Marshal(m)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
