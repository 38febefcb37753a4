package core

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	created     = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	provisioned = created.Add(time.Minute)
	deletedAt   = created.Add(time.Hour)
	droppedAt   = created.Add(2 * time.Hour)
	now         = created.Add(24 * time.Hour)
)

// fixture returns a tenant in the given status with the given timestamps set,
// built fresh for each case so a decision that mutated its input would show.
func fixture(s Status, provisionedAt, deleted, deprovisioned *time.Time) Tenant {
	return Tenant{
		ID: "0b7e6a1c-1111-4c2a-9d7e-000000000001", Slug: "acme-corp", Name: "Acme Corp",
		SchemaName: "tenant_acme_corp", Status: s, Settings: Settings{"features": map[string]any{"sso": true}},
		Version: 7, CreatedAt: created, UpdatedAt: created,
		ProvisionedAt: provisionedAt, DeletedAt: deleted, DeprovisionedAt: deprovisioned,
	}
}

func at(t time.Time) *time.Time { return &t }

func TestLifecycleDecisions(t *testing.T) {
	active := func() Tenant { return fixture(StatusActive, nil, nil, nil) }
	prov := func() Tenant { return fixture(StatusProvisioned, at(provisioned), nil, nil) }
	suspendedWithSchema := func() Tenant { return fixture(StatusSuspended, at(provisioned), nil, nil) }
	suspendedWithoutSchema := func() Tenant { return fixture(StatusSuspended, nil, nil, nil) }
	deletedWithSchema := func() Tenant { return fixture(StatusDeleted, at(provisioned), at(deletedAt), nil) }
	deletedDropped := func() Tenant { return fixture(StatusDeleted, at(provisioned), at(deletedAt), at(droppedAt)) }
	deletedNeverProvisioned := func() Tenant { return fixture(StatusDeleted, nil, at(deletedAt), nil) }

	fromActive := []Action{ActionProvision, ActionSuspend, ActionDelete}
	fromSuspended := []Action{ActionActivate, ActionDelete}
	fromDeleted := []Action{ActionDeprovision}

	// want builds the expected tenant from the input; nil means refused or a no-op.
	type testCase struct {
		name    string
		tenant  func() Tenant
		action  Action
		want    func(Tenant) Tenant
		noOp    bool
		allowed []Action // set when the action is refused
	}
	cases := []testCase{
		{name: "an active tenant is provisioned and records when", tenant: active, action: ActionProvision,
			want: func(t Tenant) Tenant { t.Status, t.ProvisionedAt = StatusProvisioned, at(now); return t }},
		{name: "an active tenant is suspended", tenant: active, action: ActionSuspend,
			want: func(t Tenant) Tenant { t.Status = StatusSuspended; return t }},
		{name: "an active tenant cannot be activated", tenant: active, action: ActionActivate, allowed: fromActive},
		{name: "an active tenant is deleted and records when", tenant: active, action: ActionDelete,
			want: func(t Tenant) Tenant { t.Status, t.DeletedAt = StatusDeleted, at(now); return t }},
		{name: "an active tenant cannot be deprovisioned", tenant: active, action: ActionDeprovision, allowed: fromActive},

		{name: "provisioning a provisioned tenant again is a no-op", tenant: prov, action: ActionProvision, noOp: true},
		{name: "a provisioned tenant is suspended and keeps its schema", tenant: prov, action: ActionSuspend,
			want: func(t Tenant) Tenant { t.Status = StatusSuspended; return t }},
		{name: "a provisioned tenant cannot be activated", tenant: prov, action: ActionActivate, allowed: fromActive},
		{name: "a provisioned tenant is deleted and keeps its schema", tenant: prov, action: ActionDelete,
			want: func(t Tenant) Tenant { t.Status, t.DeletedAt = StatusDeleted, at(now); return t }},
		{name: "a provisioned tenant cannot be deprovisioned before it is deleted", tenant: prov, action: ActionDeprovision, allowed: fromActive},

		{name: "a suspended tenant cannot be provisioned", tenant: suspendedWithSchema, action: ActionProvision, allowed: fromSuspended},
		{name: "a suspended tenant cannot be suspended again", tenant: suspendedWithSchema, action: ActionSuspend, allowed: fromSuspended},
		{name: "a suspended tenant with a schema is activated back to provisioned", tenant: suspendedWithSchema, action: ActionActivate,
			want: func(t Tenant) Tenant { t.Status = StatusProvisioned; return t }},
		{name: "a suspended tenant without a schema is activated back to active", tenant: suspendedWithoutSchema, action: ActionActivate,
			want: func(t Tenant) Tenant { t.Status = StatusActive; return t }},
		{name: "a suspended tenant is deleted", tenant: suspendedWithSchema, action: ActionDelete,
			want: func(t Tenant) Tenant { t.Status, t.DeletedAt = StatusDeleted, at(now); return t }},
		{name: "a suspended tenant cannot be deprovisioned", tenant: suspendedWithSchema, action: ActionDeprovision, allowed: fromSuspended},

		{name: "a deleted tenant cannot be provisioned", tenant: deletedWithSchema, action: ActionProvision, allowed: fromDeleted},
		{name: "a deleted tenant cannot be suspended", tenant: deletedWithSchema, action: ActionSuspend, allowed: fromDeleted},
		{name: "a deleted tenant cannot be activated", tenant: deletedWithSchema, action: ActionActivate, allowed: fromDeleted},
		{name: "a deleted tenant cannot be deleted again", tenant: deletedWithSchema, action: ActionDelete, allowed: fromDeleted},
		{name: "a deleted tenant with a schema is deprovisioned and stays deleted", tenant: deletedWithSchema, action: ActionDeprovision,
			want: func(t Tenant) Tenant { t.DeprovisionedAt = at(now); return t }},
		{name: "deprovisioning an already deprovisioned tenant is a no-op", tenant: deletedDropped, action: ActionDeprovision, noOp: true},
		{name: "deprovisioning a tenant that was never provisioned is a no-op", tenant: deletedNeverProvisioned, action: ActionDeprovision, noOp: true},
	}

	// Every pair of a status and a lifecycle action must have a case.
	for _, s := range Statuses {
		for _, a := range LifecycleActions() {
			if !slices.ContainsFunc(cases, func(c testCase) bool { return c.tenant().Status == s && c.action == a }) {
				t.Errorf("no case covers %s from %s", a, s)
			}
		}
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.tenant()
			got, err := Decide(tc.action, in, "alice", now)

			if !reflect.DeepEqual(in, tc.tenant()) {
				t.Fatalf("Decide modified its input tenant: %+v", in)
			}
			if tc.allowed != nil {
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("want a *TransitionError, got change %+v and error %v", got, err)
				}
				if te.Action != tc.action || te.Current != in.Status || !slices.Equal(te.Allowed, tc.allowed) {
					t.Errorf("got %+v, want action %s, current %s, allowed %v", te, tc.action, in.Status, tc.allowed)
				}
				if !strings.Contains(te.Error(), "that is "+string(in.Status)) {
					t.Errorf("message %q does not name the current status", te.Error())
				}
				if CanDo(in.Status, tc.action) {
					t.Errorf("CanDo(%s, %s) is true for a refused action", in.Status, tc.action)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !CanDo(in.Status, tc.action) {
				t.Errorf("CanDo(%s, %s) is false for an allowed action", in.Status, tc.action)
			}
			if tc.noOp {
				if !got.NoOp || !reflect.DeepEqual(got.Tenant, in) || !reflect.DeepEqual(got.Event, Event{}) {
					t.Errorf("want a no-op with the tenant unchanged and no event, got %+v", got)
				}
				return
			}
			want := tc.want(tc.tenant())
			want.UpdatedAt = now
			if got.NoOp {
				t.Errorf("got a no-op, want a change")
			}
			if !reflect.DeepEqual(got.Tenant, want) {
				t.Errorf("tenant:\n got %+v\nwant %+v", got.Tenant, want)
			}
			wantEvent := Event{TenantID: in.ID, Action: tc.action, From: in.Status, To: want.Status, Actor: "alice", At: now}
			if !reflect.DeepEqual(got.Event, wantEvent) {
				t.Errorf("event:\n got %+v\nwant %+v", got.Event, wantEvent)
			}
		})
	}
}

