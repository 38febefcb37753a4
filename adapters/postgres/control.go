package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/migrations"
)

// MigrateControl creates the registry schema and applies its pending
// migrations, in one transaction under an advisory lock, so several
// instances starting at once apply each migration exactly once. An applied
// migration whose file changed since is reported by file name.
func MigrateControl(ctx context.Context, db *sql.DB, schema string) (applied []string, err error) {
	quoted := core.QuoteIdent(schema)
	files, err := migrations.Load(migrations.Control())
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate registry: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	steps := []struct {
		sql  string
		args []any
	}{
		{"SELECT pg_advisory_xact_lock(hashtext('tenancy.control'), hashtext($1))", []any{schema}},
		{"CREATE SCHEMA IF NOT EXISTS " + quoted, nil},
		{"SELECT set_config('search_path', $1, true)", []any{quoted}},
		{`CREATE TABLE IF NOT EXISTS schema_migrations (
			version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`, nil},
	}
	for _, step := range steps {
		if _, err = tx.ExecContext(ctx, step.sql, step.args...); err != nil {
			return nil, fmt.Errorf("migrate registry schema %s: %w", schema, err)
		}
	}
	done := map[int64]string{}
	rows, err := tx.QueryContext(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read registry migrations: %w", err)
	}
	for rows.Next() {
		var v int64
		var sum string
		if err = rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = sum
	}
	rows.Close()
	for _, m := range files {
		if sum, ok := done[m.Version]; ok {
			if sum != m.Checksum {
				return nil, fmt.Errorf("registry migration %s changed after it was applied; restore it and add a new migration instead", m.Name)
			}
			continue
		}
		if _, err = tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("registry migration %s: %w", m.Name, err)
		}
		if _, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.Version, m.Name, m.Checksum); err != nil {
			return nil, fmt.Errorf("record registry migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Name)
	}
	if err = tx.Commit(); err != nil {
		return nil, fmt.Errorf("migrate registry: %w", err)
	}
	return applied, nil
}
