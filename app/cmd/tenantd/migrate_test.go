package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestMigrateFansOutIsolatesFailuresAndResumes drives `tenantd migrate` over
// provisioned tenants with one of them broken.
func TestMigrateFansOutIsolatesFailuresAndResumes(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "0001_items.sql"), []byte("CREATE TABLE items (id int PRIMARY KEY);"), 0o644))
	t.Setenv("DATABASE_URL", url)
	t.Setenv("TENANCY_TENANT_MIGRATIONS", dir)

	db, err := postgres.Open(context.Background(), url, postgres.PoolOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	reg := postgres.NewRegistry(db, "tenancy", nil)
	sets, err := schema.NewSets(schema.StandardSets(dir)...)
	require.NoError(t, err)
	prov, err := schema.NewProvisioner(db, reg, sets, schema.Options{})
	require.NoError(t, err)
	svc := tenants.NewService(reg, prov, nil, nil)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		tn, err := svc.Create(ctx, ports.CreateParams{Slug: fmt.Sprintf("cli-%d", i), Name: "CLI"})
		require.NoError(t, err)
		_, err = svc.Provision(ctx, tn.ID, "test")
		require.NoError(t, err)
	}

	code, out, errOut := runCLI(t, "migrate", "--json")
	require.Equal(t, 0, code, errOut)
	var summary schema.Summary
	require.NoError(t, json.Unmarshal([]byte(out), &summary))
	require.Equal(t, 5, summary.Tenants)
	require.Equal(t, 5, summary.UpToDate)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "0002_items_name.sql"), []byte("ALTER TABLE items ADD COLUMN name text;"), 0o644))
	_, err = db.DB.Exec("DROP TABLE tenant_cli_3.items")
	require.NoError(t, err)

	code, out, errOut = runCLI(t, "migrate", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "5 behind")
	require.Contains(t, out, "cli-3: 1 pending (tenant/0002_items_name.sql)")
	code, out, _ = runCLI(t, "migrate", "status", "--json")
	require.Equal(t, 0, code)
	var status struct{ Behind int }
	require.NoError(t, json.Unmarshal([]byte(out), &status))
	require.Equal(t, 5, status.Behind, "a dry run changed nothing")

	_, err = db.DB.Exec("CREATE TABLE public.audit (id int); CREATE TABLE tenant_cli_1.audit (id int)")
	require.NoError(t, err)
	code, out, _ = runCLI(t, "migrate", "status")
	require.Equal(t, 0, code)
	require.Contains(t, out, "tenant_cli_1.audit of tenant cli-1 shadows public.audit", "existing shadowing is reported")
	_, err = db.DB.Exec("DROP TABLE tenant_cli_1.audit")
	require.NoError(t, err)

	code, out, _ = runCLI(t, "migrate", "--json", "--concurrency", "2")
	require.Equal(t, 1, code, "a failed tenant makes the exit code non-zero")
	summary = schema.Summary{}
	require.NoError(t, json.Unmarshal([]byte(out), &summary))
	require.Equal(t, 4, summary.Migrated)
	require.Len(t, summary.Failed, 1)
	require.Equal(t, "cli-3", summary.Failed[0].Slug)
	require.Contains(t, summary.Failed[0].Error, "0002_items_name.sql")

	_, err = db.DB.Exec("CREATE TABLE tenant_cli_3.items (id int PRIMARY KEY)")
	require.NoError(t, err)
	code, out, errOut = runCLI(t, "migrate")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "1 migrated, 4 up to date, 0 failed")

	code, _, errOut = runCLI(t, "migrate", "--concurrency", "0")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--concurrency")
}
