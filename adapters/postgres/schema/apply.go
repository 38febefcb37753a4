package schema

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// ledgerTable is the quoted name of the per-tenant migration ledger.
func ledgerTable(registry string) string { return core.QuoteIdent(registry) + ".tenant_migrations" }

// pinSchemaTx sets the search path of the rest of tx to the tenant schema
// alone: a migration's unqualified names can then only mean tenant tables,
// never a shared table by accident.
func pinSchemaTx(ctx context.Context, tx *sql.Tx, quoted string) error {
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+quoted); err != nil {
		return dbError(err, "pin the search path")
	}
	return nil
}

// applyTx runs the given migrations, in order, in tx (whose search path is
// already pinned to the tenant's schema); recordTx writes their ledger rows.
// Each file runs as one simple-protocol statement list, so a file may hold
// several statements; it must not commit or roll back itself.
func applyTx(ctx context.Context, tx *sql.Tx, sets Sets, pending []core.MigrationRef) error {
	for _, ref := range pending {
		body, err := sets.sql(ref)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, body); err != nil {
			return migrationError(ref, body, err)
		}
	}
	return nil
}

// writeMigrations writes, as one statement list for the simple protocol,
// what applyTx and recordTx do: pin the search path to quoted, run each
// pending file, and insert all their ledger rows for the tenant whose id is
// the literal id. Files are separated by a newline before the semicolon, so
// a file ending in a line comment or without a final semicolon still ends
// its last statement. Every value is a literal quoted by quoteLiteral.
func writeMigrations(b *strings.Builder, sets Sets, registry, id, quoted string, pending []core.MigrationRef) error {
	b.WriteString("SET LOCAL search_path TO " + quoted + ";\n")
	for _, ref := range pending {
		body, err := sets.sql(ref)
		if err != nil {
			return err
		}
		b.WriteString(body)
		b.WriteString("\n;\n")
	}
	if len(pending) == 0 {
		return nil
	}
	b.WriteString("INSERT INTO " + ledgerTable(registry) + " (tenant_id, module, version, name, checksum) VALUES ")
	for i, ref := range pending {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + id + "::uuid, " + core.QuoteLiteral(ref.Module) + ", " + strconv.FormatInt(ref.Version, 10) + ", " +
			core.QuoteLiteral(ref.Name) + ", " + core.QuoteLiteral(ref.Checksum) + ")")
	}
	b.WriteString(";\n")
	return nil
}

// resetAndCountSQL resets the search path (the registry writes that follow
// must not resolve a name in the tenant's schema) and counts the tables of
// schema; the count is the last result.
func resetAndCountSQL(schema string) string {
	return "SET LOCAL search_path TO DEFAULT;\n" + strings.Replace(tableCountSQL, "$1", core.QuoteLiteral(schema), 1)
}

// tableCountSQL counts the tables of the schema named by $1.
const tableCountSQL = `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`

// resetAndCountTx runs resetAndCountSQL in one round trip.
func resetAndCountTx(ctx context.Context, conn bun.Conn, schema string) (int, error) {
	results, err := postgres.ExecList(ctx, conn.Conn, resetAndCountSQL(schema))
	if err != nil {
		return 0, dbError(err, "count the tenant's tables")
	}
	return countOf(results)
}

// countOf reads the count that ends a list built with resetAndCountSQL.
func countOf(results []*pgconn.Result) (int, error) {
	if len(results) == 0 || len(results[len(results)-1].Rows) != 1 {
		return 0, ports.Errorf(ports.KindInternal, "count the tenant's tables: no count came back")
	}
	n, err := strconv.Atoi(string(results[len(results)-1].Rows[0][0]))
	if err != nil {
		return 0, ports.Wrap(ports.KindInternal, err, "count the tenant's tables")
	}
	return n, nil
}

// recordTx writes ledger rows for refs in one statement.
func recordTx(ctx context.Context, tx *sql.Tx, registry, tenantID string, refs []core.MigrationRef) error {
	if len(refs) == 0 {
		return nil
	}
	modules := make([]string, len(refs))
	versions := make([]int64, len(refs))
	names := make([]string, len(refs))
	sums := make([]string, len(refs))
	for i, r := range refs {
		modules[i], versions[i], names[i], sums[i] = r.Module, r.Version, r.Name, r.Checksum
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+ledgerTable(registry)+` (tenant_id, module, version, name, checksum)
		SELECT $1, m, v, n, c FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[]) AS u(m, v, n, c)`,
		tenantID, modules, versions, names, sums)
	if err != nil {
		return dbError(err, "record tenant migrations")
	}
	return nil
}

// appliedTx reads one tenant's ledger rows, in application order.
func appliedTx(ctx context.Context, q querier, registry, tenantID string) ([]core.MigrationRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT module, version, name, checksum FROM `+ledgerTable(registry)+`
		WHERE tenant_id = $1 ORDER BY applied_at, module, version`, tenantID)
	if err != nil {
		return nil, dbError(err, "read the migration ledger")
	}
	defer rows.Close()
	var out []core.MigrationRef
	for rows.Next() {
		var r core.MigrationRef
		if err := rows.Scan(&r.Module, &r.Version, &r.Name, &r.Checksum); err != nil {
			return nil, dbError(err, "read the migration ledger")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "read the migration ledger")
	}
	return out, nil
}

// tableCount counts the tables of a schema from the catalog.
func tableCount(ctx context.Context, q querier, schema string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, tableCountSQL, schema).Scan(&n)
	if err != nil {
		return 0, dbError(err, "count the tenant's tables")
	}
	return n, nil
}

// lockTenantTx takes the per-tenant advisory lock that every schema change
// of one tenant (provision, migrate, deprovision) holds until its
// transaction ends, so they never interleave.
func lockTenantTx(ctx context.Context, tx *sql.Tx, tenantID string) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('tenancy.tenant'), hashtext($1))", tenantID); err != nil {
		return dbError(err, "lock the tenant")
	}
	return nil
}

// refNames names migrations as "module/file".
func refNames(refs []core.MigrationRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return out
}
