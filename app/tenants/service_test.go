package tenants_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	registry *postgres.Registry
	hooks    *hookRecorder
	logs     *observer.ObservedLogs
}

// setup returns a service over a registry on a fresh database, with a clock
// that moves one millisecond per reading and a hook that records its calls.
func setup(t *testing.T, provisioner ports.Provisioner) (*tenants.Service, *bundle) {
	t.Helper()
	var mu sync.Mutex
	clock := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}
	reg := postgres.NewRegistry(pgtest.DB(t), pgtest.RegistrySchema, now)
	hooks := &hookRecorder{}
	logCore, logs := observer.New(zapcore.DebugLevel)
	svc := tenants.NewService(reg, provisioner, now, nil,
		tenants.WithHooks([]ports.TenantHook{hooks.hook("billing"), {Module: "failing",
			Suspended: func(context.Context, ports.TenantRef) error { return errors.New("billing is down") },
			Deleted:   func(context.Context, ports.TenantRef) error { panic("a module bug") },
		}}),
		tenants.WithLogger(zap.New(logCore)))
	return svc, &bundle{registry: reg, hooks: hooks, logs: logs}
}

type hookRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (h *hookRecorder) hook(module string) ports.TenantHook {
	record := func(what string) func(context.Context, ports.TenantRef) error {
		return func(_ context.Context, ref ports.TenantRef) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.calls = append(h.calls, what+" "+ref.Slug+" "+ref.SchemaName)
			return nil
		}
	}
	return ports.TenantHook{Module: module, Suspended: record("suspended"), Activated: record("activated"), Deleted: record("deleted")}
}

func (h *hookRecorder) recorded() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

func requireKind(t *testing.T, err error, kind ports.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, kind, ports.KindOf(err), "error: %v", err)
}

func TestCreateAndGetByIDOrSlug(t *testing.T) {
	t.Parallel()
	svc, b := setup(t, nil)
	ctx := context.Background()

	created, err := svc.Create(ctx, ports.CreateParams{Slug: "acme-corp", Name: " Acme Corp ",
		Settings: core.Settings{"limits": map[string]any{"users": 5}}})
	require.NoError(t, err)
	require.NoError(t, uuid.Validate(created.ID))
	require.Equal(t, "Acme Corp", created.Name)
	require.Equal(t, "tenant_acme_corp", created.SchemaName)
	require.Equal(t, core.StatusActive, created.Status)

	byID, err := svc.Get(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, created, byID)
	bySlug, err := svc.Get(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, created, bySlug)

	events, err := svc.Events(ctx, "acme-corp", ports.EventListParams{})
	require.NoError(t, err)
	require.Len(t, events.Items, 1)
	require.Equal(t, tenants.SystemActor, events.Items[0].Actor, "a change without an actor is the system's")

	_, err = svc.Create(ctx, ports.CreateParams{Slug: "acme-corp", Name: "Again"})
	requireKind(t, err, ports.KindConflict)
	_, err = svc.Create(ctx, ports.CreateParams{Slug: "Bad Slug", Name: ""})
	requireKind(t, err, ports.KindInvalid)

	_, err = b.registry.GetBySlug(ctx, "bad-slug")
	requireKind(t, err, ports.KindNotFound)
	for _, ref := range []string{"unknown", uuid.NewString(), "not a ref"} {
		_, err = svc.Get(ctx, ref)
		requireKind(t, err, ports.KindNotFound)
	}
	_, err = svc.Get(ctx, "")
	requireKind(t, err, ports.KindInvalid)
}

func TestASlugCannotImpersonateAnotherTenantsID(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t, nil)
	ctx := context.Background()
	victim, err := svc.Create(ctx, ports.CreateParams{Slug: "victim", Name: "Victim"})
	require.NoError(t, err)
	_, err = svc.Create(ctx, ports.CreateParams{Slug: victim.ID, Name: "Impostor"})
	requireKind(t, err, ports.KindInvalid)
	_, err = svc.Create(ctx, ports.CreateParams{Slug: uuid.NewString(), Name: "Hex"})
	requireKind(t, err, ports.KindInvalid)
	got, err := svc.Get(ctx, victim.ID)
	require.NoError(t, err)
	require.Equal(t, "victim", got.Slug, "an id names its own tenant")
}

func TestAReferenceThatIsNeitherIDNorSlugIsNotFound(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t, nil)
	for _, ref := range []string{"a\x00b", "UPPER", "café", "-edge", strings.Repeat("x", 101)} {
		_, err := svc.Get(context.Background(), ref)
		requireKind(t, err, ports.KindNotFound)
	}
}

func TestSettingsWithANULCharacterAreRefused(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t, nil)
	ctx := context.Background()
	_, err := svc.Create(ctx, ports.CreateParams{Slug: "nul", Name: "NUL", Settings: core.Settings{"note": "a\x00b"}})
	requireKind(t, err, ports.KindInvalid)
	_, err = svc.Create(ctx, ports.CreateParams{Slug: "nul", Name: "NUL"})
	require.NoError(t, err)
	_, err = svc.Update(ctx, ports.UpdateTenantParams{Ref: "nul", SettingsPatch: []byte(`{"y":"\u0000"}`)})
	requireKind(t, err, ports.KindInvalid)
	_, err = svc.Update(ctx, ports.UpdateTenantParams{Ref: "nul", SettingsPatch: []byte(`{"k\u0000":1}`)})
	requireKind(t, err, ports.KindInvalid)
}

