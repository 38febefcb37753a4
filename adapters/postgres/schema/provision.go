package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Options configure a Provisioner (and a Migrator, which reads only
// SharedSchemas).
type Options struct {
	// SharedSchemas follow the tenant's schema on the search path of hooks
	// and hosted code; no tenant table may share a name with one of their
	// tables. Nil means core.DefaultSharedSchema; an empty, non-nil slice
	// means none. NewProvisioner refuses names core.ValidateSharedSchemas
	// refuses.
	SharedSchemas []string
	// TemplateSchema, when set, provisions by copying this schema's tables
	// instead of running the migration sets (see template.go). The copy is
	// recorded as having applied every set migration, so that `tenantd
	// migrate` later applies only the migrations added since, as it does for
	// any other tenant; that is why the template must have exactly the
	// tables the sets' migrations create (when they create any) and is
	// refused otherwise, by Validate and by each provision.
	TemplateSchema string
	// BackupDir, when set, makes Deprovision write a pg_dump of the schema
	// there before dropping it. DumpURL is then required.
	BackupDir string
	// DumpURL is the database URL that pg_dump connects to.
	DumpURL string
	// PGDump is the pg_dump binary; empty means the one on PATH.
	PGDump string
	// Hooks' Provisioned functions run inside the provisioning transaction.
	Hooks []ports.TenantHook
	// Clock stamps events; nil means time.Now.
	Clock ports.Clock
	// BatchDropThreshold is the number of relations above which Deprovision
	// drops the tables in batches first, so one DROP SCHEMA never needs more
	// locks than the lock table holds. Zero means 1000.
	BatchDropThreshold int
}

// Provisioner implements ports.Provisioner with PostgreSQL DDL.
type Provisioner struct {
	db     *bun.DB
	reg    *postgres.Registry
	sets   Sets
	opts   Options
	shared []string
	clock  ports.Clock
	pgDump string
}

var _ ports.Provisioner = (*Provisioner)(nil)

// NewProvisioner checks opts and returns a provisioner. It does no I/O; call
// Validate to check the sets against the database before serving.
func NewProvisioner(db *bun.DB, reg *postgres.Registry, sets Sets, opts Options) (*Provisioner, error) {
	p := &Provisioner{db: db, reg: reg, sets: sets, opts: opts, shared: core.SharedSchemas(opts.SharedSchemas), clock: opts.Clock}
	if err := core.ValidateSharedSchemas(p.shared); err != nil {
		return nil, fmt.Errorf("provisioner: %w", err)
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	if p.opts.BatchDropThreshold <= 0 {
		p.opts.BatchDropThreshold = 1000
	}
	if opts.BackupDir != "" {
		if opts.DumpURL == "" {
			return nil, errors.New("provisioner: a backup directory needs the database URL for pg_dump")
		}
		bin := opts.PGDump
		if bin == "" {
			bin = "pg_dump"
		}
		path, err := exec.LookPath(bin)
		if err != nil {
			return nil, fmt.Errorf("provisioner: backups need pg_dump: %w", err)
		}
		p.pgDump = path
	}
	return p, nil
}

// Validate checks, against the database, that no migration set creates a
// table whose name a shared schema already uses; with a template, that the
// template exists, shadows no shared table either, and has the tables the
// sets create (see checkTemplate). Provision checks it again in every
// provisioning transaction, since shared tables and templates change.
func (p *Provisioner) Validate(ctx context.Context) error {
	if err := checkShadowing(ctx, p.db.DB, p.sets, p.shared); err != nil {
		return err
	}
	tpl := p.opts.TemplateSchema
	if tpl == "" {
		return nil
	}
	var exists bool
	if err := p.db.DB.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", tpl).Scan(&exists); err != nil {
		return dbError(err, "read the template schema")
	}
	if !exists {
		return ports.Errorf(ports.KindInvalid, "template schema %q does not exist", tpl)
	}
	return checkTemplate(ctx, p.db.DB, tpl, p.sets, p.shared)
}

// Shadowing lists existing tenant tables whose names a shared schema also
// uses: each one is read instead of the shared table by that tenant's code.
func (p *Provisioner) Shadowing(ctx context.Context) ([]Shadow, error) {
	return shadowing(ctx, p.db.DB, p.reg.Schema(), p.shared)
}

// Provision creates the tenant's schema, applies every migration (or copies
// the template), records the ledger, runs the provisioned hooks and moves the
// tenant to provisioned, all in one transaction under the tenant's advisory
// lock and row lock. A tenant already provisioned gets its stored result
// with Already set and no DDL.
func (p *Provisioner) Provision(ctx context.Context, params ports.ProvisionParams) (ports.ProvisionResult, error) {
	start := time.Now()
	var res ports.ProvisionResult
	err := runInTx(ctx, p.db, "provision", func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = p.provisionTx(ctx, tx, params)
		return err
	})
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

func (p *Provisioner) provisionTx(ctx context.Context, tx bun.Tx, params ports.ProvisionParams) (ports.ProvisionResult, error) {
	if err := lockTenantTx(ctx, tx.Tx, params.TenantID); err != nil {
		return ports.ProvisionResult{}, err
	}
	t, err := p.reg.GetForUpdateTx(ctx, tx, params.TenantID)
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	change, err := core.DecideProvision(t, params.Actor, p.clock())
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	if change.NoOp {
		return p.storedResult(ctx, tx.Tx, t)
	}
	quoted, err := core.QuoteSchema(t.SchemaName)
	if err != nil {
		return ports.ProvisionResult{}, ports.Wrap(ports.KindInternal, err, "tenant %q has an invalid schema name", t.Slug)
	}
	var applied []core.MigrationRef
	if p.opts.TemplateSchema != "" {
		applied, err = p.copyTemplateTx(ctx, tx.Tx, t.SchemaName)
	} else {
		applied, err = p.migrateNewTx(ctx, tx.Tx, t.SchemaName, quoted)
	}
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	if err := recordTx(ctx, tx.Tx, p.reg.Schema(), t.ID, applied); err != nil {
		return ports.ProvisionResult{}, err
	}
	if err := p.runHooksTx(ctx, tx.Tx, t); err != nil {
		return ports.ProvisionResult{}, err
	}
	if _, err := tx.Tx.ExecContext(ctx, "SET LOCAL search_path TO DEFAULT"); err != nil {
		return ports.ProvisionResult{}, dbError(err, "reset the search path")
	}
	tables, err := tableCount(ctx, tx.Tx, t.SchemaName)
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	names := refNames(applied)
	_, err = p.reg.UpdateTx(ctx, tx, ports.UpdateParams{ID: t.ID, Decide: func(current core.Tenant) (core.Change, error) {
		ch, err := core.DecideProvision(current, params.Actor, change.Event.At)
		if err != nil || ch.NoOp {
			return ch, err
		}
		ch.Event.Details = map[string]any{"schema": t.SchemaName, "tables": tables, "migrations": names}
		return ch, nil
	}})
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	return ports.ProvisionResult{SchemaName: t.SchemaName, TableCount: tables, MigrationsApplied: names}, nil
}

// migrateNewTx creates the schema and runs every migration in it.
func (p *Provisioner) migrateNewTx(ctx context.Context, tx *sql.Tx, schema, quoted string) ([]core.MigrationRef, error) {
	if err := checkShadowing(ctx, tx, p.sets, p.shared); err != nil {
		return nil, err
	}
	if err := createSchemaTx(ctx, tx, schema, quoted); err != nil {
		return nil, err
	}
	if err := pinSchemaTx(ctx, tx, quoted); err != nil {
		return nil, err
	}
	all := p.sets.Refs()
	if err := applyTx(ctx, tx, p.sets, all); err != nil {
		return nil, err
	}
	return all, nil
}

// createSchemaTx runs CREATE SCHEMA. A schema that exists already, for a
// tenant that is not provisioned, is left alone and reported: it holds
// something nobody recorded.
func createSchemaTx(ctx context.Context, tx *sql.Tx, schema, quoted string) error {
	_, err := tx.ExecContext(ctx, "CREATE SCHEMA "+quoted)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "42P06" {
		return ports.Wrap(ports.KindConflict, err,
			"schema %q already exists although the tenant is not provisioned; inspect it and drop it before provisioning", schema)
	}
	if err != nil {
		return dbError(err, "create schema "+schema)
	}
	return nil
}

// runHooksTx runs the modules' provisioned hooks with the new schema and the
// shared schemas on the search path; the first failure aborts the provision.
func (p *Provisioner) runHooksTx(ctx context.Context, tx *sql.Tx, t core.Tenant) error {
	hooks := 0
	for _, h := range p.opts.Hooks {
		if h.Provisioned != nil {
			hooks++
		}
	}
	if hooks == 0 {
		return nil
	}
	path, err := core.SearchPath(t.SchemaName, p.shared)
	if err != nil {
		return ports.Wrap(ports.KindInternal, err, "the search path of tenant %q", t.Slug)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+path); err != nil {
		return dbError(err, "pin the search path for hooks")
	}
	ref := ports.TenantRef{ID: t.ID, Slug: t.Slug, SchemaName: t.SchemaName}
	for _, h := range p.opts.Hooks {
		if h.Provisioned == nil {
			continue
		}
		if err := h.Provisioned(ctx, tx, ref); err != nil {
			kind := ports.KindOf(err)
			if kind == ports.KindInternal {
				return ports.Wrap(kind, err, "the provisioned hook of module %q failed", h.Module)
			}
			return ports.Wrap(kind, err, "the provisioned hook of module %q failed: %s", h.Module, ports.PublicMessage(err))
		}
	}
	return nil
}

// storedResult describes a tenant provisioned before, from the catalog and
// the ledger.
func (p *Provisioner) storedResult(ctx context.Context, q querier, t core.Tenant) (ports.ProvisionResult, error) {
	tables, err := tableCount(ctx, q, t.SchemaName)
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	applied, err := appliedTx(ctx, q, p.reg.Schema(), t.ID)
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	return ports.ProvisionResult{SchemaName: t.SchemaName, TableCount: tables, MigrationsApplied: refNames(applied), Already: true}, nil
}

// runInTx runs fn in a transaction with bun's RunInTx, which rolls back when
// fn fails or panics (database/sql's Rollback needs no context, so a
// cancelled request still cleans up). fn's error comes back unchanged; a
// failure to begin or commit is classified by dbError.
func runInTx(ctx context.Context, db *bun.DB, op string, fn func(ctx context.Context, tx bun.Tx) error) error {
	fnFailed := false
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		err := fn(ctx, tx)
		fnFailed = err != nil
		return err
	})
	if err != nil && !fnFailed {
		return dbError(err, op)
	}
	return err
}
