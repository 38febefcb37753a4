package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"strings"
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
//
// The transaction runs on one connection held for the whole call, so the
// DDL and the ledger can go as one statement list on it (see
// migrateNewTx): without hooks, a provision costs six round trips (BEGIN,
// the advisory lock, the row lock, the list, the registry write, COMMIT).
func (p *Provisioner) Provision(ctx context.Context, params ports.ProvisionParams) (ports.ProvisionResult, error) {
	start := time.Now()
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return ports.ProvisionResult{}, dbError(err, "provision")
	}
	defer func() { _ = conn.Close() }()
	var res ports.ProvisionResult
	err = runInTx(ctx, conn, "provision", func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = p.provisionTx(ctx, conn, tx, params)
		return err
	})
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// provisionTx is Provision inside tx, which runs on conn. The advisory lock
// and the row read stay two statements: the read's snapshot must be taken
// once the lock is held, so it sees what the lock's previous holder
// committed.
func (p *Provisioner) provisionTx(ctx context.Context, conn bun.Conn, tx bun.Tx, params ports.ProvisionParams) (ports.ProvisionResult, error) {
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
	// Hooks may create tables too, so without them the list also resets the
	// search path and counts the tables; with them that comes after them.
	counted := !p.hasHooks()
	var (
		applied []core.MigrationRef
		tables  int
	)
	if p.opts.TemplateSchema != "" {
		counted = false
		applied, err = p.copyTemplateTx(ctx, tx.Tx, t.SchemaName)
		if err == nil {
			err = recordTx(ctx, tx.Tx, p.reg.Schema(), t.ID, applied)
		}
	} else {
		applied, tables, counted, err = p.migrateNewTx(ctx, conn, tx.Tx, t, quoted, counted)
	}
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	if err := p.runHooksTx(ctx, tx.Tx, t); err != nil {
		return ports.ProvisionResult{}, err
	}
	if !counted {
		if tables, err = resetAndCountTx(ctx, conn, t.SchemaName); err != nil {
			return ports.ProvisionResult{}, err
		}
	}
	names := refNames(applied)
	// The row lock taken above is still held: t is the stored tenant.
	_, err = p.reg.UpdateLockedTx(ctx, tx, t, ports.UpdateParams{ID: t.ID, Decide: func(current core.Tenant) (core.Change, error) {
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

// provisionSavepoint marks the transaction's state before the statement
// list of migrateNewTx, for the stepwise replay after a failure.
const provisionSavepoint = "tenancy_provision"

// migrateNewTx checks the sets for shadowing, creates the schema, runs every
// migration in it and records the ledger, in one round trip: one statement
// list (the same one the migrator's fan-out sends, see writeMigrations)
// after a savepoint. With count, the list also resets the search path and
// counts the tables, and counted is true.
//
// PostgreSQL skips the rest of a list after an error. A failure the server
// reports is rolled back to the savepoint, which undoes the list entirely,
// and replayed by migrateStepwiseTx, which names the failing file and line
// (or the existing schema) as a statement at a time does.
func (p *Provisioner) migrateNewTx(ctx context.Context, conn bun.Conn, tx *sql.Tx, t core.Tenant, quoted string, count bool) (applied []core.MigrationRef, tables int, counted bool, err error) {
	all := p.sets.Refs()
	var b strings.Builder
	b.WriteString("SAVEPOINT " + provisionSavepoint + ";\n")
	shadow, checkShadow := shadowQuery(p.sets, p.shared)
	if checkShadow {
		b.WriteString(shadow + ";\n")
	}
	b.WriteString("CREATE SCHEMA " + quoted + ";\n")
	if err := writeMigrations(&b, p.sets, p.reg.Schema(), core.QuoteLiteral(t.ID), quoted, all); err != nil {
		return nil, 0, false, err
	}
	b.WriteString("RELEASE SAVEPOINT " + provisionSavepoint)
	if count {
		b.WriteString(";\n" + resetAndCountSQL(t.SchemaName))
	}
	results, err := postgres.ExecList(ctx, conn.Conn, b.String())
	if err != nil {
		var classified *ports.Error
		if errors.As(err, &classified) {
			return nil, 0, false, err
		}
		if !refused(err) {
			return nil, 0, false, dbError(err, "provision tenant "+t.Slug)
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+provisionSavepoint); err != nil {
			return nil, 0, false, dbError(err, "provision tenant "+t.Slug)
		}
		if err := p.migrateStepwiseTx(ctx, tx, t, quoted, all); err != nil {
			return nil, 0, false, err
		}
		return all, 0, false, nil
	}
	if checkShadow {
		if err := shadowError(p.sets, relationsOf(results[1])); err != nil {
			return nil, 0, false, err
		}
	}
	if count {
		if tables, err = countOf(results); err != nil {
			return nil, 0, false, err
		}
	}
	return all, tables, count, nil
}

// migrateStepwiseTx does what the list of migrateNewTx does, a statement
// per round trip, so a failure names its file and line.
func (p *Provisioner) migrateStepwiseTx(ctx context.Context, tx *sql.Tx, t core.Tenant, quoted string, all []core.MigrationRef) error {
	if err := checkShadowing(ctx, tx, p.sets, p.shared); err != nil {
		return err
	}
	if err := createSchemaTx(ctx, tx, t.SchemaName, quoted); err != nil {
		return err
	}
	if err := pinSchemaTx(ctx, tx, quoted); err != nil {
		return err
	}
	if err := applyTx(ctx, tx, p.sets, all); err != nil {
		return err
	}
	return recordTx(ctx, tx, p.reg.Schema(), t.ID, all)
}

// relationsOf reads the rows of a sharedRelationsQuery run in a list.
func relationsOf(r *pgconn.Result) map[string]string {
	out := map[string]string{}
	for _, row := range r.Rows {
		out[string(row[1])] = string(row[0]) // later rows come first on the path
	}
	return out
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
	if !p.hasHooks() {
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

// hasHooks reports whether a module has a provisioned hook.
func (p *Provisioner) hasHooks() bool {
	for _, h := range p.opts.Hooks {
		if h.Provisioned != nil {
			return true
		}
	}
	return false
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

// txRunner is what both *bun.DB and bun.Conn offer: a transaction that
// rolls back when fn fails or panics.
type txRunner interface {
	RunInTx(ctx context.Context, opts *sql.TxOptions, fn func(ctx context.Context, tx bun.Tx) error) error
}

// runInTx runs fn in a transaction with bun's RunInTx, on the pool or on one
// connection, which rolls back when fn fails or panics (database/sql's
// Rollback needs no context, so a cancelled request still cleans up). fn's
// error comes back unchanged; a failure to begin or commit is classified by
// dbError.
func runInTx(ctx context.Context, db txRunner, op string, fn func(ctx context.Context, tx bun.Tx) error) error {
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
