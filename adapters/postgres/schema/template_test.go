package schema_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

const templateDDL = `
CREATE SCHEMA tpl;
CREATE TABLE tpl.customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email text NOT NULL CONSTRAINT customers_email_key UNIQUE,
	age int CONSTRAINT customers_age_check CHECK (age >= 0)
);
COMMENT ON TABLE tpl.customers IS 'people who buy';
COMMENT ON COLUMN tpl.customers.email IS 'the login';
CREATE TABLE tpl.orders (
	id serial PRIMARY KEY,
	customer_id bigint NOT NULL CONSTRAINT orders_customer_fk REFERENCES tpl.customers (id) ON DELETE CASCADE,
	total numeric(10, 2) NOT NULL DEFAULT 0,
	placed_at timestamptz DEFAULT now()
);
CREATE INDEX orders_customer_idx ON tpl.orders (customer_id);
CREATE UNIQUE INDEX orders_positive_idx ON tpl.orders ((total::text)) WHERE total > 0;
COMMENT ON INDEX tpl.orders_customer_idx IS 'by customer';
COMMENT ON CONSTRAINT orders_customer_fk ON tpl.orders IS 'owner';
`

// templateSet is the migration set the template of templateDDL was built
// from.
func templateSet() ports.MigrationSet {
	ddl := strings.TrimPrefix(strings.TrimSpace(templateDDL), "CREATE SCHEMA tpl;")
	return files("shop", "0001_init.sql", strings.ReplaceAll(ddl, "tpl.", ""))
}

// describe lists a schema's columns, constraints, indexes and comments with
// the schema's own name replaced by S, so two schemas compare.
func (b *bundle) describe(t *testing.T, schemaName string) []string {
	t.Helper()
	rows, err := b.db.DB.Query(`
		SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
			|| ' comment=' || coalesce(col_description(c.oid, a.attnum), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT 'constraint ' || c.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
			|| ' comment=' || coalesce(obj_description(con.oid, 'pg_constraint'), '')
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace = $1::regnamespace
		UNION ALL
		SELECT 'index ' || pg_get_indexdef(i.oid) || ' comment=' || coalesce(obj_description(i.oid, 'pg_class'), '')
		FROM pg_class i WHERE i.relnamespace = $1::regnamespace AND i.relkind = 'i'
		UNION ALL
		SELECT 'table ' || c.relname || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
		FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
		UNION ALL
		SELECT 'sequence owned by ' || t.relname || '.' || a.attname
		FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
		JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE s.relnamespace = $1::regnamespace AND s.relkind = 'S'
		ORDER BY 1`, schemaName)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, strings.ReplaceAll(s, schemaName+".", "S."))
	}
	require.NoError(t, rows.Err())
	return out
}

func TestTemplateCopyReproducesTheTemplate(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, templateDDL)
	p := b.provisioner(t, schema.Options{TemplateSchema: "tpl"}, templateSet())
	require.NoError(t, p.Validate(context.Background()))
	tn := b.createTenant(t, "acme")
	res, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.Equal(t, 2, res.TableCount)
	require.Equal(t, []string{"template/tpl", "shop/0001_init.sql"}, res.MigrationsApplied)

	want := b.describe(t, "tpl")
	joined := strings.Join(want, "\n")
	for _, part := range []string{
		"CREATE INDEX orders_customer_idx ON S.orders USING btree (customer_id) comment=by customer",
		"CREATE UNIQUE INDEX orders_positive_idx",
		"default=nextval('S.orders_id_seq'::regclass)",
		"identity=a",
		"orders_customer_fk FOREIGN KEY (customer_id) REFERENCES S.customers(id) ON DELETE CASCADE comment=owner",
		"customers_age_check CHECK ((age >= 0))",
		"customers_email_key UNIQUE (email)",
		"column customers.email text notnull=true identity= default= comment=the login",
		"table customers comment=people who buy",
		"sequence owned by orders.id",
		"sequence owned by customers.id",
	} {
		require.Contains(t, joined, part)
	}
	require.Equal(t, want, b.describe(t, "tenant_acme"))

	// The copy has sequences of its own: inserting there leaves the
	// template's untouched.
	b.exec(t, `INSERT INTO tenant_acme.customers (email) VALUES ('a@example.com');
		INSERT INTO tenant_acme.orders (customer_id, total) SELECT id, 5 FROM tenant_acme.customers`)
	var called bool
	require.NoError(t, b.db.DB.QueryRow("SELECT is_called FROM tpl.orders_id_seq").Scan(&called))
	require.False(t, called, "the template's serial sequence did not advance")
	var identitySeq string
	require.NoError(t, b.db.DB.QueryRow("SELECT pg_get_serial_sequence('tpl.customers', 'id')").Scan(&identitySeq))
	require.NoError(t, b.db.DB.QueryRow("SELECT is_called FROM "+identitySeq).Scan(&called))
	require.False(t, called, "the template's identity sequence did not advance")

	// The foreign key points into the tenant's schema.
	b.exec(t, "DELETE FROM tenant_acme.customers")
	require.Equal(t, 0, b.count(t, "SELECT count(*) FROM tenant_acme.orders"))

	ledger := b.ledger(t, tn.ID)
	require.Contains(t, ledger, "template/tpl")
}

