package resolve_test

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// sqlLookup is a minimal tenant lookup that reads the registry table of a
// real database, for the listener test and the benchmarks; the registry
// adapter proper lives elsewhere.
func sqlLookup(db *sql.DB) ports.TenantLookup {
	return ports.TenantLookupFunc(func(ctx context.Context, ref string) (core.Tenant, error) {
		q := `SELECT id::text, slug, name, schema_name, status, version FROM tenancy.tenants WHERE slug = $1`
		if uuidRe.MatchString(ref) {
			q = `SELECT id::text, slug, name, schema_name, status, version FROM tenancy.tenants WHERE id = $1::uuid`
		}
		var t core.Tenant
		err := db.QueryRowContext(ctx, q, ref).Scan(&t.ID, &t.Slug, &t.Name, &t.SchemaName, &t.Status, &t.Version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return core.Tenant{}, ports.Errorf(ports.KindNotFound, "tenant %q not found", ref)
		case err != nil:
			return core.Tenant{}, ports.Wrap(ports.KindUnavailable, err, "read tenant")
		}
		return t, nil
	})
}

// insertTenant writes a registry row directly.
func insertTenant(t testing.TB, db *sql.DB, id, slug string, status core.Status) {
	t.Helper()
	now := time.Now()
	_, err := db.ExecContext(context.Background(),
		`INSERT INTO tenancy.tenants (id, slug, name, schema_name, status, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		id, slug, "Tenant "+slug, "tenant_"+slug, string(status), now)
	require.NoError(t, err)
}
