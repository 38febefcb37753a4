package core

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func validCreate() CreateInput {
	return CreateInput{
		ID: "0b7e6a1c-1111-4c2a-9d7e-000000000001", Slug: "acme-corp", Name: "  Acme Corp  ",
		Settings: Settings{"limits": map[string]int{"users": 5}}, Actor: "alice",
	}
}

func TestDecideCreate(t *testing.T) {
	got, err := DecideCreate(validCreate(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := Tenant{
		ID: "0b7e6a1c-1111-4c2a-9d7e-000000000001", Slug: "acme-corp", Name: "Acme Corp", SchemaName: "tenant_acme_corp",
		Status: StatusActive, Settings: Settings{"limits": map[string]any{"users": 5.0}}, Version: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	if got.NoOp || !reflect.DeepEqual(got.Tenant, want) {
		t.Errorf("tenant:\n got %+v\nwant %+v", got.Tenant, want)
	}
	wantEvent := Event{TenantID: want.ID, Action: ActionCreate, To: StatusActive, Actor: "alice", At: now}
	if !reflect.DeepEqual(got.Event, wantEvent) {
		t.Errorf("event:\n got %+v\nwant %+v", got.Event, wantEvent)
	}
}

func TestDecideCreateGivesNilSettingsAnEmptyObject(t *testing.T) {
	in := validCreate()
	in.Settings = nil
	got, err := DecideCreate(in, now)
	if err != nil || got.Tenant.Settings == nil || len(got.Tenant.Settings) != 0 {
		t.Errorf("got settings %#v, %v; want an empty map", got.Tenant.Settings, err)
	}
}

func TestDecideCreateRefusesBadInput(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*CreateInput)
		fields []string
	}{
		{"a missing id is refused", func(in *CreateInput) { in.ID = "" }, []string{"id"}},
		{"an invalid slug is refused", func(in *CreateInput) { in.Slug = "Acme" }, []string{"slug"}},
		{"a blank name is refused", func(in *CreateInput) { in.Name = "   " }, []string{"name"}},
		{"a name of 256 characters is refused", func(in *CreateInput) { in.Name = strings.Repeat("é", 256) }, []string{"name"}},
		{"a name with a control character is refused", func(in *CreateInput) { in.Name = "Acme\x07Corp" }, []string{"name"}},
		{"a name that is not UTF-8 is refused", func(in *CreateInput) { in.Name = "Acme \xff" }, []string{"name"}},
		{"bad settings are refused", func(in *CreateInput) { in.Settings = Settings{"limits": map[string]any{"users": -1}} },
			[]string{"settings.limits.users"}},
		{"every bad field is reported at once", func(in *CreateInput) {
			in.Slug, in.Name = "-x", ""
			in.Settings = Settings{"features": map[string]any{"sso": "on"}, "branding": map[string]any{"primaryColor": "red"}}
		}, []string{"slug", "name", "settings.branding.primaryColor", "settings.features.sso"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validCreate()
			tc.edit(&in)
			_, err := DecideCreate(in, now)
			if got := fieldsOf(t, err); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}

func TestDecideCreateAcceptsA255CharacterName(t *testing.T) {
	in := validCreate()
	in.Name = strings.Repeat("é", 255)
	if _, err := DecideCreate(in, now); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestDecideUpdate(t *testing.T) {
	base := func() Tenant {
		return fixture(StatusProvisioned, at(provisioned), nil, nil)
	}
	cases := []struct {
		name     string
		in       UpdateInput
		wantName string
		settings string   // the expected settings as JSON
		fields   []string // the changed fields; nil for a no-op
	}{
		{name: "a new name is applied", in: UpdateInput{Name: ptr(" Acme Inc ")},
			wantName: "Acme Inc", settings: `{"features":{"sso":true}}`, fields: []string{"name"}},
		{name: "a settings patch is merged", in: UpdateInput{SettingsPatch: []byte(`{"limits":{"users":10}}`)},
			wantName: "Acme Corp", settings: `{"features":{"sso":true},"limits":{"users":10}}`, fields: []string{"settings"}},
		{name: "name and settings change together", in: UpdateInput{Name: ptr("Acme Inc"), SettingsPatch: []byte(`{"features":null}`)},
			wantName: "Acme Inc", settings: `{}`, fields: []string{"name", "settings"}},
		{name: "the same name is a no-op", in: UpdateInput{Name: ptr("Acme Corp ")}},
		{name: "a patch that changes nothing is a no-op", in: UpdateInput{SettingsPatch: []byte(`{"features":{"sso":true},"gone":null}`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Actor = "bob"
			got, err := DecideUpdate(base(), in, now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.fields == nil {
				if !got.NoOp || !reflect.DeepEqual(got.Tenant, base()) || !reflect.DeepEqual(got.Event, Event{}) {
					t.Errorf("want a no-op, got %+v", got)
				}
				return
			}
			want := base()
			want.Name, want.Settings, want.UpdatedAt = tc.wantName, mustParse(t, tc.settings), now
			if got.NoOp || !reflect.DeepEqual(got.Tenant, want) {
				t.Errorf("tenant:\n got %+v\nwant %+v", got.Tenant, want)
			}
			wantEvent := Event{TenantID: want.ID, Action: ActionUpdate, From: StatusProvisioned, To: StatusProvisioned,
				Actor: "bob", At: now, Details: map[string]any{"fields": tc.fields}}
			if !reflect.DeepEqual(got.Event, wantEvent) {
				t.Errorf("event:\n got %+v\nwant %+v", got.Event, wantEvent)
			}
		})
	}
}

func TestDecideUpdateRefusesBadInput(t *testing.T) {
	cases := []struct {
		name   string
		in     UpdateInput
		fields []string
	}{
		{"an update with nothing in it is refused", UpdateInput{SettingsPatch: []byte("  ")}, []string{""}},
		{"a blank name is refused", UpdateInput{Name: ptr(" ")}, []string{"name"}},
		{"a patch that is not an object is refused", UpdateInput{SettingsPatch: []byte(`[1]`)}, []string{"settings"}},
		{"a patch that makes the settings invalid is refused", UpdateInput{SettingsPatch: []byte(`{"limits":{"users":1.5}}`)},
			[]string{"settings.limits.users"}},
		{"a bad name and bad settings are reported together", UpdateInput{Name: ptr(""), SettingsPatch: []byte(`{"features":{"sso":1}}`)},
			[]string{"name", "settings.features.sso"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecideUpdate(fixture(StatusActive, nil, nil, nil), tc.in, now)
			if got := fieldsOf(t, err); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}

func TestDecideUpdateWorksOnASuspendedTenant(t *testing.T) {
	got, err := DecideUpdate(fixture(StatusSuspended, nil, nil, nil), UpdateInput{Name: ptr("New")}, now)
	if err != nil || got.Tenant.Status != StatusSuspended || got.Event.From != StatusSuspended {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestDecideUpdateRefusesADeletedTenant(t *testing.T) {
	_, err := DecideUpdate(fixture(StatusDeleted, nil, at(deletedAt), nil), UpdateInput{Name: ptr("New")}, now)
	var te *TransitionError
	if !errors.As(err, &te) || te.Action != ActionUpdate || te.Current != StatusDeleted ||
		!slices.Equal(te.Allowed, []Action{ActionDeprovision}) {
		t.Fatalf("want a *TransitionError for update from deleted, got %v", err)
	}
	if want := "cannot update a tenant that is deleted; allowed from deleted: deprovision"; te.Error() != want {
		t.Errorf("message %q, want %q", te.Error(), want)
	}
}
