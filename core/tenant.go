// Package core is the tenancy domain: tenants, their lifecycle, the rules for
// slugs and schema names, and the decisions that change a tenant. It is pure:
// it imports only the standard library and never performs I/O, so every rule
// here is tested without a database.
package core

import "time"

// Status is where a tenant stands in its lifecycle.
type Status string

// The lifecycle states, as the reference names them.
const (
	// StatusActive is a created tenant whose schema does not exist yet.
	StatusActive Status = "active"
	// StatusProvisioned is a tenant whose schema exists and is ready.
	StatusProvisioned Status = "provisioned"
	// StatusSuspended is a tenant whose access is disabled; its data is kept.
	StatusSuspended Status = "suspended"
	// StatusDeleted is a soft-deleted tenant; its schema may then be deprovisioned.
	StatusDeleted Status = "deleted"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusActive, StatusProvisioned, StatusSuspended, StatusDeleted}

// Valid reports whether s is one of the lifecycle states.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}

// Action is something that changes a tenant; every action is recorded as an Event.
type Action string

// The actions of the lifecycle table, plus create and update.
const (
	ActionCreate      Action = "create"
	ActionUpdate      Action = "update"
	ActionProvision   Action = "provision"
	ActionSuspend     Action = "suspend"
	ActionActivate    Action = "activate"
	ActionDelete      Action = "delete"
	ActionDeprovision Action = "deprovision"
)

// Tenant is one customer of the host application, with its own PostgreSQL schema.
type Tenant struct {
	ID         string
	Slug       string
	Name       string
	SchemaName string
	Status     Status
	Settings   Settings
	// Version increases by one on every change; writers pass the version they
	// read so a concurrent change is detected instead of overwritten.
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ProvisionedAt   *time.Time
	DeletedAt       *time.Time
	DeprovisionedAt *time.Time
}

// Usable reports whether hosted code may run in the tenant's schema.
func (t Tenant) Usable() bool { return t.Status == StatusProvisioned }

// Event is one entry of a tenant's audit trail: who did what, when, and how
// the status moved. Events are append-only.
type Event struct {
	ID       int64
	TenantID string
	Action   Action
	// From is empty for create.
	From    Status
	To      Status
	Actor   string
	At      time.Time
	Details map[string]any
}
