// Package tenants holds the tenant use cases (Service, the ports.Tenants
// inbound port) and the observability interceptor around them (Observed).
//
// The service only orchestrates: core decides every change, the registry
// port stores it in one transaction, the provisioner port owns the DDL. It
// knows no database, HTTP or fx, so the HTTP API, the CLI and hosted modules
// share one behaviour and it is tested against any registry.
package tenants

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// SystemActor is the actor recorded when a caller names none.
const SystemActor = "system"

// Service implements the tenant use cases over the registry and provisioner ports.
type Service struct {
	registry    ports.Registry
	provisioner ports.Provisioner
	clock       ports.Clock
	newID       func() string
	hooks       []ports.TenantHook
	logger      *zap.Logger
}

var _ ports.Tenants = (*Service)(nil)

// Option configures a Service.
type Option func(*Service)

// WithHooks registers the lifecycle hooks of hosted modules. Their Suspended,
// Activated and Deleted functions run after the change commits; a failure is
// logged, never returned, because the change has happened and the caller
// must see it as done.
func WithHooks(hooks []ports.TenantHook) Option {
	return func(s *Service) { s.hooks = append(s.hooks, hooks...) }
}

// WithLogger sets where hook failures are logged; the default discards them.
func WithLogger(logger *zap.Logger) Option {
	return func(s *Service) {
		if logger != nil {
			s.logger = logger
		}
	}
}

