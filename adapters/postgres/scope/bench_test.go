package scope_test

import (
	"context"
	"testing"

	"github.com/tenancyhq/tenancy/adapters/postgres/scope"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

// BenchmarkScope compares a scoped SELECT 1 (BEGIN and SET LOCAL in one
// round trip, then the query, then COMMIT) with a plain database/sql
// transaction running the same query (BEGIN, query, COMMIT).
func BenchmarkScope(b *testing.B) {
	db := pgtest.DB(b)
	db.SetMaxOpenConns(1)
	tn := tenant("bench")
	_, err := db.DB.Exec("CREATE SCHEMA " + core.QuoteIdent(tn.SchemaName))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := scope.New(db, nil, scope.Options{})

	b.Run("scoped", func(b *testing.B) {
		for b.Loop() {
			err := s.Run(ctx, tn, func(ctx context.Context, tx ports.Tx) error {
				var one int
				return tx.QueryRowContext(ctx, "SELECT 1").Scan(&one)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain-tx", func(b *testing.B) {
		for b.Loop() {
			tx, err := db.DB.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