func TestAllowedActionsFollowTheTable(t *testing.T) {
	cases := map[Status][]Action{
		StatusActive:      {ActionProvision, ActionSuspend, ActionDelete},
		StatusProvisioned: {ActionProvision, ActionSuspend, ActionDelete},
		StatusSuspended:   {ActionActivate, ActionDelete},
		StatusDeleted:     {ActionDeprovision},
		"archived":        nil,
	}
	for s, want := range cases {
		if got := AllowedActions(s); !slices.Equal(got, want) {
			t.Errorf("AllowedActions(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestAnUnknownStatusAllowsNothing(t *testing.T) {
	_, err := DecideSuspend(fixture("archived", nil, nil, nil), "alice", now)
	var te *TransitionError
	if !errors.As(err, &te) || len(te.Allowed) != 0 {
		t.Fatalf("want a *TransitionError with nothing allowed, got %v", err)
	}
	if want := "cannot suspend a tenant that is archived; no action is allowed from archived"; te.Error() != want {
		t.Errorf("message %q, want %q", te.Error(), want)
	}
}

func TestTransitionErrorMessageNamesWhatIsAllowed(t *testing.T) {
	_, err := DecideSuspend(fixture(StatusDeleted, nil, at(deletedAt), nil), "alice", now)
	if want := "cannot suspend a tenant that is deleted; allowed from deleted: deprovision"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = DecideActivate(fixture(StatusActive, nil, nil, nil), "alice", now)
	if want := "cannot activate a tenant that is active; allowed from active: provision, suspend, delete"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestDecideRefusesActionsOutsideTheLifecycle(t *testing.T) {
	for _, a := range []Action{ActionCreate, ActionUpdate, "explode"} {
		_, err := Decide(a, fixture(StatusActive, nil, nil, nil), "alice", now)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "action" {
			t.Errorf("Decide(%s): want a *ValidationError on action, got %v", a, err)
		}
	}
}

func TestLifecycleReturnsACopy(t *testing.T) {
	table := Lifecycle()
	table[0].From[0] = "tampered"
	if Lifecycle()[0].From[0] == "tampered" {
		t.Fatal("changing the returned table changed the lifecycle")
	}
}

func TestHasSchema(t *testing.T) {
	cases := []struct {
		name string
		t    Tenant
		want bool
	}{
		{"a tenant never provisioned has no schema", fixture(StatusActive, nil, nil, nil), false},
		{"a provisioned tenant has a schema", fixture(StatusProvisioned, at(provisioned), nil, nil), true},
		{"a deprovisioned tenant has no schema", fixture(StatusDeleted, at(provisioned), at(deletedAt), at(droppedAt)), false},
	}
	for _, tc := range cases {
		if got := HasSchema(tc.t); got != tc.want {
			t.Errorf("%s: HasSchema = %v", tc.name, got)
		}
	}
}
