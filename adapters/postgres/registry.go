package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// DefaultRegistrySchema is the schema that holds the registry tables unless
// the configuration names another one.
const DefaultRegistrySchema = "tenancy"

// Registry is the tenant registry (ports.Registry) stored in PostgreSQL with
// bun: the tenants table and its append-only tenant_events audit trail, in a
// configurable schema. Every committed write also announces the tenant's id
// on ports.ChangeChannel from inside its transaction, so other instances drop
// their cached copy exactly when the change becomes visible.
type Registry struct {
	db     *bun.DB
	schema string
	clock  ports.Clock
}

var _ ports.Registry = (*Registry)(nil)

// NewRegistry returns a registry over db whose tables live in schema (empty:
// DefaultRegistrySchema). A nil clock reads the system time; the clock only
// stamps events whose decision left the time unset.
func NewRegistry(db *bun.DB, schema string, clock ports.Clock) *Registry {
	if schema == "" {
		schema = DefaultRegistrySchema
	}
	if clock == nil {
		clock = time.Now
	}
	return &Registry{db: db, schema: schema, clock: clock}
}

// Schema is the name of the registry schema, for adapters (the provisioner)
// that write the registry's other tables in the same transaction.
func (r *Registry) Schema() string { return r.schema }

func (r *Registry) tenantsTable() (string, bun.Ident) { return "?.tenants AS t", bun.Ident(r.schema) }

func (r *Registry) eventsTable() (string, bun.Ident) {
	return "?.tenant_events AS e", bun.Ident(r.schema)
}

// inTx runs fn in a transaction on the pool. fn's error comes back unchanged
// (a decision's error must reach the caller as the decision made it); a
// failure to begin or commit is translated.
func (r *Registry) inTx(ctx context.Context, op string, fn func(ctx context.Context, tx bun.Tx) error) error {
	var fnErr error
	err := r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		fnErr = fn(ctx, tx)
		return fnErr
	})
	if err != nil && fnErr == nil {
		return translate(err, op)
	}
	return err
}

// Create stores the tenant of change and its create event in one transaction.
// A slug or schema name that another tenant holds is a KindConflict naming
// the field ("slug" or "schemaName").
func (r *Registry) Create(ctx context.Context, change core.Change) (core.Tenant, error) {
	var created core.Tenant
	err := r.inTx(ctx, "create tenant", func(ctx context.Context, tx bun.Tx) error {
		var err error
		created, err = r.createTx(ctx, tx, change)
		return err
	})
	if err != nil {
		return core.Tenant{}, err
	}
	return created, nil
}

func (r *Registry) createTx(ctx context.Context, tx bun.Tx, change core.Change) (core.Tenant, error) {
	if change.NoOp {
		return core.Tenant{}, fmt.Errorf("create tenant %s: a no-op change cannot create a tenant", change.Tenant.Slug)
	}
	if _, err := uuid.Parse(change.Tenant.ID); err != nil {
		return core.Tenant{}, &ports.Error{Kind: ports.KindInvalid, Field: "id", Err: err,
			Message: fmt.Sprintf("tenant id %q is not a UUID", change.Tenant.ID)}
	}
	row, err := toRow(change.Tenant)
	if err != nil {
		return core.Tenant{}, err
	}
	table, schema := r.tenantsTable()
	if err := tx.NewInsert().Model(&row).ModelTableExpr(table, schema).Returning("*").Scan(ctx); err != nil {
		return core.Tenant{}, translateCreate(err, change.Tenant)
	}
	created, err := toCore(row)
	if err != nil {
		return core.Tenant{}, err
	}
	event := change.Event
	event.Action, event.From, event.To = core.ActionCreate, "", created.Status
	if err := r.recordTx(ctx, tx, created, event); err != nil {
		return core.Tenant{}, err
	}
	return created, nil
}

// Get returns the tenant with the given id. An unknown id, and a string that
// is not a UUID at all, are KindNotFound: to a caller both name no tenant.
func (r *Registry) Get(ctx context.Context, id string) (core.Tenant, error) {
	return r.get(ctx, r.db, id, false)
}

