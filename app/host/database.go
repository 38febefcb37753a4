package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/adapters/pglocal"
	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/config"
)

// localDatabase is the database tenantd uses on the local PostgreSQL.
const localDatabase = "tenancy"

// DatabaseURL is the URL the process connects to: DATABASE_URL, or the
// local PostgreSQL's when it runs in dev mode.
type DatabaseURL string

// NewDatabaseURL starts the local PostgreSQL in dev mode (stopped when the
// app stops) and returns the URL to use.
func NewDatabaseURL(lc fx.Lifecycle, cfg config.Config, log *zap.Logger) (DatabaseURL, error) {
	if !cfg.DevMode() {
		return DatabaseURL(cfg.DatabaseURL), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	started := time.Now()
	srv, err := pglocal.Start(ctx, pglocal.Options{DataDir: cfg.PGDataDir(), BinDir: cfg.PGBin})
	if err != nil {
		return "", fmt.Errorf("local PostgreSQL: %w", err)
	}
	lc.Append(fx.StopHook(func(ctx context.Context) error { return srv.Stop(ctx) }))
	log.Info("local PostgreSQL started", zap.String("data_dir", srv.DataDir()), zap.Int("port", srv.Port()), zap.Duration("took", time.Since(started)))
	if err := ensureDatabase(ctx, srv.URL("postgres"), localDatabase); err != nil {
		return "", err
	}
	return DatabaseURL(srv.URL(localDatabase)), nil
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to local PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// NewDB opens the pool and brings the registry schema up to date; the pool
// closes when the app stops.
func NewDB(lc fx.Lifecycle, url DatabaseURL, cfg config.Config, log *zap.Logger) (*bun.DB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, string(url), postgres.PoolOptions{MaxOpenConns: 20, MaxIdleConns: 10})
	if err != nil {
		return nil, err
	}
	applied, err := postgres.MigrateControl(ctx, db.DB, cfg.RegistrySchema)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if len(applied) > 0 {
		log.Info("registry migrated", zap.String("schema", cfg.RegistrySchema), zap.Strings("applied", applied))
	}
	lc.Append(fx.StopHook(db.Close))
	return db, nil
}
