package schema

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Template copy builds a tenant schema from an existing schema instead of
// running the migration sets: tables with their columns, defaults, NOT NULL
// and CHECK constraints, identity and serial columns (with sequences of the
// tenant's own), primary keys, unique and exclusion constraints, indexes,
// foreign keys between template tables, and comments. Whatever it cannot
// reproduce faithfully (views, functions, triggers, types, free sequences,
// partitioned or inherited tables, rules, policies, references out of the
// template) is refused by name before anything is created.
//
// The template stands for the schema the migration sets build: the copy is
// recorded in the ledger as module "template" with a checksum of the
// template's definition, and the sets' migrations as applied, so later
// migrations fan out to template-made tenants like to any other. That record
// is only true when the template has the sets' tables, so a template is
// refused (by Validate and by every provision) unless its tables are exactly
// the relations the sets' migrations create, whenever they create any; and,
// like a set, it may not have a table whose name a shared schema uses.

// unsupportedTemplateObjects lists, as "kind name", what a copy cannot
// reproduce. Run with the template alone on the search path.
const unsupportedTemplateObjects = `
SELECT kind || ' ' || name FROM (
	SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
		WHEN 'p' THEN 'partitioned table' WHEN 'c' THEN 'composite type' END AS kind, c.relname AS name
	FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('v', 'm', 'f', 'p', 'c')
	UNION ALL
	SELECT 'inherited table', c.relname FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
	WHERE c.relnamespace = $1::regnamespace
	UNION ALL
	SELECT 'sequence not owned by a column', s.relname FROM pg_class s
	WHERE s.relnamespace = $1::regnamespace AND s.relkind = 'S' AND NOT EXISTS (
		SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
		WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass
		  AND d.deptype IN ('a', 'i') AND t.relnamespace = $1::regnamespace)
	UNION ALL
	SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
		p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
	FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
	UNION ALL
	SELECT 'trigger', t.tgname || ' on ' || c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
	UNION ALL
	SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum type' WHEN 'r' THEN 'range type' ELSE 'type' END, t.typname
	FROM pg_type t WHERE t.typnamespace = $1::regnamespace
	  AND (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'b' AND t.typcategory <> 'A'))
	UNION ALL
	SELECT 'rule', r.rulename || ' on ' || c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
	WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
	UNION ALL
	SELECT 'policy', p.polname || ' on ' || c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
	WHERE c.relnamespace = $1::regnamespace
	UNION ALL
	SELECT 'foreign key leaving the template', con.conname || ' on ' || c.relname
	FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
	WHERE c.relnamespace = $1::regnamespace AND con.contype = 'f' AND r.relnamespace <> $1::regnamespace
	UNION ALL
	SELECT 'column default using an outside sequence', c.relname || '.' || a.attname
	FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid
	JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
	JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
	JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
	WHERE c.relnamespace = $1::regnamespace AND s.relnamespace <> $1::regnamespace
) AS objects ORDER BY 1`

// copyTemplateTx checks the template, creates the tenant's schema and copies
// the template into it. It returns the ledger rows to record.
func (p *Provisioner) copyTemplateTx(ctx context.Context, tx *sql.Tx, schema string) ([]core.MigrationRef, error) {
	tpl := p.opts.TemplateSchema
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", tpl).Scan(&exists); err != nil {
		return nil, dbError(err, "read the template schema")
	}
	if !exists {
		return nil, ports.Errorf(ports.KindInvalid, "template schema %q does not exist", tpl)
	}
	if err := checkTemplate(ctx, tx, tpl, p.sets, p.shared); err != nil {
		return nil, err
	}
	// Definitions are read with the template alone on the search path, so
	// names of template objects come out unqualified and, replayed with the
	// tenant's schema alone on the path, mean the tenant's objects.
	if err := pinSchemaTx(ctx, tx, core.QuoteIdent(tpl)); err != nil {
		return nil, err
	}
	bad, err := strings1(ctx, tx, unsupportedTemplateObjects, core.QuoteIdent(tpl))
	if err != nil {
		return nil, dbError(err, "inspect the template schema")
	}
	if len(bad) > 0 {
		return nil, ports.Errorf(ports.KindInvalid, "template schema %q has objects a copy cannot reproduce: %s", tpl, strings.Join(bad, ", "))
	}
	plan, err := readTemplate(ctx, tx, tpl)
	if err != nil {
		return nil, err
	}
	// pg_get_indexdef qualifies names the way quote_ident does, which
	// leaves simple names bare; retargeting needs that exact spelling.
	var tplSpelling string
	if err := tx.QueryRowContext(ctx, "SELECT quote_ident($1)", tpl).Scan(&tplSpelling); err != nil {
		return nil, dbError(err, "read the template schema")
	}
	quoted := core.QuoteIdent(schema)
	if err := createSchemaTx(ctx, tx, schema, quoted); err != nil {
		return nil, err
	}
	if err := pinSchemaTx(ctx, tx, quoted); err != nil {
		return nil, err
	}
	for _, stmt := range plan.statements(tplSpelling, quoted) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, migrationError(core.MigrationRef{Module: TemplateModule, Version: 1, Name: tpl}, stmt, err)
		}
	}
	refs := []core.MigrationRef{{Module: TemplateModule, Version: 1, Name: tpl, Checksum: plan.checksum()}}
	return append(refs, p.sets.Refs()...), nil
}

