package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

type bundle struct {
	db  *bun.DB
	now func() time.Time
}

// setup returns a registry on a fresh database and a clock that moves one
// millisecond per reading, so creation times are distinct and ordered.
func setup(t *testing.T) (*postgres.Registry, *bundle) {
	t.Helper()
	db := pgtest.DB(t)
	var mu sync.Mutex
	clock := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}
	return postgres.NewRegistry(db, pgtest.RegistrySchema, now), &bundle{db: db, now: now}
}

func createChange(t *testing.T, b *bundle, slug, name string) core.Change {
	t.Helper()
	change, err := core.DecideCreate(core.CreateInput{
		ID: uuid.NewString(), Slug: slug, Name: name,
		Settings: core.Settings{"features": map[string]any{"sso": true}}, Actor: "alice",
	}, b.now())
	require.NoError(t, err)
	return change
}

func create(t *testing.T, reg *postgres.Registry, b *bundle, slug string) core.Tenant {
	t.Helper()
	tenant, err := reg.Create(context.Background(), createChange(t, b, slug, "Tenant "+slug))
	require.NoError(t, err)
	return tenant
}

func requireKind(t *testing.T, err error, kind ports.Kind, field string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, kind, ports.KindOf(err), "error: %v", err)
	if field != "" {
		var pe *ports.Error
		require.True(t, errors.As(err, &pe), "want a *ports.Error, got %T: %v", err, err)
		require.Equal(t, field, pe.Field)
	}
}

func countEvents(t *testing.T, db *bun.DB, tenantID string) int {
	t.Helper()
	n, err := db.NewSelect().TableExpr("tenancy.tenant_events").Where("tenant_id = ?", tenantID).Count(context.Background())
	require.NoError(t, err)
	return int(n)
}

func TestCreateStoresTheTenantAndItsEvent(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	change := createChange(t, b, "acme-corp", "Acme Corp")

	created, err := reg.Create(ctx, change)
	require.NoError(t, err)
	require.Equal(t, change.Tenant.ID, created.ID)
	require.Equal(t, "tenant_acme_corp", created.SchemaName)
	require.Equal(t, core.StatusActive, created.Status)
	require.Equal(t, int64(1), created.Version)
	require.Equal(t, time.UTC, created.CreatedAt.Location())
	require.True(t, created.CreatedAt.Equal(change.Tenant.CreatedAt))
	require.Equal(t, core.Settings{"features": map[string]any{"sso": true}}, created.Settings)

	got, err := reg.Get(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, created, got)
	bySlug, err := reg.GetBySlug(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, created, bySlug)

	events, err := reg.Events(ctx, ports.EventListParams{TenantID: created.ID})
	require.NoError(t, err)
	require.Len(t, events.Items, 1)
	e := events.Items[0]
	require.Equal(t, core.ActionCreate, e.Action)
	require.Equal(t, core.Status(""), e.From)
	require.Equal(t, core.StatusActive, e.To)
	require.Equal(t, "alice", e.Actor)
	require.Equal(t, created.ID, e.TenantID)

	var fromNull bool
	require.NoError(t, b.db.NewSelect().TableExpr("tenancy.tenant_events").ColumnExpr("from_status IS NULL").
		Where("tenant_id = ?", created.ID).Scan(ctx, &fromNull))
	require.True(t, fromNull, "the create event's from_status must be NULL")
}

func TestFiftyConcurrentCreatesOfOneSlugYieldOneTenant(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	const n = 50
	changes := make([]core.Change, n)
	for i := range changes {
		changes[i] = createChange(t, b, "same-slug", fmt.Sprintf("Racer %d", i))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = reg.Create(ctx, changes[i])
		}()
	}
	close(start)
	wg.Wait()

	successes := 0
	for _, err := range errs {
		if err == nil {
			successes++
			continue
		}
		requireKind(t, err, ports.KindConflict, "slug")
		require.Equal(t, `slug: a tenant with slug "same-slug" already exists`, ports.PublicMessage(err))
	}
	require.Equal(t, 1, successes)
	count, err := b.db.NewSelect().TableExpr("tenancy.tenants").Where("slug = ?", "same-slug").Count(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), count)
	events, err := b.db.NewSelect().TableExpr("tenancy.tenant_events").Count(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), events, "a refused create must leave no event")
}

