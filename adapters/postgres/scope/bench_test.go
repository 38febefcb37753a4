package scope_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tenancyhq/tenancy/adapters/postgres/scope"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

// BenchmarkScope compares a scoped SELECT 1 (BEGIN and SET LOCAL in one
// round trip, then the query, then COMMIT) with a plain database/sql
// transaction running the same query (BEGIN, query, COMMIT). Each iteration
// runs one of each, in turn, on the same single connection, so the ratio of
// their medians is measured under the same conditions.
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
	scoped := func(ctx context.Context, tx ports.Tx) error {
		var one int
		return tx.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	var scopedTimes, plainTimes []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := s.Run(ctx, tn, scoped); err != nil {
			b.Fatal(err)
		}
		scopedTimes = append(scopedTimes, time.Since(start))

		start = time.Now()
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
		plainTimes = append(plainTimes, time.Since(start))
	}
	scopedP50, plainP50 := median(scopedTimes), median(plainTimes)
	b.ReportMetric(float64(scopedP50.Nanoseconds()), "scoped-p50-ns")
	b.ReportMetric(float64(plainP50.Nanoseconds()), "plain-tx-p50-ns")
	b.ReportMetric(float64(scopedP50)/float64(plainP50), "p50-ratio")
}

func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}
