package resolve_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestListenerInvalidatesAcrossInstancesAndSurvivesALostConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	db, err := postgres.Open(ctx, dbURL, postgres.PoolOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	insertTenant(t, db.DB, acmeID, "acme", core.StatusProvisioned)

	cache := resolve.NewCache(sqlLookup(db.DB), resolve.CacheOptions{TTL: time.Hour})
	l := resolve.NewListener(dbURL, cache, zaptest.NewLogger(t))
	require.NoError(t, l.Start(ctx))
	t.Cleanup(l.Stop)

	// Another instance's write: a separate connection changes the row and
	// announces it, as the registry does on commit.
	other, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	change := func(status core.Status, notify bool) {
		t.Helper()
		_, err := other.Exec(ctx, `UPDATE tenancy.tenants SET status = $1, version = version + 1 WHERE id = $2`, string(status), acmeID)
		require.NoError(t, err)
		if notify {
			_, err = other.Exec(ctx, `SELECT pg_notify($1, $2)`, ports.ChangeChannel, acmeID)
			require.NoError(t, err)
		}
	}
	statusIs := func(want core.Status) func() bool {
		return func() bool {
			got, err := cache.Get(ctx, "acme")
			return err == nil && got.Status == want
		}
	}

	got, err := cache.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, core.StatusProvisioned, got.Status)

	change(core.StatusSuspended, true)
	require.Eventually(t, statusIs(core.StatusSuspended), time.Second, 10*time.Millisecond,
		"a NOTIFY drops the cached tenant")

	// A change whose notification is lost while the listener is cut off.
	change(core.StatusProvisioned, false)
	got, err = cache.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, core.StatusSuspended, got.Status, "without a notification the cache still holds the old state")
	pid := l.BackendPID()
	require.NotZero(t, pid)
	var terminated bool
	require.NoError(t, other.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&terminated))
	require.True(t, terminated)

	require.Eventually(t, func() bool { p := l.BackendPID(); return p != 0 && p != pid }, 10*time.Second, 10*time.Millisecond,
		"the listener reconnects")
	require.Eventually(t, statusIs(core.StatusProvisioned), time.Second, 10*time.Millisecond,
		"after reconnecting the whole cache is dropped, so a missed change shows")

	change(core.StatusDeleted, true)
	require.Eventually(t, statusIs(core.StatusDeleted), time.Second, 10*time.Millisecond,
		"notifications are heard again on the new connection")
}

func TestListenerStartFailsWithoutADatabase(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, err := url.Parse(pgtest.AdminURL(t))
	require.NoError(t, err)
	u.Path = "/no_such_database_here"
	l := resolve.NewListener(u.String(), resolve.NewCache(fixtures(), resolve.CacheOptions{}), nil)
	require.Error(t, l.Start(ctx))
	l.Stop() // harmless when never started
}