func TestCreateRefusesATakenSchemaName(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	first := create(t, reg, b, "first")
	change := createChange(t, b, "second", "Second")
	change.Tenant.SchemaName = first.SchemaName

	_, err := reg.Create(context.Background(), change)
	requireKind(t, err, ports.KindConflict, "schemaName")
}

func TestGetOfAnUnknownTenantIsNotFound(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	create(t, reg, b, "known")

	cases := map[string]func() error{
		"an unknown id":   func() error { _, err := reg.Get(ctx, uuid.NewString()); return err },
		"a malformed id":  func() error { _, err := reg.Get(ctx, "not-a-uuid'; --"); return err },
		"an empty id":     func() error { _, err := reg.Get(ctx, ""); return err },
		"an unknown slug": func() error { _, err := reg.GetBySlug(ctx, "unknown"); return err },
		"an update of an unknown id": func() error {
			_, err := reg.Update(ctx, ports.UpdateParams{ID: uuid.NewString(), Decide: suspendBy("bob", b.now)})
			return err
		},
		"the events of a malformed id": func() error {
			_, err := reg.Events(ctx, ports.EventListParams{TenantID: "nope"})
			return err
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			requireKind(t, call(), ports.KindNotFound, "")
		})
	}
	_, err := reg.GetBySlug(ctx, "unknown")
	require.Equal(t, `no tenant with slug "unknown"`, ports.PublicMessage(err))
}

func suspendBy(actor string, now func() time.Time) ports.Decide {
	return func(t core.Tenant) (core.Change, error) { return core.DecideSuspend(t, actor, now()) }
}

func decide(action core.Action, actor string, now func() time.Time) ports.Decide {
	return func(t core.Tenant) (core.Change, error) { return core.Decide(action, t, actor, now()) }
}

func TestEveryLifecycleChangeLeavesExactlyOneEvent(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	tenant := create(t, reg, b, "lifecycle")
	name := "Renamed"

	steps := []struct {
		name   string
		decide ports.Decide
		action core.Action
		from   core.Status
		to     core.Status
		actor  string
	}{
		{"an update keeps the status", func(t core.Tenant) (core.Change, error) {
			return core.DecideUpdate(t, core.UpdateInput{Name: &name, Actor: "bob"}, b.now())
		}, core.ActionUpdate, core.StatusActive, core.StatusActive, "bob"},
		{"a suspend", decide(core.ActionSuspend, "carol", b.now), core.ActionSuspend, core.StatusActive, core.StatusSuspended, "carol"},
		{"an activate without a schema", decide(core.ActionActivate, "dave", b.now), core.ActionActivate, core.StatusSuspended, core.StatusActive, "dave"},
		{"a delete", decide(core.ActionDelete, "erin", b.now), core.ActionDelete, core.StatusActive, core.StatusDeleted, "erin"},
	}
	version := tenant.Version
	for i, step := range steps {
		updated, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, ExpectedVersion: version, Decide: step.decide})
		require.NoError(t, err, step.name)
		require.Equal(t, version+1, updated.Version, step.name)
		require.Equal(t, step.to, updated.Status, step.name)
		version = updated.Version
		require.Equal(t, i+2, countEvents(t, b.db, tenant.ID), step.name)

		page, err := reg.Events(ctx, ports.EventListParams{TenantID: tenant.ID, Limit: 1})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		e := page.Items[0]
		require.Equal(t, step.action, e.Action, step.name)
		require.Equal(t, step.from, e.From, step.name)
		require.Equal(t, step.to, e.To, step.name)
		require.Equal(t, step.actor, e.Actor, step.name)
	}
	got, err := reg.Get(ctx, tenant.ID)
	require.NoError(t, err)
	require.Equal(t, "Renamed", got.Name)
	require.NotNil(t, got.DeletedAt)

	page, err := reg.Events(ctx, ports.EventListParams{TenantID: tenant.ID})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"fields": []any{"name"}}, page.Items[3].Details)

	t.Run("a refused transition writes nothing", func(t *testing.T) {
		_, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, Decide: decide(core.ActionSuspend, "x", b.now)})
		var te *core.TransitionError
		require.ErrorAs(t, err, &te, "the decision's error comes back unchanged")
		require.Equal(t, ports.KindConflict, ports.KindOf(err))
		after, err := reg.Get(ctx, tenant.ID)
		require.NoError(t, err)
		require.Equal(t, got, after)
		require.Equal(t, 5, countEvents(t, b.db, tenant.ID))
	})
	t.Run("a no-op decision writes nothing", func(t *testing.T) {
		unchanged, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, Decide: decide(core.ActionDeprovision, "x", b.now)})
		require.NoError(t, err)
		require.Equal(t, got, unchanged)
		require.Equal(t, 5, countEvents(t, b.db, tenant.ID))
	})
}

