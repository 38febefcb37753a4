package scope_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres/scope"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// tenant returns a provisioned tenant value for slug; the scope trusts it
// because no lookup is configured.
func tenant(slug string) core.Tenant {
	name, err := core.SchemaName(slug)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	return core.Tenant{ID: slug, Slug: slug, Name: slug, SchemaName: name, Status: core.StatusProvisioned, ProvisionedAt: &now}
}

// createSchema makes t's schema with the given DDL run inside it.
func createSchema(t *testing.T, db *bun.DB, tn core.Tenant, ddl string) {
	t.Helper()
	q := core.QuoteIdent(tn.SchemaName)
	_, err := db.DB.ExecContext(context.Background(),
		"BEGIN; CREATE SCHEMA "+q+"; SET LOCAL search_path TO "+q+"; "+ddl+"; COMMIT")
	require.NoError(t, err)
}

// defaultSearchPath is what a pooled connection must show outside any scope.
func searchPath(t *testing.T, db *bun.DB) string {
	t.Helper()
	var path string
	require.NoError(t, db.DB.QueryRowContext(context.Background(), "SHOW search_path").Scan(&path))
	return path
}

func TestRunRefusesUnusableTenants(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	s := scope.New(db, nil, scope.Options{})
	cases := []struct {
		name   string
		status core.Status
		kind   ports.Kind
	}{
		{"an active tenant is not provisioned yet", core.StatusActive, ports.KindConflict},
		{"a suspended tenant is forbidden", core.StatusSuspended, ports.KindForbidden},
		{"a deleted tenant is gone", core.StatusDeleted, ports.KindGone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tn := tenant("acme")
			tn.Status = tc.status // the schema name is still set: it must not be pinned
			called := false
			err := s.Run(context.Background(), tn, func(context.Context, ports.Tx) error {
				called = true
				return nil
			})
			require.Error(t, err)
			require.Equal(t, tc.kind, ports.KindOf(err), err.Error())
			require.False(t, called)
		})
	}
}

func TestRunRefusesAnUnsafeSchemaName(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	tn.SchemaName = `tenant_x"; DROP SCHEMA public; --`
	err := scope.New(db, nil, scope.Options{}).Run(context.Background(), tn, func(context.Context, ports.Tx) error {
		t.Fatal("fn must not run")
		return nil
	})
	require.Error(t, err)
	require.NotContains(t, ports.PublicMessage(err), "DROP")
}

func TestRunGatesOnTheLookedUpState(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	lookup := func(context.Context, string) (core.Tenant, error) {
		fresh := tn
		fresh.Status = core.StatusSuspended
		return fresh, nil
	}
	err := scope.New(db, lookup, scope.Options{}).Run(context.Background(), tn, func(context.Context, ports.Tx) error { return nil })
	require.Equal(t, ports.KindForbidden, ports.KindOf(err))
}

type customError struct{ code int }

func (e *customError) Error() string { return fmt.Sprintf("custom %d", e.code) }

func TestRunReturnsTheFunctionsErrorUnchangedAndRollsBack(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	ctx := context.Background()

	sentinel := errors.New("sentinel")
	err := s.Run(ctx, tn, func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO items VALUES (1)")
		require.NoError(t, err)
		return fmt.Errorf("wrapped: %w", sentinel)
	})
	require.ErrorIs(t, err, sentinel)

	custom := &customError{code: 7}
	err = s.Run(ctx, tn, func(context.Context, ports.Tx) error { return custom })
	var got *customError
	require.ErrorAs(t, err, &got)
	require.Same(t, custom, got)

	require.Equal(t, 0, countItems(t, db, tn))
	require.Equal(t, `"$user", public`, searchPath(t, db))
}

func TestRunCommitsAndSeesSharedTables(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	_, err := db.DB.Exec("CREATE TABLE public.plans (name text); INSERT INTO public.plans VALUES ('gold')")
	require.NoError(t, err)
	s := scope.New(db, nil, scope.Options{})
	var plan, path string
	err = s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO items VALUES ($1)", 42); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT name FROM plans").Scan(&plan); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SHOW search_path").Scan(&path)
	})
	require.NoError(t, err)
	require.Equal(t, "gold", plan)
	require.Equal(t, `tenant_acme, public`, path)
	require.Equal(t, 1, countItems(t, db, tn))
}