// NewService returns the tenant service. A nil clock reads the system time in
// UTC; a nil newID generates random UUIDs. The provisioner may be nil, in
// which case Provision and Deprovision report KindUnavailable.
func NewService(registry ports.Registry, provisioner ports.Provisioner, clock ports.Clock, newID func() string, opts ...Option) *Service {
	if clock == nil {
		clock = func() time.Time { return time.Now().UTC() }
	}
	if newID == nil {
		newID = uuid.NewString
	}
	s := &Service{registry: registry, provisioner: provisioner, clock: clock, newID: newID, logger: zap.NewNop()}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Create validates and stores a new, active tenant. A taken slug is KindConflict.
func (s *Service) Create(ctx context.Context, params ports.CreateParams) (core.Tenant, error) {
	change, err := core.DecideCreate(core.CreateInput{
		ID:       s.newID(),
		Slug:     params.Slug,
		Name:     params.Name,
		Settings: params.Settings,
		Actor:    actor(params.Actor),
	}, s.clock())
	if err != nil {
		return core.Tenant{}, err
	}
	return s.registry.Create(ctx, change)
}

// Get returns the tenant a ref (id or slug) names.
func (s *Service) Get(ctx context.Context, ref string) (core.Tenant, error) {
	return s.resolve(ctx, ref)
}

// List returns one page of tenants.
func (s *Service) List(ctx context.Context, params ports.ListParams) (ports.TenantPage, error) {
	return s.registry.List(ctx, params)
}

// Update changes a tenant's name and/or settings (an RFC 7396 merge patch),
// checking the expected version when one is given.
func (s *Service) Update(ctx context.Context, params ports.UpdateTenantParams) (core.Tenant, error) {
	tenant, err := s.resolve(ctx, params.Ref)
	if err != nil {
		return core.Tenant{}, err
	}
	in := core.UpdateInput{Name: params.Name, SettingsPatch: params.SettingsPatch, Actor: actor(params.Actor)}
	return s.registry.Update(ctx, ports.UpdateParams{
		ID:              tenant.ID,
		ExpectedVersion: params.ExpectedVersion,
		Decide: func(current core.Tenant) (core.Change, error) {
			return core.DecideUpdate(current, in, s.clock())
		},
	})
}

// Suspend disables access to a tenant and keeps its data.
func (s *Service) Suspend(ctx context.Context, ref, who string) (core.Tenant, error) {
	return s.transition(ctx, ref, who, core.ActionSuspend)
}

// Activate lifts a suspension.
func (s *Service) Activate(ctx context.Context, ref, who string) (core.Tenant, error) {
	return s.transition(ctx, ref, who, core.ActionActivate)
}

// Delete soft-deletes a tenant; its schema stays until Deprovision.
func (s *Service) Delete(ctx context.Context, ref, who string) (core.Tenant, error) {
	return s.transition(ctx, ref, who, core.ActionDelete)
}

// transition applies a lifecycle action through the registry, then tells the
// hosted modules once the change has committed.
func (s *Service) transition(ctx context.Context, ref, who string, action core.Action) (core.Tenant, error) {
	tenant, err := s.resolve(ctx, ref)
	if err != nil {
		return core.Tenant{}, err
	}
	updated, err := s.registry.Update(ctx, ports.UpdateParams{
		ID: tenant.ID,
		Decide: func(current core.Tenant) (core.Change, error) {
			return core.Decide(action, current, actor(who), s.clock())
		},
	})
	if err != nil {
		return core.Tenant{}, err
	}
	s.runHooks(ctx, action, updated)
	return updated, nil
}

// Provision creates the tenant's schema through the provisioner.
func (s *Service) Provision(ctx context.Context, ref, who string) (ports.ProvisionResult, error) {
	tenant, err := s.resolve(ctx, ref)
	if err != nil {
		return ports.ProvisionResult{}, err
	}
	if s.provisioner == nil {
		return ports.ProvisionResult{}, noProvisioner()
	}
	return s.provisioner.Provision(ctx, ports.ProvisionParams{TenantID: tenant.ID, Actor: actor(who)})
}

// Deprovision drops the schema of a deleted tenant through the provisioner.
func (s *Service) Deprovision(ctx context.Context, ref, who string) (ports.DeprovisionResult, error) {
	tenant, err := s.resolve(ctx, ref)
	if err != nil {
		return ports.DeprovisionResult{}, err
	}
	if s.provisioner == nil {
		return ports.DeprovisionResult{}, noProvisioner()
	}
	return s.provisioner.Deprovision(ctx, ports.DeprovisionParams{TenantID: tenant.ID, Actor: actor(who)})
}

// Events lists a tenant's audit trail, newest first.
func (s *Service) Events(ctx context.Context, ref string, params ports.EventListParams) (ports.EventPage, error) {
	tenant, err := s.resolve(ctx, ref)
	if err != nil {
		return ports.EventPage{}, err
	}
	params.TenantID = tenant.ID
	return s.registry.Events(ctx, params)
}

// resolve finds the tenant a ref names: a UUID is looked up as an id first,
// anything else as a slug. A slug may itself look like a UUID (lowercase hex
// and hyphens are valid slug characters), so an id that names no tenant is
// tried as a slug before the ref is reported unknown.
func (s *Service) resolve(ctx context.Context, ref string) (core.Tenant, error) {
	return lookupRef(ctx, s.registry, ref)
}

// Lookup finds tenants by reference (id or slug) straight in the registry:
// what a cache in front of the registry reads through, without the service's
// hooks and observation.
func Lookup(registry ports.Registry) ports.TenantLookup {
	return ports.TenantLookupFunc(func(ctx context.Context, ref string) (core.Tenant, error) {
		return lookupRef(ctx, registry, ref)
	})
}

// lookupRef reads a tenant by id when ref is a UUID, else by slug.
func lookupRef(ctx context.Context, registry ports.Registry, ref string) (core.Tenant, error) {
	if ref == "" {
		return core.Tenant{}, &ports.Error{Kind: ports.KindInvalid, Field: "ref", Message: "a tenant id or slug is required"}
	}
	notFound := &ports.Error{Kind: ports.KindNotFound, Message: fmt.Sprintf("no tenant with id or slug %q", ref)}
	if uuid.Validate(ref) == nil {
		// Slugs never have the shape of an id (core.ValidateSlug), so a
		// UUID names a tenant by id only.
		return registry.Get(ctx, ref)
	}
	if core.ValidateSlug(ref) != nil {
		// Neither an id nor a possible slug: no tenant has it, and it
		// need not reach the database.
		return core.Tenant{}, notFound
	}
	tenant, err := registry.GetBySlug(ctx, ref)
	if ports.Is(err, ports.KindNotFound) {
		notFound.Err = err
		return core.Tenant{}, notFound
	}
	return tenant, err
}

func actor(who string) string {
	if who == "" {
		return SystemActor
	}
	return who
}

func noProvisioner() error {
	return ports.Errorf(ports.KindUnavailable, "schema provisioning is not configured in this instance")
}
