package schema

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// querier is what both *sql.DB and *sql.Tx offer, for catalog reads that run
// on the pool or inside a provisioning transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// relationKinds are the pg_class kinds a name on the search path can resolve
// to in a FROM clause: tables, partitioned tables, views, materialized views
// and foreign tables.
const relationKinds = "('r','p','v','m','f')"

// checkShadowing refuses the sets when one of their migrations creates a
// relation whose name a shared schema already uses: with the tenant behind
// on migrations, queries would silently read the shared one. The error is
// KindInvalid and names the file, the table and the shared schema.
func checkShadowing(ctx context.Context, q querier, sets Sets, shared []string) error {
	query, ok := shadowQuery(sets, shared)
	if !ok {
		return nil
	}
	inShared, err := readSharedRelations(ctx, q, query)
	if err != nil {
		return err
	}
	return shadowError(sets, inShared)
}

// shadowQuery is the catalog query of checkShadowing, or false when there is
// nothing to check (no shared schema, or no migration creates a relation).
// Its values are literals, so it can also run inside a statement list.
func shadowQuery(sets Sets, shared []string) (string, bool) {
	if len(shared) == 0 {
		return "", false
	}
	var names []string
	for _, ns := range sets.created() {
		names = append(names, ns...)
	}
	if len(names) == 0 {
		return "", false
	}
	return sharedRelationsQuery(shared, names), true
}

// shadowError refuses the first migration, in order, that creates a
// relation of inShared (see sharedRelations).
func shadowError(sets Sets, inShared map[string]string) error {
	if len(inShared) == 0 {
		return nil
	}
	created := sets.created()
	for _, ref := range sets.Refs() {
		for _, name := range created[ref] {
			if schema, ok := inShared[name]; ok {
				return ports.Errorf(ports.KindInvalid,
					"tenant migration %s creates table %q, which shared schema %q also has; a tenant behind on migrations would read the shared table: rename one of them",
					ref, name, schema)
			}
		}
	}
	return nil
}

// sharedRelations returns, of names, those that a relation of a shared
// schema has, each with the first shared schema (in search-path order) that
// has it.
func sharedRelations(ctx context.Context, q querier, shared, names []string) (map[string]string, error) {
	if len(shared) == 0 || len(names) == 0 {
		return nil, nil
	}
	return readSharedRelations(ctx, q, sharedRelationsQuery(shared, names))
}

// sharedRelationsQuery selects (schema, name) of the relations of shared
// named in names, later shared schemas first, so that keeping the last row
// per name keeps the first schema on the path.
func sharedRelationsQuery(shared, names []string) string {
	path := textArray(shared)
	return `
		SELECT n.nspname, c.relname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = ANY(` + path + `) AND c.relname = ANY(` + textArray(names) + `) AND c.relkind IN ` + relationKinds + `
		ORDER BY array_position(` + path + `, n.nspname::text) DESC`
}

// readSharedRelations runs a sharedRelationsQuery.
func readSharedRelations(ctx context.Context, q querier, query string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, dbError(err, "read the shared schemas' tables")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			return nil, dbError(err, "read the shared schemas' tables")
		}
		out[name] = schema // later rows come first on the path
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "read the shared schemas' tables")
	}
	return out, nil
}

// textArray is a text[] literal of values, each quoted by quoteLiteral.
func textArray(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = core.QuoteLiteral(v)
	}
	return "ARRAY[" + strings.Join(quoted, ", ") + "]::text[]"
}

// Shadow is a tenant relation whose name a shared schema also uses.
type Shadow struct {
	TenantSlug   string `json:"tenant"`
	Schema       string `json:"schema"`
	Table        string `json:"table"`
	SharedSchema string `json:"sharedSchema"`
}

// shadowing lists every relation in the schema of a tenant that has one whose
// name a shared schema also uses, ordered by tenant slug and table.
func shadowing(ctx context.Context, db *sql.DB, registry string, shared []string) ([]Shadow, error) {
	if len(shared) == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `
		SELECT t.slug, t.schema_name, c.relname, sn.nspname
		FROM `+core.QuoteIdent(registry)+`.tenants t
		JOIN pg_namespace n ON n.nspname = t.schema_name
		JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN `+relationKinds+`
		JOIN pg_class sc ON sc.relname = c.relname AND sc.relkind IN `+relationKinds+`
		JOIN pg_namespace sn ON sn.oid = sc.relnamespace AND sn.nspname = ANY($1)
		ORDER BY t.slug, c.relname, sn.nspname`, shared)
	if err != nil {
		return nil, dbError(err, "read tenant tables")
	}
	defer rows.Close()
	var out []Shadow
	for rows.Next() {
		var s Shadow
		if err := rows.Scan(&s.TenantSlug, &s.Schema, &s.Table, &s.SharedSchema); err != nil {
			return nil, dbError(err, "read tenant tables")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "read tenant tables")
	}
	return out, nil
}