func TestUpdateWithAStaleVersionChangesNothing(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	tenant := create(t, reg, b, "stale")
	renamed := "Fresh"
	moved, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, ExpectedVersion: 1, Decide: func(t core.Tenant) (core.Change, error) {
		return core.DecideUpdate(t, core.UpdateInput{Name: &renamed, Actor: "bob"}, b.now())
	}})
	require.NoError(t, err)
	require.Equal(t, int64(2), moved.Version)

	called := false
	_, err = reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, ExpectedVersion: 1, Decide: func(t core.Tenant) (core.Change, error) {
		called = true
		return core.DecideSuspend(t, "bob", b.now())
	}})
	requireKind(t, err, ports.KindPreconditionFailed, "")
	require.Equal(t, "tenant stale is at version 2, you sent 1; re-read it and retry", ports.PublicMessage(err))
	require.False(t, called, "the decision must not run on a stale version")
	after, err := reg.Get(ctx, tenant.ID)
	require.NoError(t, err)
	require.Equal(t, moved, after)
	require.Equal(t, 2, countEvents(t, b.db, tenant.ID))
}

func TestUpdateTxRollsBackWithTheCallersTransaction(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	tenant := create(t, reg, b, "rollback")
	errLater := errors.New("a later step of the caller failed")

	err := b.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		locked, err := reg.GetForUpdateTx(ctx, tx, tenant.ID)
		require.NoError(t, err)
		require.Equal(t, tenant, locked)
		suspended, err := reg.UpdateTx(ctx, tx, ports.UpdateParams{ID: tenant.ID, Decide: suspendBy("bob", b.now)})
		require.NoError(t, err)
		require.Equal(t, core.StatusSuspended, suspended.Status)
		return errLater
	})
	require.ErrorIs(t, err, errLater)

	after, err := reg.Get(ctx, tenant.ID)
	require.NoError(t, err)
	require.Equal(t, tenant, after)
	require.Equal(t, 1, countEvents(t, b.db, tenant.ID))

	_, err = reg.GetForUpdateTx(ctx, mustBegin(t, b.db), "malformed")
	requireKind(t, err, ports.KindNotFound, "")
}

func mustBegin(t *testing.T, db *bun.DB) bun.Tx {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

func TestCountByStatus(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	for _, slug := range []string{"c1", "c2", "c3"} {
		create(t, reg, b, slug)
	}
	c3, err := reg.GetBySlug(ctx, "c3")
	require.NoError(t, err)
	_, err = reg.Update(ctx, ports.UpdateParams{ID: c3.ID, Decide: suspendBy("bob", b.now)})
	require.NoError(t, err)

	counts, err := reg.CountByStatus(ctx)
	require.NoError(t, err)
	require.Equal(t, map[core.Status]int64{
		core.StatusActive: 2, core.StatusSuspended: 1, core.StatusProvisioned: 0, core.StatusDeleted: 0,
	}, counts)
}

func TestSchemaIsTheConfiguredOne(t *testing.T) {
	t.Parallel()
	require.Equal(t, "tenancy", postgres.NewRegistry(nil, "", nil).Schema())
	require.Equal(t, "other", postgres.NewRegistry(nil, "other", nil).Schema())
}