func TestRunWithoutSharedSchemasPinsOnlyTheTenantSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	var path string
	err := scope.New(db, nil, scope.Options{SharedSchemas: []string{}}).Run(context.Background(), tn,
		func(ctx context.Context, tx ports.Tx) error {
			return tx.QueryRowContext(ctx, "SHOW search_path").Scan(&path)
		})
	require.NoError(t, err)
	require.Equal(t, "tenant_acme", path)
}

func TestRunRefusesUnsafeSharedSchemasBeforeAnySQL(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	// Another tenant's schema on the path would let acme's code read its
	// tables; a system schema or a stray name has no place there either.
	for _, shared := range [][]string{{"tenant_other"}, {"pg_temp"}, {"public", ""}, {"Public"}} {
		called := false
		err := scope.New(db, nil, scope.Options{SharedSchemas: shared}).Run(context.Background(), tn,
			func(context.Context, ports.Tx) error { called = true; return nil })
		require.Equal(t, ports.KindInternal, ports.KindOf(err), "%q", shared)
		require.False(t, called)
	}
	require.Equal(t, `"$user", public`, searchPath(t, db))
}

func TestRunRollsBackOnPanicAndRepanics(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	require.PanicsWithValue(t, "boom", func() {
		_ = s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO items VALUES (1)")
			require.NoError(t, err)
			panic("boom")
		})
	})
	require.Equal(t, 0, countItems(t, db, tn))
	require.Equal(t, `"$user", public`, searchPath(t, db))
}

func TestRunDoesNotLeakAnAbortedTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	err := s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
		_, _ = tx.ExecContext(ctx, "INSERT INTO items VALUES (1)")
		_, swallowed := tx.ExecContext(ctx, "SELECT * FROM no_such_table")
		require.Error(t, swallowed)
		return nil // the function ignores the failure
	})
	require.Error(t, err, "an aborted transaction must not look committed")
	require.Equal(t, ports.KindInternal, ports.KindOf(err))
	require.Equal(t, 0, countItems(t, db, tn))
	require.Equal(t, `"$user", public`, searchPath(t, db))
}

func TestRunUndoesASessionSetOfTheFunction(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	err := s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
		// Ends the scope's transaction and opens another with a session SET.
		_, err := tx.ExecContext(ctx, "COMMIT; BEGIN; SET search_path TO tenant_acme")
		return err
	})
	require.NoError(t, err, "the scope committed the function's new transaction")
	require.Equal(t, `"$user", public`, searchPath(t, db), "a session SET must not reach the pool")

	err = s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.ExecContext(ctx, "COMMIT; SET search_path TO tenant_acme")
		return err
	})
	require.Equal(t, ports.KindInternal, ports.KindOf(err), "ending the scope's transaction is refused")
	require.Equal(t, `"$user", public`, searchPath(t, db), "a session SET must not reach the pool")
}

func TestRunCancelledMidQueryLeavesThePoolClean(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.Run(ctx, tn, func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO items VALUES (1)")
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "SELECT pg_sleep(5)")
		return err
	})
	require.Error(t, err)
	require.Equal(t, 0, countItems(t, db, tn))
	require.Equal(t, `"$user", public`, searchPath(t, db))
}

func TestRunCurrentUsesTheContextsTenant(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int); INSERT INTO items VALUES (5)")
	s := scope.New(db, nil, scope.Options{})

	err := s.RunCurrent(context.Background(), func(context.Context, ports.Tx) error { return nil })
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))

	var id int
	err = s.RunCurrent(ports.WithTenant(context.Background(), tn), func(ctx context.Context, tx ports.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT id FROM items").Scan(&id)
	})
	require.NoError(t, err)
	require.Equal(t, 5, id)
}

func TestBunRunsInTheScopedTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	tn := tenant("acme")
	createSchema(t, db, tn, "CREATE TABLE items (id int)")
	s := scope.New(db, nil, scope.Options{})
	err := s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
		idb, ok := scope.Bun(tx)
		require.True(t, ok)
		if _, err := idb.NewRaw("INSERT INTO items VALUES (?)", 3).Exec(ctx); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
			return err
		}
		require.Equal(t, 1, n, "bun's insert is visible to the plain view: same transaction")
		return errors.New("roll back")
	})
	require.Error(t, err)
	require.Equal(t, 0, countItems(t, db, tn))
}

