package core

import (
	"slices"
	"time"
)

// Transition is one row of the lifecycle table: an action and the statuses it
// is allowed from. Where a tenant goes is decided by the action's Decide
// function, because activate and deprovision depend on the schema as well.
type Transition struct {
	Action Action
	From   []Status
}

// lifecycle is the lifecycle table of DESIGN.md, as data: the HTTP API, the
// CLI and the decisions below all read it, so they cannot disagree. Provision
// from provisioned and deprovision of a deleted tenant without a schema are
// idempotent repeats, which is why they are allowed.
var lifecycle = []Transition{
	{Action: ActionProvision, From: []Status{StatusActive, StatusProvisioned}},
	{Action: ActionSuspend, From: []Status{StatusActive, StatusProvisioned}},
	{Action: ActionActivate, From: []Status{StatusSuspended}},
	{Action: ActionDelete, From: []Status{StatusActive, StatusProvisioned, StatusSuspended}},
	{Action: ActionDeprovision, From: []Status{StatusDeleted}},
}

// Lifecycle returns a copy of the lifecycle table in its documented order,
// for callers that describe it (API documentation, CLI help).
func Lifecycle() []Transition {
	out := make([]Transition, len(lifecycle))
	for i, tr := range lifecycle {
		out[i] = Transition{Action: tr.Action, From: slices.Clone(tr.From)}
	}
	return out
}

// LifecycleActions lists the actions of the lifecycle table, in its order.
func LifecycleActions() []Action {
	out := make([]Action, len(lifecycle))
	for i, tr := range lifecycle {
		out[i] = tr.Action
	}
	return out
}

// AllowedActions lists the lifecycle actions allowed from s, in table order.
// It is empty for a status that is not a lifecycle state.
func AllowedActions(s Status) []Action {
	var out []Action
	for _, tr := range lifecycle {
		if slices.Contains(tr.From, s) {
			out = append(out, tr.Action)
		}
	}
	return out
}

// CanDo reports whether the lifecycle table allows action a from status s.
func CanDo(s Status, a Action) bool {
	return slices.Contains(AllowedActions(s), a)
}

// HasSchema reports whether the tenant's schema exists: it was provisioned
// once and has not been deprovisioned since.
func HasSchema(t Tenant) bool {
	return t.ProvisionedAt != nil && t.DeprovisionedAt == nil
}

// Change is the outcome of a decision: the tenant to write and the event to
// record with it. NoOp means the action was an idempotent repeat: nothing is
// to be written, Tenant is the tenant unchanged and Event is zero.
type Change struct {
	Tenant Tenant
	Event  Event
	NoOp   bool
}

// Decide applies the lifecycle action a to t; it dispatches to DecideProvision,
// DecideSuspend, DecideActivate, DecideDelete or DecideDeprovision. Create
// and update need input beyond an actor and are refused here with a
// *ValidationError on field "action"; use DecideCreate and DecideUpdate.
func Decide(a Action, t Tenant, actor string, now time.Time) (Change, error) {
	switch a {
	case ActionProvision:
		return DecideProvision(t, actor, now)
	case ActionSuspend:
		return DecideSuspend(t, actor, now)
	case ActionActivate:
		return DecideActivate(t, actor, now)
	case ActionDelete:
		return DecideDelete(t, actor, now)
	case ActionDeprovision:
		return DecideDeprovision(t, actor, now)
	}
	return Change{}, invalid("action", "lifecycle", "%q is not a lifecycle action; use one of %v", a, LifecycleActions())
}

// DecideProvision moves an active tenant to provisioned and records when its
// schema was created. Provisioning a provisioned tenant is a no-op, so a
// retried request succeeds without creating the schema twice.
func DecideProvision(t Tenant, actor string, now time.Time) (Change, error) {
	if err := checkAllowed(t, ActionProvision); err != nil {
		return Change{}, err
	}
	if t.Status == StatusProvisioned {
		return Change{Tenant: t, NoOp: true}, nil
	}
	next := t
	next.Status = StatusProvisioned
	next.ProvisionedAt = &now
	next.DeprovisionedAt = nil
	return changed(t, next, ActionProvision, actor, now), nil
}

// DecideSuspend disables access to an active or provisioned tenant and keeps
// its data.
func DecideSuspend(t Tenant, actor string, now time.Time) (Change, error) {
	if err := checkAllowed(t, ActionSuspend); err != nil {
		return Change{}, err
	}
	next := t
	next.Status = StatusSuspended
	return changed(t, next, ActionSuspend, actor, now), nil
}

// DecideActivate lifts a suspension. The tenant goes back to provisioned when
// its schema exists and to active when it was suspended before provisioning.
func DecideActivate(t Tenant, actor string, now time.Time) (Change, error) {
	if err := checkAllowed(t, ActionActivate); err != nil {
		return Change{}, err
	}
	next := t
	next.Status = StatusActive
	if HasSchema(t) {
		next.Status = StatusProvisioned
	}
	return changed(t, next, ActionActivate, actor, now), nil
}

// DecideDelete soft-deletes a tenant. Its schema and data stay until an
// explicit deprovision, so a delete can be investigated before data is lost.
func DecideDelete(t Tenant, actor string, now time.Time) (Change, error) {
	if err := checkAllowed(t, ActionDelete); err != nil {
		return Change{}, err
	}
	next := t
	next.Status = StatusDeleted
	next.DeletedAt = &now
	return changed(t, next, ActionDelete, actor, now), nil
}

// DecideDeprovision records that a deleted tenant's schema is dropped; the
// tenant stays deleted. When there is no schema (it was already dropped or
// never created) it is a no-op, so a retried request succeeds.
func DecideDeprovision(t Tenant, actor string, now time.Time) (Change, error) {
	if err := checkAllowed(t, ActionDeprovision); err != nil {
		return Change{}, err
	}
	if !HasSchema(t) {
		return Change{Tenant: t, NoOp: true}, nil
	}
	next := t
	next.DeprovisionedAt = &now
	return changed(t, next, ActionDeprovision, actor, now), nil
}

// checkAllowed refuses an action that the lifecycle table does not allow from
// the tenant's status.
func checkAllowed(t Tenant, a Action) error {
	if CanDo(t.Status, a) {
		return nil
	}
	return &TransitionError{Action: a, Current: t.Status, Allowed: AllowedActions(t.Status)}
}

// changed completes a decision: it stamps next with now and builds the event
// of the move from prev to next. Version is left alone because the store
// bumps it when it writes, checking the version it read.
func changed(prev, next Tenant, a Action, actor string, now time.Time) Change {
	next.UpdatedAt = now
	return Change{
		Tenant: next,
		Event: Event{
			TenantID: prev.ID,
			Action:   a,
			From:     prev.Status,
			To:       next.Status,
			Actor:    actor,
			At:       now,
		},
	}
}
