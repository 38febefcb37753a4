package ports

import (
	"context"
	"time"

	"github.com/tenancyhq/tenancy/core"
)

// Registry stores tenants and their audit trail.
//
// Errors: Get/GetBySlug return KindNotFound for an unknown tenant; Create
// returns KindConflict naming the field ("slug" or "schemaName") when another
// tenant holds it; Update returns KindNotFound, KindPreconditionFailed when
// ExpectedVersion is stale, and whatever the decide function returns; any
// database failure is KindUnavailable.
type Registry interface {
	// Create stores a new tenant and its create event in one transaction.
	Create(ctx context.Context, change core.Change) (core.Tenant, error)
	Get(ctx context.Context, id string) (core.Tenant, error)
	GetBySlug(ctx context.Context, slug string) (core.Tenant, error)
	List(ctx context.Context, params ListParams) (TenantPage, error)
	// Update locks the tenant, checks the expected version, hands the current
	// value to decide and writes the result (version bumped) and its event in
	// one transaction. A NoOp change writes nothing and returns the tenant as is.
	Update(ctx context.Context, params UpdateParams) (core.Tenant, error)
	// Events lists a tenant's audit trail, newest first.
	Events(ctx context.Context, params EventListParams) (EventPage, error)
	// CountByStatus returns how many tenants are in each status.
	CountByStatus(ctx context.Context) (map[core.Status]int64, error)
}

// Decide turns the current tenant into a change; it is a pure core decision.
type Decide func(current core.Tenant) (core.Change, error)

// UpdateParams names the tenant to change, the version the caller read (0:
// any) and the decision to apply.
type UpdateParams struct {
	ID              string
	ExpectedVersion int64
	Decide          Decide
}

// Default and maximum page sizes of list calls.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListParams filters and pages a tenant list. Cursor is opaque: pass the
// NextCursor of the previous page.
type ListParams struct {
	Status core.Status
	Query  string
	Limit  int
	Cursor string
}

// TenantPage is one page of tenants, oldest first, with the cursor of the
// next page (empty on the last one).
type TenantPage struct {
	Items      []core.Tenant
	NextCursor string
}

// EventListParams pages a tenant's events.
type EventListParams struct {
	TenantID string
	Limit    int
	Cursor   string
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Items      []core.Event
	NextCursor string
}

// Clock tells the time; tests pass a fixed one.
type Clock func() time.Time