// checkTemplate refuses, with KindInvalid naming the tables, a template
// that has a table a shared schema also has, or whose tables are not the
// relations the migration sets create (when the sets create any): a copy is
// recorded as having applied every set migration, so the migrations added
// later must find the tables they expect. The template must exist.
func checkTemplate(ctx context.Context, q querier, tpl string, sets Sets, shared []string) error {
	tables, err := strings1(ctx, q, `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
		core.QuoteIdent(tpl))
	if err != nil {
		return dbError(err, "read the template's tables")
	}
	inShared, err := sharedRelations(ctx, q, shared, tables)
	if err != nil {
		return err
	}
	for _, name := range tables {
		if schema, ok := inShared[name]; ok {
			return ports.Errorf(ports.KindInvalid,
				"template schema %q has table %q, which shared schema %q also has; a tenant behind on migrations would read the shared table: rename one of them",
				tpl, name, schema)
		}
	}
	want := map[string]bool{}
	for _, names := range sets.created() {
		for _, n := range names {
			want[n] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var extra, missing []string
	for _, name := range tables {
		if !want[name] {
			extra = append(extra, name)
		}
		delete(want, name)
	}
	for name := range want {
		missing = append(missing, name)
	}
	if len(extra) == 0 && len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	var why []string
	if len(missing) > 0 {
		why = append(why, "it lacks "+strings.Join(missing, ", ")+", which the migrations create")
	}
	if len(extra) > 0 {
		why = append(why, "it has "+strings.Join(extra, ", ")+", which no migration creates")
	}
	return ports.Errorf(ports.KindInvalid,
		"template schema %q does not match the tenant migration sets, whose migrations a copy records as applied: %s; build the template from the migrations",
		tpl, strings.Join(why, "; "))
}

// templatePlan is what readTemplate found: the definitions to replay.
type templatePlan struct {
	tables      []string
	serials     []serialColumn
	constraints []namedDef // primary keys, unique and exclusion constraints
	indexes     []namedDef // other indexes: full CREATE INDEX statements
	foreignKeys []namedDef
	comments    []string // full COMMENT statements
	description []string // for the checksum
}

type namedDef struct{ table, name, def string }

type serialColumn struct {
	table, column, sequence, dataType string
	start, increment, min, max, cache int64
	cycle                             bool
}

// readTemplate reads the template's definitions; tpl is the template's name.
func readTemplate(ctx context.Context, tx *sql.Tx, tpl string) (*templatePlan, error) {
	// $1::regnamespace parses an identifier, so the name goes in quoted.
	tpl = core.QuoteIdent(tpl)
	var plan templatePlan
	var err error
	if plan.tables, err = strings1(ctx, tx, `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY relname`, tpl); err != nil {
		return nil, dbError(err, "read the template's tables")
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT c.relname, a.attname, s.relname, format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle,
			pg_get_expr(ad.adbin, ad.adrelid) = 'nextval(' || quote_literal(quote_ident(s.relname)) || '::regclass)'
		FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid
		JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
		JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
		JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
		JOIN pg_sequence q ON q.seqrelid = s.oid
		WHERE c.relnamespace = $1::regnamespace ORDER BY c.relname, a.attnum`, tpl)
	if err != nil {
		return nil, dbError(err, "read the template's serial columns")
	}
	for rows.Next() {
		var s serialColumn
		var plain bool
		if err := rows.Scan(&s.table, &s.column, &s.sequence, &s.dataType, &s.start, &s.increment, &s.min, &s.max, &s.cache, &s.cycle, &plain); err != nil {
			rows.Close()
			return nil, dbError(err, "read the template's serial columns")
		}
		if !plain {
			rows.Close()
			return nil, ports.Errorf(ports.KindInvalid, "template column %s.%s uses sequence %s in a default a copy cannot rewrite; use nextval alone or an identity column",
				s.table, s.column, s.sequence)
		}
		plan.serials = append(plan.serials, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "read the template's serial columns")
	}
	constraints, err := namedDefs(ctx, tx, `
		SELECT c.relname, con.conname, pg_get_constraintdef(con.oid), con.contype::text
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
		WHERE c.relnamespace = $1::regnamespace AND con.contype IN ('p', 'u', 'x', 'f')
		ORDER BY con.contype = 'f', c.relname, con.conname`, tpl)
	if err != nil {
		return nil, err
	}
	for _, c := range constraints {
		if c.kind == "f" {
			plan.foreignKeys = append(plan.foreignKeys, c.namedDef)
		} else {
			plan.constraints = append(plan.constraints, c.namedDef)
		}
	}
	indexes, err := namedDefs(ctx, tx, `
		SELECT t.relname, i.relname, pg_get_indexdef(i.oid), ''
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relnamespace = $1::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid)
		ORDER BY t.relname, i.relname`, tpl)
	if err != nil {
		return nil, err
	}
	for _, ix := range indexes {
		plan.indexes = append(plan.indexes, ix.namedDef)
	}
	// Comments on tables, columns, indexes and constraints; LIKE copies
	// column and CHECK comments itself, the rest is replayed.
	if plan.comments, err = strings1(ctx, tx, `
		SELECT 'COMMENT ON TABLE ' || quote_ident(c.relname) || ' IS ' || quote_literal(d.description)
		FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
		UNION ALL
		SELECT 'COMMENT ON INDEX ' || quote_ident(c.relname) || ' IS ' || quote_literal(d.description)
		FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'i'
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = c.oid)
		UNION ALL
		SELECT 'COMMENT ON CONSTRAINT ' || quote_ident(con.conname) || ' ON ' || quote_ident(c.relname) || ' IS ' || quote_literal(d.description)
		FROM pg_description d JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass
		JOIN pg_class c ON c.oid = con.conrelid
		WHERE c.relnamespace = $1::regnamespace AND con.contype IN ('p', 'u', 'x', 'f')
		ORDER BY 1`, tpl); err != nil {
		return nil, dbError(err, "read the template's comments")
	}
	if plan.description, err = strings1(ctx, tx, `
		SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
			|| ' ' || a.attidentity::text || ' ' || a.attgenerated::text || ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT c.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace = $1::regnamespace
		ORDER BY 1`, tpl); err != nil {
		return nil, dbError(err, "read the template's definition")
	}
	for _, ix := range plan.indexes {
		plan.description = append(plan.description, ix.def)
	}
	plan.description = append(plan.description, plan.comments...)
	return &plan, nil
}