// GetBySlug returns the tenant with the given slug, or KindNotFound.
func (r *Registry) GetBySlug(ctx context.Context, slug string) (core.Tenant, error) {
	var row tenantRow
	table, schema := r.tenantsTable()
	err := r.db.NewSelect().Model(&row).ModelTableExpr(table, schema).Where("t.slug = ?", slug).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Tenant{}, ports.Errorf(ports.KindNotFound, "no tenant with slug %q", slug)
	}
	if err != nil {
		return core.Tenant{}, translate(err, "get tenant by slug")
	}
	return toCore(row)
}

// GetForUpdateTx reads the tenant with the given id inside the caller's
// transaction and locks its row (SELECT … FOR UPDATE) until that transaction
// ends, so the caller's decision is based on a value nobody else changes
// meanwhile. Errors: KindNotFound, KindUnavailable.
func (r *Registry) GetForUpdateTx(ctx context.Context, tx bun.Tx, id string) (core.Tenant, error) {
	return r.get(ctx, tx, id, true)
}

func (r *Registry) get(ctx context.Context, db bun.IDB, id string, lock bool) (core.Tenant, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return core.Tenant{}, ports.Errorf(ports.KindNotFound, "no tenant with id %q", id)
	}
	var row tenantRow
	table, schema := r.tenantsTable()
	q := db.NewSelect().Model(&row).ModelTableExpr(table, schema).Where("t.id = ?", parsed.String())
	if lock {
		q = q.For("UPDATE OF t")
	}
	err = q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Tenant{}, ports.Errorf(ports.KindNotFound, "no tenant with id %q", id)
	}
	if err != nil {
		return core.Tenant{}, translate(err, "get tenant")
	}
	return toCore(row)
}

// Update locks the tenant, checks the expected version, applies the decision
// and writes the result and its event, all in one transaction (see UpdateTx).
func (r *Registry) Update(ctx context.Context, params ports.UpdateParams) (core.Tenant, error) {
	var updated core.Tenant
	err := r.inTx(ctx, "update tenant", func(ctx context.Context, tx bun.Tx) error {
		var err error
		updated, err = r.UpdateTx(ctx, tx, params)
		return err
	})
	if err != nil {
		return core.Tenant{}, err
	}
	return updated, nil
}

// UpdateTx is Update inside the caller's transaction, which the caller has
// begun and will commit or roll back: the provisioner uses it to move a
// tenant in the same transaction as its DDL. It locks the row, refuses a
// stale ExpectedVersion with KindPreconditionFailed, hands the current tenant
// to params.Decide and returns the decision's error unchanged. A NoOp
// decision writes nothing and returns the tenant as it is; any other is
// written with the version bumped by one, its event appended and the change
// announced on ports.ChangeChannel (delivered when the transaction commits).
func (r *Registry) UpdateTx(ctx context.Context, tx bun.Tx, params ports.UpdateParams) (core.Tenant, error) {
	if params.Decide == nil {
		return core.Tenant{}, errors.New("update tenant: no decide function")
	}
	current, err := r.GetForUpdateTx(ctx, tx, params.ID)
	if err != nil {
		return core.Tenant{}, err
	}
	return r.UpdateLockedTx(ctx, tx, current, params)
}

// UpdateLockedTx is UpdateTx for a caller that has already read current
// with GetForUpdateTx in tx: the row lock it holds means current is still
// the stored tenant, so reading it again would only cost a round trip. The
// write still names current's version, so a tenant changed meanwhile (a
// caller that did not hold the lock) is refused with
// KindPreconditionFailed rather than overwritten.
func (r *Registry) UpdateLockedTx(ctx context.Context, tx bun.Tx, current core.Tenant, params ports.UpdateParams) (core.Tenant, error) {
	if params.Decide == nil {
		return core.Tenant{}, errors.New("update tenant: no decide function")
	}
	if params.ExpectedVersion != 0 && params.ExpectedVersion != current.Version {
		return core.Tenant{}, ports.Errorf(ports.KindPreconditionFailed,
			"tenant %s is at version %d, you sent %d; re-read it and retry",
			current.Slug, current.Version, params.ExpectedVersion)
	}
	change, err := params.Decide(current)
	if err != nil {
		return core.Tenant{}, err
	}
	if change.NoOp {
		return current, nil
	}
	next := change.Tenant
	if next.ID != current.ID || next.Slug != current.Slug || next.SchemaName != current.SchemaName {
		return core.Tenant{}, fmt.Errorf("update tenant %s: a decision may not change the id, slug or schema name", current.Slug)
	}
	return r.writeTx(ctx, tx, current, next, change.Event)
}

