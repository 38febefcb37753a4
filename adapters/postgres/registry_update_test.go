package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/ports"
)

// UpdateLockedTx trusts the caller's row lock, but its write still names
// the version it read: a tenant changed since is refused, not overwritten.
func TestUpdateLockedTxRefusesATenantChangedSinceItWasRead(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	tenant := create(t, reg, b, "stale")
	_, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, Decide: suspendBy("bob", b.now)})
	require.NoError(t, err)
	changed, err := reg.Get(ctx, tenant.ID)
	require.NoError(t, err)

	err = b.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := reg.UpdateLockedTx(ctx, tx, tenant, ports.UpdateParams{ID: tenant.ID, Decide: suspendBy("carol", b.now)})
		return err
	})
	requireKind(t, err, ports.KindPreconditionFailed, "")
	after, err := reg.Get(ctx, tenant.ID)
	require.NoError(t, err)
	require.Equal(t, changed, after)
	require.Equal(t, 2, countEvents(t, b.db, tenant.ID), "no event for the refused write")
}