func TestTemplateWithUncopyableObjectsIsRefusedByName(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, templateDDL+`
		CREATE VIEW tpl.big_orders AS SELECT * FROM tpl.orders WHERE total > 100;
		CREATE FUNCTION tpl.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
		CREATE TRIGGER orders_touch BEFORE UPDATE ON tpl.orders FOR EACH ROW EXECUTE FUNCTION tpl.touch();
		CREATE SEQUENCE tpl.invoice_numbers;`)
	p := b.provisioner(t, schema.Options{TemplateSchema: "tpl"})
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	msg := ports.PublicMessage(err)
	for _, name := range []string{"view big_orders", "function touch()", "trigger orders_touch on orders", "sequence not owned by a column invoice_numbers"} {
		require.Contains(t, msg, name)
	}
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
	require.Equal(t, core.StatusActive, b.get(t, tn.ID).Status)
}

func TestTemplateThatDoesNotExistIsRefused(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{TemplateSchema: "nope"})
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), `"nope"`)
}

func TestTemplateTenantsTakeLaterMigrationsFromTheFanOut(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, templateDDL)
	p := b.provisioner(t, schema.Options{TemplateSchema: "tpl"}, templateSet())
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)

	later := templateSet()
	later.FS.(fstest.MapFS)["0002_note.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE orders ADD COLUMN note text;")}
	sum, err := migrator(t, b, later).Run(context.Background(), schema.RunParams{})
	require.NoError(t, err)
	require.Empty(t, sum.Failed)
	require.Equal(t, 1, sum.Migrated, "only the migration added since the copy runs")
	b.exec(t, "INSERT INTO tenant_acme.customers (email) VALUES ('a@example.com'); INSERT INTO tenant_acme.orders (customer_id, note) SELECT id, 'hi' FROM tenant_acme.customers")
}

func TestTemplateShadowingASharedTableIsRefusedByName(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, templateDDL+"CREATE TABLE tpl.plans (name text); CREATE TABLE public.plans (name text);")
	p := b.provisioner(t, schema.Options{TemplateSchema: "tpl"})
	for name, run := range map[string]func() error{
		"validate": func() error { return p.Validate(context.Background()) },
		"provision": func() error {
			tn := b.createTenant(t, "acme")
			_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
			return err
		},
	} {
		err := run()
		require.Equal(t, ports.KindInvalid, ports.KindOf(err), name)
		msg := ports.PublicMessage(err)
		require.Contains(t, msg, `"plans"`, name)
		require.Contains(t, msg, `shared schema "public"`, name)
	}
	require.Zero(t, b.schemaOID(t, "tenant_acme"), "nothing was created")
}

func TestTemplateThatDoesNotMatchTheSetsIsRefused(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, templateDDL+"CREATE TABLE tpl.extras (id int);")
	p := b.provisioner(t, schema.Options{TemplateSchema: "tpl"}, templateSet(), files("billing", "0001_invoices.sql", "CREATE TABLE invoices (id int);"))
	err := p.Validate(context.Background())
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	msg := ports.PublicMessage(err)
	require.Contains(t, msg, "lacks invoices")
	require.Contains(t, msg, "has extras")

	tn := b.createTenant(t, "acme")
	_, err = p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
	require.Empty(t, b.ledger(t, tn.ID))

	// Sets that create no tables leave the template free.
	require.NoError(t, b.provisioner(t, schema.Options{TemplateSchema: "tpl"}).Validate(context.Background()))
	err = b.provisioner(t, schema.Options{TemplateSchema: "missing"}).Validate(context.Background())
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
}