func TestUpdateAppliesAMergePatch(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t, nil)
	ctx := context.Background()
	created, err := svc.Create(ctx, ports.CreateParams{Slug: "patchy", Name: "Patchy", Actor: "alice",
		Settings: core.Settings{"features": map[string]any{"sso": true}, "limits": map[string]any{"users": 5}}})
	require.NoError(t, err)

	name := "Patched"
	updated, err := svc.Update(ctx, ports.UpdateTenantParams{Ref: "patchy", ExpectedVersion: created.Version, Name: &name,
		SettingsPatch: []byte(`{"features":null,"limits":{"projects":3}}`), Actor: "bob"})
	require.NoError(t, err)
	require.Equal(t, "Patched", updated.Name)
	require.Equal(t, core.Settings{"limits": map[string]any{"users": 5.0, "projects": 3.0}}, updated.Settings)
	require.Equal(t, created.Version+1, updated.Version)

	_, err = svc.Update(ctx, ports.UpdateTenantParams{Ref: created.ID, ExpectedVersion: created.Version, Name: &name})
	requireKind(t, err, ports.KindPreconditionFailed)
	_, err = svc.Update(ctx, ports.UpdateTenantParams{Ref: created.ID, SettingsPatch: []byte(`{"limits":{"users":-1}}`)})
	requireKind(t, err, ports.KindInvalid)

	same, err := svc.Update(ctx, ports.UpdateTenantParams{Ref: created.ID, Name: &name})
	require.NoError(t, err)
	require.Equal(t, updated, same, "an update that changes nothing writes nothing")

	events, err := svc.Events(ctx, created.ID, ports.EventListParams{})
	require.NoError(t, err)
	require.Len(t, events.Items, 2)
	require.Equal(t, core.ActionUpdate, events.Items[0].Action)
	require.Equal(t, "bob", events.Items[0].Actor)
}

func TestLifecycleThroughTheServiceRunsTheHooksAfterCommit(t *testing.T) {
	t.Parallel()
	svc, b := setup(t, nil)
	ctx := context.Background()
	created, err := svc.Create(ctx, ports.CreateParams{Slug: "cycle", Name: "Cycle"})
	require.NoError(t, err)

	suspended, err := svc.Suspend(ctx, "cycle", "carol")
	require.NoError(t, err, "a failing hook does not fail the suspend")
	require.Equal(t, core.StatusSuspended, suspended.Status)
	activated, err := svc.Activate(ctx, created.ID, "carol")
	require.NoError(t, err)
	require.Equal(t, core.StatusActive, activated.Status, "a tenant without a schema goes back to active")
	deleted, err := svc.Delete(ctx, "cycle", "")
	require.NoError(t, err, "a panicking hook does not fail the delete")
	require.Equal(t, core.StatusDeleted, deleted.Status)
	require.NotNil(t, deleted.DeletedAt)

	_, err = svc.Suspend(ctx, "cycle", "carol")
	requireKind(t, err, ports.KindConflict)
	_, err = svc.Activate(ctx, "cycle", "carol")
	requireKind(t, err, ports.KindConflict)

	require.Equal(t, []string{
		"suspended cycle tenant_cycle", "activated cycle tenant_cycle", "deleted cycle tenant_cycle",
	}, b.hooks.recorded(), "hooks run once per committed change and never for a refused one")

	failures := b.logs.FilterMessage("tenant hook failed").All()
	require.Len(t, failures, 2)
	require.Equal(t, "failing", failures[0].ContextMap()["module"])
	require.Equal(t, "suspend", failures[0].ContextMap()["action"])
	require.Equal(t, "delete", failures[1].ContextMap()["action"])

	events, err := svc.Events(ctx, "cycle", ports.EventListParams{})
	require.NoError(t, err)
	var actors []string
	for _, e := range events.Items {
		actors = append(actors, string(e.Action)+" by "+e.Actor)
	}
	require.Equal(t, []string{"delete by system", "activate by carol", "suspend by carol", "create by system"}, actors)
}

// fakeProvisioner stands in for the schema provisioner, another port; it
// records what the service asked.
type fakeProvisioner struct{ got []string }

func (f *fakeProvisioner) Provision(_ context.Context, p ports.ProvisionParams) (ports.ProvisionResult, error) {
	f.got = append(f.got, "provision "+p.TenantID+" "+p.Actor)
	return ports.ProvisionResult{SchemaName: "tenant_x"}, nil
}

func (f *fakeProvisioner) Deprovision(_ context.Context, p ports.DeprovisionParams) (ports.DeprovisionResult, error) {
	f.got = append(f.got, "deprovision "+p.TenantID+" "+p.Actor)
	return ports.DeprovisionResult{Dropped: true}, nil
}

func TestProvisionAndDeprovisionGoToTheProvisioner(t *testing.T) {
	t.Parallel()
	prov := &fakeProvisioner{}
	svc, _ := setup(t, prov)
	ctx := context.Background()
	created, err := svc.Create(ctx, ports.CreateParams{Slug: "prov", Name: "Prov"})
	require.NoError(t, err)

	res, err := svc.Provision(ctx, "prov", "")
	require.NoError(t, err)
	require.Equal(t, "tenant_x", res.SchemaName)
	dres, err := svc.Deprovision(ctx, created.ID, "ops")
	require.NoError(t, err)
	require.True(t, dres.Dropped)
	require.Equal(t, []string{"provision " + created.ID + " system", "deprovision " + created.ID + " ops"}, prov.got)

	_, err = svc.Provision(ctx, "unknown", "")
	requireKind(t, err, ports.KindNotFound)

	without, _ := setup(t, nil)
	_, err = without.Create(ctx, ports.CreateParams{Slug: "prov", Name: "Prov"})
	require.NoError(t, err)
	_, err = without.Provision(ctx, "prov", "")
	requireKind(t, err, ports.KindUnavailable)
	_, err = without.Deprovision(ctx, "prov", "")
	requireKind(t, err, ports.KindUnavailable)
}
