package schema

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// DefaultConcurrency is how many tenants a Run migrates at once when
// RunParams.Concurrency is not set.
const DefaultConcurrency = 4

// Migrator brings every tenant schema up to date with the migration sets.
type Migrator struct {
	db     *bun.DB
	reg    *postgres.Registry
	sets   Sets
	shared []string
}

// NewMigrator returns a migrator; of opts it reads only SharedSchemas, for
// the shadowing check.
func NewMigrator(db *bun.DB, reg *postgres.Registry, sets Sets, opts Options) *Migrator {
	return &Migrator{db: db, reg: reg, sets: sets, shared: core.SharedSchemas(opts.SharedSchemas)}
}

// TenantPlan is what one tenant schema needs.
type TenantPlan struct {
	TenantID   string
	Slug       string
	SchemaName string
	core.MigrationPlan
}

// Plan lists every tenant that has a schema (provisioned or suspended) with
// its pending and changed migrations, oldest tenant first. It reads the
// ledger in one query, however many tenants there are.
func (m *Migrator) Plan(ctx context.Context) ([]TenantPlan, error) {
	reg := core.QuoteIdent(m.reg.Schema())
	rows, err := m.db.DB.QueryContext(ctx, `
		SELECT t.id, t.slug, t.schema_name, l.module, l.version, l.name, l.checksum
		FROM `+reg+`.tenants t
		LEFT JOIN `+reg+`.tenant_migrations l ON l.tenant_id = t.id
		WHERE t.status IN ('provisioned', 'suspended')
		  AND t.provisioned_at IS NOT NULL AND t.deprovisioned_at IS NULL
		ORDER BY t.created_at, t.id, l.module, l.version`)
	if err != nil {
		return nil, dbError(err, "read the migration ledger")
	}
	defer rows.Close()
	available := m.sets.Refs()
	var out []TenantPlan
	var applied []core.MigrationRef
	flush := func() {
		if n := len(out); n > 0 {
			out[n-1].MigrationPlan = core.PlanMigrations(applied, available)
		}
		applied = applied[:0]
	}
	for rows.Next() {
		var id, slug, schema string
		var module, name, sum sql.NullString
		var version sql.NullInt64
		if err := rows.Scan(&id, &slug, &schema, &module, &version, &name, &sum); err != nil {
			return nil, dbError(err, "read the migration ledger")
		}
		if len(out) == 0 || out[len(out)-1].TenantID != id {
			flush()
			out = append(out, TenantPlan{TenantID: id, Slug: slug, SchemaName: schema})
		}
		if module.Valid {
			applied = append(applied, core.MigrationRef{Module: module.String, Version: version.Int64, Name: name.String, Checksum: sum.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "read the migration ledger")
	}
	flush()
	return out, nil
}

// RunParams tune a Run.
type RunParams struct {
	// Concurrency bounds how many tenants migrate at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// DryRun plans and reports without changing anything.
	DryRun bool
	// Progress, when set, is called once per tenant that needed work, from
	// one goroutine at a time.
	Progress func(ProgressEvent)
}

// ProgressEvent reports one tenant done.
type ProgressEvent struct {
	Slug string
	// Done and Total count the tenants that need work.
	Done, Total int
	// Applied names the migrations applied; in a dry run, those a real run
	// would apply.
	Applied []string
	Err     error
	Elapsed time.Duration
}

// Summary is the outcome of a Run, ready to print as JSON.
type Summary struct {
	Tenants  int       `json:"tenants"`
	Migrated int       `json:"migrated"`
	UpToDate int       `json:"upToDate"`
	Failed   []Failure `json:"failed"`
	// Behind lists, in a dry run only, each tenant a real run would migrate
	// with what it would apply; Migrated stays 0 then, since nothing was.
	Behind     []Behind `json:"behind,omitempty"`
	DurationMs int64    `json:"durationMs"`
	DryRun     bool     `json:"dryRun,omitempty"`
}

// Behind is one tenant that a dry run found behind, with the migrations
// ("module/file") a real run would apply, in order.
type Behind struct {
	Slug    string   `json:"slug"`
	Pending []string `json:"pending"`
}

// Failure is one tenant that could not be migrated, with a message safe to
// show an operator.
type Failure struct {
	Slug  string `json:"slug"`
	Error string `json:"error"`
}

// Err returns a KindInvalid error naming how many tenants failed, or nil.
func (s Summary) Err() error {
	if len(s.Failed) == 0 {
		return nil
	}
	return ports.Errorf(ports.KindInvalid, "%d of %d tenants failed to migrate; the first, %q: %s",
		len(s.Failed), s.Tenants, s.Failed[0].Slug, s.Failed[0].Error)
}

// Run applies the pending migrations to every tenant that has a schema,
// each in its own transaction under its own advisory lock, at most
// Concurrency at once. A tenant's failure rolls back that tenant only and is
// reported in the summary while the others go on, so a rerun applies just
// what is missing. Run returns an error only when it cannot run at all (the
// ledger is unreadable, a set shadows a shared table, ctx ends).
func (m *Migrator) Run(ctx context.Context, params RunParams) (Summary, error) {
	start := time.Now()
	summary := Summary{Failed: []Failure{}, DryRun: params.DryRun}
	if err := checkShadowing(ctx, m.db.DB, m.sets, m.shared); err != nil {
		return summary, err
	}
	plans, err := m.Plan(ctx)
	if err != nil {
		return summary, err
	}
	summary.Tenants = len(plans)
	var todo []TenantPlan
	for _, p := range plans {
		if p.UpToDate() {
			summary.UpToDate++
		} else {
			todo = append(todo, p)
		}
	}

	var mu sync.Mutex
	done := 0
	report := func(p TenantPlan, applied []string, err error, elapsed time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		done++
		switch {
		case err != nil:
			summary.Failed = append(summary.Failed, Failure{Slug: p.Slug, Error: ports.PublicMessage(err)})
		case params.DryRun:
			summary.Behind = append(summary.Behind, Behind{Slug: p.Slug, Pending: applied})
		case len(applied) > 0:
			summary.Migrated++
		default:
			summary.UpToDate++
		}
		if params.Progress != nil {
			params.Progress(ProgressEvent{Slug: p.Slug, Done: done, Total: len(todo), Applied: applied, Err: err, Elapsed: elapsed})
		}
	}

	if params.DryRun {
		for _, p := range todo {
			var err error
			if p.Changed != nil {
				err = checksumConflict(p.MigrationPlan)
			}
			report(p, refNames(p.Pending), err, 0)
		}
		summary.DurationMs = time.Since(start).Milliseconds()
		return summary, nil
	}

	workers := params.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	queue := make(chan TenantPlan)
	var wg sync.WaitGroup
	for range min(workers, max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				began := time.Now()
				applied, err := m.migrateTenant(ctx, p)
				report(p, applied, err, time.Since(began))
			}
		}()
	}
feed:
	for _, p := range todo {
		select {
		case queue <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	summary.DurationMs = time.Since(start).Milliseconds()
	if err := ctx.Err(); err != nil {
		return summary, dbError(err, "migrate tenants")
	}
	return summary, nil
}

// migrateTenantStepwise applies one tenant's pending migrations in one
// transaction under its advisory lock, a statement per round trip. It plans
// again under the lock, so a concurrent run or provision never applies a
// migration twice. migrateTenant falls back to it when its batch fails, to
// name the failing migration and line.
func (m *Migrator) migrateTenantStepwise(ctx context.Context, p TenantPlan) ([]string, error) {
	var applied []string
	err := runInTx(ctx, m.db, "migrate tenant "+p.Slug, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenantTx(ctx, tx.Tx, p.TenantID); err != nil {
			return err
		}
		var schema string
		var hasSchema bool
		err := tx.Tx.QueryRowContext(ctx, `SELECT schema_name, provisioned_at IS NOT NULL AND deprovisioned_at IS NULL
			FROM `+core.QuoteIdent(m.reg.Schema())+`.tenants WHERE id = $1`, p.TenantID).Scan(&schema, &hasSchema)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !hasSchema {
			return nil // deprovisioned meanwhile: nothing to migrate
		}
		if err != nil {
			return dbError(err, "read tenant "+p.Slug)
		}
		quoted, err := core.QuoteSchema(schema)
		if err != nil {
			return ports.Wrap(ports.KindInternal, err, "tenant %q has an invalid schema name", p.Slug)
		}
		done, err := appliedTx(ctx, tx.Tx, m.reg.Schema(), p.TenantID)
		if err != nil {
			return err
		}
		plan := core.PlanMigrations(done, m.sets.Refs())
		if len(plan.Changed) > 0 {
			return checksumConflict(plan)
		}
		if len(plan.Pending) == 0 {
			return nil
		}
		if err := pinSchemaTx(ctx, tx.Tx, quoted); err != nil {
			return err
		}
		if err := applyTx(ctx, tx.Tx, m.sets, plan.Pending); err != nil {
			return err
		}
		if err := recordTx(ctx, tx.Tx, m.reg.Schema(), p.TenantID, plan.Pending); err != nil {
			return err
		}
		applied = refNames(plan.Pending)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// checksumConflict classifies changed migrations as KindConflict, naming
// each by module and file.
func checksumConflict(plan core.MigrationPlan) error {
	err := plan.Err()
	return ports.Wrap(ports.KindConflict, err, "%s", err.Error())
}