// TestSameSQLTextInTwoTenants is the prepared-statement trap: one pooled
// connection runs the same text against tables of different shapes.
func TestSameSQLTextInTwoTenants(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	a, b := tenant("alpha"), tenant("beta")
	createSchema(t, db, a, "CREATE TABLE items (id int, name text); INSERT INTO items VALUES (1, 'a-one')")
	createSchema(t, db, b, "CREATE TABLE items (id int, price numeric, note text); INSERT INTO items VALUES (1, 9.5, 'b-one')")
	s := scope.New(db, nil, scope.Options{})
	columnsOf := func(tn core.Tenant) []string {
		var cols []string
		err := s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
			rows, err := tx.QueryContext(ctx, "SELECT * FROM items WHERE id = $1", 1)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, err = rows.Columns()
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Err()
		})
		require.NoError(t, err)
		return cols
	}
	for range 3 {
		require.Equal(t, []string{"id", "name"}, columnsOf(a))
		require.Equal(t, []string{"id", "price", "note"}, columnsOf(b))
	}
}

func countItems(t *testing.T, db *bun.DB, tn core.Tenant) int {
	t.Helper()
	var n int
	require.NoError(t, db.DB.QueryRowContext(context.Background(),
		"SELECT count(*) FROM "+core.QuoteIdent(tn.SchemaName)+".items").Scan(&n))
	return n
}

// TestIsolationUnderConcurrency writes and reads random tenants from many
// goroutines over a small pool: every read sees exactly its tenant's rows.
func TestIsolationUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(4)
	const tenants, workers, opsPerWorker = 20, 8, 60
	all := make([]core.Tenant, tenants)
	for i := range all {
		all[i] = tenant(fmt.Sprintf("iso-%02d", i))
		createSchema(t, db, all[i], "CREATE TABLE items (id serial PRIMARY KEY, owner text NOT NULL)")
	}
	s := scope.New(db, nil, scope.Options{})
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	var mu sync.Mutex
	written := make(map[string]int)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range opsPerWorker {
				tn := all[rng.IntN(tenants)]
				write := rng.IntN(2) == 0
				fail := rng.IntN(5) == 0
				err := s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
					if write {
						if _, err := tx.ExecContext(ctx, "INSERT INTO items (owner) VALUES ($1)", tn.Slug); err != nil {
							return err
						}
					}
					rows, err := tx.QueryContext(ctx, "SELECT owner FROM items")
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var owner string
						if err := rows.Scan(&owner); err != nil {
							return err
						}
						if owner != tn.Slug {
							return fmt.Errorf("tenant %s read a row of %s", tn.Slug, owner)
						}
					}
					if err := rows.Err(); err != nil {
						return err
					}
					if fail {
						return errRollback
					}
					return nil
				})
				if err != nil && !errors.Is(err, errRollback) {
					errs <- err
					return
				}
				if write && !fail {
					mu.Lock()
					written[tn.Slug]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, tn := range all {
		require.Equal(t, written[tn.Slug], countItems(t, db, tn), tn.Slug)
	}
}

var errRollback = errors.New("deliberate rollback")

// TestEveryScopedCallLeavesTheDefaultSearchPath checks, on the one pooled
// connection, that no call outcome leaves the tenant's path behind.
func TestEveryScopedCallLeavesTheDefaultSearchPath(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	db.SetMaxOpenConns(1)
	tns := []core.Tenant{tenant("one"), tenant("two"), tenant("three")}
	for _, tn := range tns {
		createSchema(t, db, tn, "CREATE TABLE items (id int)")
	}
	s := scope.New(db, nil, scope.Options{})
	want := searchPath(t, db)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		tn := tns[rng.IntN(len(tns))]
		outcome := rng.IntN(4)
		func() {
			defer func() { _ = recover() }()
			_ = s.Run(context.Background(), tn, func(ctx context.Context, tx ports.Tx) error {
				_, _ = tx.ExecContext(ctx, "INSERT INTO items VALUES ($1)", i)
				switch outcome {
				case 1:
					return errRollback
				case 2:
					_, _ = tx.ExecContext(ctx, "SELECT broken syntax here")
				case 3:
					panic("boom")
				}
				return nil
			})
		}()
		require.Equal(t, want, searchPath(t, db), "after call %d (outcome %d)", i, outcome)
	}
}