// writeTx stores next over current, appends event and announces the change
// in one statement, so an update costs one round trip: the UPDATE, the
// INSERT of the event (reading the updated row, so it is written only when
// the row was) and the NOTIFY, which PostgreSQL delivers only on commit, so
// a rolled-back change is never announced. Zero rows means the stored
// version is no longer current's.
func (r *Registry) writeTx(ctx context.Context, tx bun.Tx, current, next core.Tenant, event core.Event) (core.Tenant, error) {
	row, err := toRow(next)
	if err != nil {
		return core.Tenant{}, err
	}
	ev, err := r.eventRow(next, event)
	if err != nil {
		return core.Tenant{}, err
	}
	schema := bun.Ident(r.schema)
	var stored tenantRow
	err = tx.NewRaw(`WITH updated AS (
		UPDATE ?.tenants AS t SET name = ?, status = ?, settings = ?::jsonb, updated_at = ?,
			provisioned_at = ?, deleted_at = ?, deprovisioned_at = ?, version = t.version + 1
		WHERE t.id = ? AND t.version = ?
		RETURNING t.*
	), recorded AS (
		INSERT INTO ?.tenant_events (tenant_id, action, from_status, to_status, actor, at, details)
		SELECT updated.id, ?, NULLIF(?, ''), ?, ?, ?, ?::jsonb FROM updated
	), announced AS (
		SELECT pg_notify(?, updated.id::text) FROM updated
	)
	SELECT updated.* FROM updated, announced`,
		schema, row.Name, row.Status, string(row.Settings), row.UpdatedAt,
		row.ProvisionedAt, row.DeletedAt, row.DeprovisionedAt,
		current.ID, current.Version,
		schema, ev.Action, ev.FromStatus, ev.ToStatus, ev.Actor, ev.At, string(ev.Details),
		ports.ChangeChannel,
	).Scan(ctx, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Tenant{}, ports.Errorf(ports.KindPreconditionFailed,
			"tenant %s changed since it was read at version %d; re-read it and retry", current.Slug, current.Version)
	}
	if err != nil {
		return core.Tenant{}, translate(err, "update tenant "+current.Slug)
	}
	return toCore(stored)
}

// eventRow is the row of event, a change to t, with the defaults every
// event gets: t's id, the clock's time when the decision left it unset, and
// "system" when no actor is named.
func (r *Registry) eventRow(t core.Tenant, event core.Event) (eventRow, error) {
	event.TenantID = t.ID
	if event.At.IsZero() {
		event.At = r.clock()
	}
	if event.Actor == "" {
		event.Actor = "system"
	}
	return toEventRow(event)
}

// recordTx appends the create event of t and announces the change. The
// announcement is a NOTIFY, which PostgreSQL delivers only on commit, so a
// rolled-back change is never announced.
func (r *Registry) recordTx(ctx context.Context, tx bun.Tx, t core.Tenant, event core.Event) error {
	row, err := r.eventRow(t, event)
	if err != nil {
		return err
	}
	table, schema := r.eventsTable()
	if _, err := tx.NewInsert().Model(&row).ModelTableExpr(table, schema).Exec(ctx); err != nil {
		return translate(err, "record "+string(event.Action)+" event of tenant "+t.Slug)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", ports.ChangeChannel, t.ID); err != nil {
		return translate(err, "announce change of tenant "+t.Slug)
	}
	return nil
}
