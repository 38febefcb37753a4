package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestACommittedChangeIsAnnouncedAndARolledBackOneIsNot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.Open(ctx, url, postgres.PoolOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	var mu sync.Mutex
	clock := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	b := &bundle{db: db, now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}}
	reg := postgres.NewRegistry(db, pgtest.RegistrySchema, b.now)
	rolledBack := create(t, reg, b, "rolled-back")
	committed := create(t, reg, b, "committed")

	listener, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = listener.Close(context.Background()) })
	_, err = listener.Exec(ctx, "LISTEN "+ports.ChangeChannel)
	require.NoError(t, err)

	errAbort := errors.New("abort")
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := reg.UpdateTx(ctx, tx, ports.UpdateParams{ID: rolledBack.ID, Decide: suspendBy("bob", b.now)})
		require.NoError(t, err)
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	_, err = reg.Update(ctx, ports.UpdateParams{ID: committed.ID, Decide: suspendBy("bob", b.now)})
	require.NoError(t, err)

	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := listener.WaitForNotification(waitCtx)
	require.NoError(t, err)
	require.Equal(t, ports.ChangeChannel, n.Channel)
	require.Equal(t, committed.ID, n.Payload, "only the committed change is announced")
}
