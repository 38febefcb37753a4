package schema

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// migrateTenant applies one tenant's pending migrations in one transaction
// under its advisory lock, in two round trips on one pooled connection,
// both simple-protocol statement lists:
//
//  1. BEGIN; the tenant's advisory lock; then, as a statement of its own
//     (so its snapshot is taken once the lock is held and sees whatever a
//     concurrent run committed before releasing it), the tenant's row and
//     ledger. Planning again under the lock means no migration is ever
//     applied twice.
//  2. SET LOCAL search_path to the tenant's schema alone; every pending
//     migration; one INSERT of all their ledger rows; COMMIT.
//
// PostgreSQL skips the rest of a statement list after an error, so a
// failure leaves the transaction open and aborted; it is rolled back. A
// failure the server reports (a migration's SQL error) is then replayed by
// migrateTenantStepwise, which runs file by file and names the file and line;
// the batch changed nothing, so the replay starts from the same state. A
// connection left in any state but idle is discarded, never pooled.
func (m *Migrator) migrateTenant(ctx context.Context, p TenantPlan) ([]string, error) {
	conn, err := m.db.DB.Conn(ctx)
	if err != nil {
		return nil, dbError(err, "migrate tenant "+p.Slug)
	}
	applied, replay, err := m.migrateBatch(ctx, conn, p)
	if status, statusErr := postgres.TxStatus(conn); statusErr == nil && status != postgres.TxIdle {
		// The batch failed or was never sent: end what it opened, with a
		// context that outlives a cancelled run.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}
	postgres.Release(conn)
	if replay {
		return m.migrateTenantStepwise(ctx, p)
	}
	return applied, err
}

// migrateBatch runs the two round trips of migrateTenant on conn and leaves
// a transaction it did not commit for migrateTenant to end. replay is true
// when the server refused the batch.
func (m *Migrator) migrateBatch(ctx context.Context, conn *sql.Conn, p TenantPlan) (applied []string, replay bool, err error) {
	id := core.QuoteLiteral(p.TenantID)
	reg := core.QuoteIdent(m.reg.Schema())
	results, err := postgres.ExecList(ctx, conn, `BEGIN;
		SELECT pg_advisory_xact_lock(hashtext('tenancy.tenant'), hashtext(`+id+`));
		SELECT t.schema_name, (t.provisioned_at IS NOT NULL AND t.deprovisioned_at IS NULL)::text,
			l.module, l.version::text, l.name, l.checksum
		FROM `+reg+`.tenants t LEFT JOIN `+ledgerTable(m.reg.Schema())+` l ON l.tenant_id = t.id
		WHERE t.id = `+id+`::uuid
		ORDER BY l.applied_at, l.module, l.version`)
	if err != nil {
		return nil, false, dbError(err, "read tenant "+p.Slug)
	}
	rows := results[len(results)-1].Rows
	if len(rows) == 0 || string(rows[0][1]) != "true" {
		return nil, false, nil // deprovisioned meanwhile: nothing to migrate
	}
	quoted, err := core.QuoteSchema(string(rows[0][0]))
	if err != nil {
		return nil, false, ports.Wrap(ports.KindInternal, err, "tenant %q has an invalid schema name", p.Slug)
	}
	var done []core.MigrationRef
	for _, r := range rows {
		if r[2] == nil {
			continue // no ledger rows: the LEFT JOIN's one empty row
		}
		version, err := strconv.ParseInt(string(r[3]), 10, 64)
		if err != nil {
			return nil, false, ports.Wrap(ports.KindInternal, err, "read the migration ledger of %q", p.Slug)
		}
		done = append(done, core.MigrationRef{Module: string(r[2]), Version: version, Name: string(r[4]), Checksum: string(r[5])})
	}
	plan := core.PlanMigrations(done, m.sets.Refs())
	if len(plan.Changed) > 0 {
		return nil, false, checksumConflict(plan)
	}
	if len(plan.Pending) == 0 {
		return nil, false, nil
	}
	batch, err := m.batchSQL(id, quoted, plan.Pending)
	if err != nil {
		return nil, false, err
	}
	if _, err := postgres.ExecList(ctx, conn, batch); err != nil {
		if refused(err) {
			return nil, true, nil
		}
		return nil, false, dbError(err, "migrate tenant "+p.Slug)
	}
	return refNames(plan.Pending), false, nil
}

// batchSQL is the second round trip of migrateTenant: the statements of
// writeMigrations, then COMMIT.
func (m *Migrator) batchSQL(id, quoted string, pending []core.MigrationRef) (string, error) {
	var b strings.Builder
	if err := writeMigrations(&b, m.sets, m.reg.Schema(), id, quoted, pending); err != nil {
		return "", err
	}
	b.WriteString("COMMIT")
	return b.String(), nil
}
