package schema

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// dropBatchSize is how many tables one batch transaction drops; with their
// indexes, sequences and TOAST tables that stays far below the lock table.
const dropBatchSize = 100

// Deprovision drops the schema of a deleted tenant and its ledger rows and
// records the deprovision event, in one transaction under the tenant's
// locks; a tenant without a schema is a no-op, so it is idempotent. With a
// backup directory, pg_dump writes the schema there first and the file's path
// is recorded in the event. A schema with more relations than one
// transaction can lock has its tables dropped in batches first, each batch in
// its own transaction that re-checks the tenant is still deleted.
func (p *Provisioner) Deprovision(ctx context.Context, params ports.DeprovisionParams) (ports.DeprovisionResult, error) {
	t, err := p.reg.Get(ctx, params.TenantID)
	if err != nil {
		return ports.DeprovisionResult{}, err
	}
	change, err := core.DecideDeprovision(t, params.Actor, p.clock())
	if err != nil {
		return ports.DeprovisionResult{}, err
	}
	if change.NoOp {
		return ports.DeprovisionResult{SchemaName: t.SchemaName}, nil
	}
	quoted, err := core.QuoteSchema(t.SchemaName)
	if err != nil {
		return ports.DeprovisionResult{}, ports.Wrap(ports.KindInternal, err, "tenant %q has an invalid schema name", t.Slug)
	}
	backup := ""
	if p.opts.BackupDir != "" {
		if backup, err = p.dump(ctx, t); err != nil {
			return ports.DeprovisionResult{}, err
		}
	}
	if err := p.dropInBatches(ctx, t); err != nil {
		return ports.DeprovisionResult{}, err
	}
	res := ports.DeprovisionResult{SchemaName: t.SchemaName, BackupPath: backup}
	err = runInTx(ctx, p.db, "deprovision", func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenantTx(ctx, tx.Tx, t.ID); err != nil {
			return err
		}
		current, err := p.reg.GetForUpdateTx(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		decided, err := core.DecideDeprovision(current, params.Actor, p.clock())
		if err != nil || decided.NoOp {
			return err
		}
		if _, err := tx.Tx.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quoted+" CASCADE"); err != nil {
			return dbError(err, "drop schema "+t.SchemaName)
		}
		if _, err := tx.Tx.ExecContext(ctx, "DELETE FROM "+ledgerTable(p.reg.Schema())+" WHERE tenant_id = $1", t.ID); err != nil {
			return dbError(err, "remove the ledger rows of "+t.Slug)
		}
		_, err = p.reg.UpdateTx(ctx, tx, ports.UpdateParams{ID: t.ID, Decide: func(current core.Tenant) (core.Change, error) {
			ch, err := core.DecideDeprovision(current, params.Actor, decided.Event.At)
			if err != nil || ch.NoOp {
				return ch, err
			}
			details := map[string]any{"schema": t.SchemaName}
			if backup != "" {
				details["backup"] = backup
			}
			ch.Event.Details = details
			return ch, nil
		}})
		if err != nil {
			return err
		}
		res.Dropped = true
		return nil
	})
	if err != nil {
		return ports.DeprovisionResult{}, err
	}
	return res, nil
}

// dropInBatches drops the tables of a large schema a batch per transaction,
// so the final DROP SCHEMA … CASCADE locks few objects. Each batch holds the
// tenant's advisory lock and checks that the tenant is still deleted.
func (p *Provisioner) dropInBatches(ctx context.Context, t core.Tenant) error {
	var objects int
	if err := p.db.DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1`, t.SchemaName).Scan(&objects); err != nil {
		return dbError(err, "count the objects of "+t.SchemaName)
	}
	if objects <= p.opts.BatchDropThreshold {
		return nil
	}
	for {
		dropped := 0
		err := runInTx(ctx, p.db, "drop tables", func(ctx context.Context, tx bun.Tx) error {
			if err := lockTenantTx(ctx, tx.Tx, t.ID); err != nil {
				return err
			}
			current, err := p.reg.GetForUpdateTx(ctx, tx, t.ID)
			if err != nil {
				return err
			}
			if current.Status != core.StatusDeleted {
				return ports.Errorf(ports.KindConflict, "tenant %q is %s again; deprovision stopped", t.Slug, current.Status)
			}
			names, err := tableNames(ctx, tx.Tx, t.SchemaName, dropBatchSize)
			if err != nil || len(names) == 0 {
				return err
			}
			quoted := make([]string, len(names))
			for i, n := range names {
				quoted[i] = core.QuoteIdent(t.SchemaName) + "." + core.QuoteIdent(n)
			}
			if _, err := tx.Tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(quoted, ", ")+" CASCADE"); err != nil {
				return dbError(err, "drop tables of "+t.SchemaName)
			}
			dropped = len(names)
			return nil
		})
		if err != nil {
			return err
		}
		if dropped < dropBatchSize {
			return nil
		}
	}
}

// tableNames returns up to limit names of the tables of schema, plain and
// partitioned (partitions go with their parent): the relations DROP TABLE
// accepts. Materialized views, foreign
// tables, views and sequences that no table owns are left to the final DROP
// SCHEMA … CASCADE; the tables hold nearly all the locks anyway.
func tableNames(ctx context.Context, tx *sql.Tx, schema string, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname LIMIT $2`, schema, limit)
	if err != nil {
		return nil, dbError(err, "list tables of "+schema)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, dbError(err, "list tables of "+schema)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// dump writes a pg_dump of the tenant's schema into the backup directory and
// returns its path. It writes to a temporary name first, so a file with the
// final name is always a complete dump.
func (p *Provisioner) dump(ctx context.Context, t core.Tenant) (string, error) {
	if err := os.MkdirAll(p.opts.BackupDir, 0o700); err != nil {
		return "", ports.Wrap(ports.KindUnavailable, err, "create the backup directory")
	}
	name := fmt.Sprintf("%s-%s.sql", t.SchemaName, p.clock().UTC().Format("20060102T150405Z"))
	path := filepath.Join(p.opts.BackupDir, name)
	tmp := path + ".partial"
	// The schema name passed core.QuoteSchema: lowercase letters, digits and
	// underscores only, so it is no pg_dump pattern.
	cmd := exec.CommandContext(ctx, p.pgDump, "--dbname="+p.opts.DumpURL, "--schema="+t.SchemaName,
		"--no-owner", "--no-privileges", "--file="+tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp)
		return "", ports.Wrap(ports.KindUnavailable, fmt.Errorf("%w: %s", err, out), "back up schema %s before dropping it", t.SchemaName)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", ports.Wrap(ports.KindUnavailable, err, "back up schema %s before dropping it", t.SchemaName)
	}
	return path, nil
}
