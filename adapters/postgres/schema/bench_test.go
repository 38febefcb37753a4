package schema_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// realisticSet is five tables with keys, foreign keys and indexes, in five
// files: what a small hosted module ships.
var realisticSet = []string{
	"0001_customers.sql", `CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX customers_name_idx ON customers (name);`,
	"0002_products.sql", `CREATE TABLE products (id bigserial PRIMARY KEY, sku text NOT NULL UNIQUE, title text NOT NULL, price numeric(12, 2) NOT NULL CHECK (price >= 0));
CREATE INDEX products_title_idx ON products (title);`,
	"0003_orders.sql", `CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), placed_at timestamptz NOT NULL DEFAULT now(), status text NOT NULL DEFAULT 'open');
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at DESC);`,
	"0004_order_lines.sql", `CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE, product_id bigint NOT NULL REFERENCES products (id), quantity int NOT NULL CHECK (quantity > 0), PRIMARY KEY (order_id, product_id));
CREATE INDEX order_lines_product_idx ON order_lines (product_id);`,
	"0005_audit.sql", `CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), entry jsonb NOT NULL);
CREATE INDEX audit_log_at_idx ON audit_log (at);`,
}

// BenchmarkProvision compares a full provision (locks, registry row and
// event, ledger, DDL, in one transaction) with the same DDL run raw in one
// transaction on one connection. Each iteration does one of each, in turn,
// so both see the same catalog size and the same machine: the ratio is the
// figure, the absolute times wander with the machine.
func BenchmarkProvision(b *testing.B) {
	bb := newBundle(b)
	bb.db.SetMaxOpenConns(2)
	ctx := context.Background()
	p := bb.provisioner(b, schema.Options{}, files("shop", realisticSet...))
	conn, err := bb.db.DB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var body strings.Builder
	for i := 1; i < len(realisticSet); i += 2 {
		body.WriteString(realisticSet[i])
		body.WriteString("\n")
	}
	var provisionTimes, rawTimes []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		tn := bb.createTenant(b, fmt.Sprintf("p-%d", i))
		name := fmt.Sprintf("raw_%d", i)
		i++

		start := time.Now()
		if _, err := p.Provision(ctx, ports.ProvisionParams{TenantID: tn.ID}); err != nil {
			b.Fatal(err)
		}
		provisionTimes = append(provisionTimes, time.Since(start))

		start = time.Now()
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA "+name+"; SET LOCAL search_path TO "+name+";\n"+body.String()); err != nil {
			_ = tx.Rollback()
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		rawTimes = append(rawTimes, time.Since(start))
		b.StartTimer()
	}
	provisionP50, rawP50 := median(provisionTimes), median(rawTimes)
	b.ReportMetric(float64(provisionP50.Nanoseconds()), "provision-p50-ns")
	b.ReportMetric(float64(rawP50.Nanoseconds()), "raw-ddl-p50-ns")
	b.ReportMetric(float64(provisionP50)/float64(rawP50), "p50-ratio")
}

func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// BenchmarkFanOut compares migrating N tenants (TENANCY_BENCH_TENANTS,
// default 100) with one ALTER TABLE through the Migrator against a raw loop
// running the same statement in each schema. One op is one whole fan-out.
func BenchmarkFanOut(b *testing.B) {
	n := 100
	if v, err := strconv.Atoi(os.Getenv("TENANCY_BENCH_TENANTS")); err == nil && v > 0 {
		n = v
	}
	bb := newBundle(b)
	bb.db.SetMaxOpenConns(8)
	ctx := context.Background()
	base := map[string]string{"0001_items.sql": createItems}
	setOf := func(extra map[string]string) ports.MigrationSet {
		fs := fstest.MapFS{}
		for k, v := range base {
			fs[k] = &fstest.MapFile{Data: []byte(v)}
		}
		for k, v := range extra {
			fs[k] = &fstest.MapFile{Data: []byte(v)}
		}
		return ports.MigrationSet{Module: "shop", FS: fs}
	}
	p := bb.provisioner(b, schema.Options{}, setOf(nil))
	tenants := provisionManyTB(b, bb, p, n)

	version := 1
	for _, concurrency := range []int{1, schema.DefaultConcurrency} {
		b.Run(fmt.Sprintf("migrator/concurrency=%d", concurrency), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				version++
				base[fmt.Sprintf("%04d_col.sql", version)] = fmt.Sprintf("ALTER TABLE items ADD COLUMN c%d int;", version)
				s, err := schema.NewSets(setOf(nil))
				if err != nil {
					b.Fatal(err)
				}
				m := schema.NewMigrator(bb.db, bb.reg, s, schema.Options{})
				b.StartTimer()
				sum, err := m.Run(ctx, schema.RunParams{Concurrency: concurrency})
				if err != nil || len(sum.Failed) > 0 || sum.Migrated != n {
					b.Fatalf("run: %v %+v", err, sum)
				}
			}
		})
	}
	b.Run("raw-loop", func(b *testing.B) {
		conn, err := bb.db.DB.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		for b.Loop() {
			version++
			for _, tn := range tenants {
				stmt := fmt.Sprintf("BEGIN; SET LOCAL search_path TO %s; ALTER TABLE items ADD COLUMN r%d int; COMMIT",
					core.QuoteIdent(tn.SchemaName), version)
				if _, err := conn.ExecContext(ctx, stmt); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// provisionManyTB provisions n tenants for a benchmark, four at a time.
func provisionManyTB(b *testing.B, bb *bundle, p *schema.Provisioner, n int) []core.Tenant {
	out := make([]core.Tenant, n)
	for i := range out {
		out[i] = bb.createTenant(b, fmt.Sprintf("fan-%05d", i))
	}
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for _, tn := range out {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	return out
}