// statements builds the DDL that copies the template into the tenant's
// schema, which is alone on the search path when it runs.
func (t *templatePlan) statements(tpl, target string) []string {
	var out []string
	for _, name := range t.tables {
		out = append(out, fmt.Sprintf("CREATE TABLE %s.%s (LIKE %s.%s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)",
			target, core.QuoteIdent(name), tpl, core.QuoteIdent(name)))
	}
	for _, s := range t.serials {
		seq := target + "." + core.QuoteIdent(s.sequence)
		cycle := "NO CYCLE"
		if s.cycle {
			cycle = "CYCLE"
		}
		out = append(out,
			fmt.Sprintf("CREATE SEQUENCE %s AS %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START WITH %d CACHE %d %s OWNED BY %s.%s.%s",
				seq, s.dataType, s.increment, s.min, s.max, s.start, s.cache, cycle, target, core.QuoteIdent(s.table), core.QuoteIdent(s.column)),
			fmt.Sprintf("ALTER TABLE %s.%s ALTER COLUMN %s SET DEFAULT nextval(%s::regclass)",
				target, core.QuoteIdent(s.table), core.QuoteIdent(s.column), core.QuoteLiteral(seq)))
	}
	for _, c := range t.constraints {
		out = append(out, fmt.Sprintf("ALTER TABLE %s.%s ADD CONSTRAINT %s %s", target, core.QuoteIdent(c.table), core.QuoteIdent(c.name), c.def))
	}
	for _, ix := range t.indexes {
		out = append(out, retargetIndex(ix.def, tpl, target))
	}
	for _, c := range t.foreignKeys {
		out = append(out, fmt.Sprintf("ALTER TABLE %s.%s ADD CONSTRAINT %s %s", target, core.QuoteIdent(c.table), core.QuoteIdent(c.name), c.def))
	}
	return append(out, t.comments...)
}

// indexOnRe finds the table of a CREATE INDEX statement, which
// pg_get_indexdef always qualifies with its schema.
var indexOnRe = regexp.MustCompile(` ON (ONLY )?`)

// retargetIndex points an index definition of the template at the tenant's
// schema: its first " ON [ONLY] tpl." becomes " ON [ONLY] target.".
func retargetIndex(def, tpl, target string) string {
	loc := indexOnRe.FindStringIndex(def)
	if loc == nil || !strings.HasPrefix(def[loc[1]:], tpl+".") {
		return def // unqualified already: the search path holds only the tenant's schema
	}
	return def[:loc[1]] + target + def[loc[1]+len(tpl):]
}

func (t *templatePlan) checksum() string {
	sum := sha256.Sum256([]byte(strings.Join(t.description, "\n")))
	return hex.EncodeToString(sum[:])
}

type kindedDef struct {
	namedDef
	kind string
}

func namedDefs(ctx context.Context, tx *sql.Tx, query, tpl string) ([]kindedDef, error) {
	rows, err := tx.QueryContext(ctx, query, tpl)
	if err != nil {
		return nil, dbError(err, "read the template's definitions")
	}
	defer rows.Close()
	var out []kindedDef
	for rows.Next() {
		var d kindedDef
		if err := rows.Scan(&d.table, &d.name, &d.def, &d.kind); err != nil {
			return nil, dbError(err, "read the template's definitions")
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// strings1 runs a query of one text column with the template as $1.
func strings1(ctx context.Context, q querier, query, tpl string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, tpl)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
