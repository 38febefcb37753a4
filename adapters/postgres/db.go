// Package postgres holds the PostgreSQL adapters: the connection pool, the
// registry schema's migrations, the tenant registry, the provisioner and the
// tenant scope.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// PoolOptions sizes the connection pool.
type PoolOptions struct {
	MaxOpenConns int
	MaxIdleConns int
}

// Open connects to url and returns a bun.DB over the pgx driver.
//
// Statements run in pgx's exec mode (one round trip, no client-side prepared
// statement cache): the same SQL text means different tables in different
// tenant schemas, and a cached statement would be planned against the wrong
// one ("cached plan must not change result type").
func Open(ctx context.Context, url string, opts PoolOptions) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "tenancy"
	}
	sqldb := stdlib.OpenDB(*cfg)
	if opts.MaxOpenConns > 0 {
		sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	}
	if opts.MaxIdleConns > 0 {
		sqldb.SetMaxIdleConns(opts.MaxIdleConns)
	}
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	return db, nil
}
