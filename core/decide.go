package core

import (
	"bytes"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NameMaxLength is the longest tenant name, in characters (runes).
const NameMaxLength = 255

// CreateInput is what DecideCreate needs to create a tenant. ID is chosen by
// the caller (the app layer generates it) so the creation event can name the
// tenant before the row exists.
type CreateInput struct {
	ID       string
	Slug     string
	Name     string
	Settings Settings
	Actor    string
}

// DecideCreate builds a new, active tenant from in: it validates the slug, the
// name and the settings, reporting every bad field at once as
// ValidationErrors, and derives the schema name from the slug. The name is
// stored trimmed and the settings in their JSON form. The tenant starts at
// Version 1.
func DecideCreate(in CreateInput, now time.Time) (Change, error) {
	var errs ValidationErrors
	if strings.TrimSpace(in.ID) == "" {
		errs.add(invalid("id", "required", "id is required"))
	}
	schema, err := SchemaName(in.Slug)
	errs.add(err)
	name, err := validateName(in.Name)
	errs.add(err)
	errs.add(ValidateSettings(in.Settings))
	if len(errs) > 0 {
		return Change{}, errs
	}
	// Validation succeeded, so the settings encode as JSON.
	settings, _ := in.Settings.canonical()
	t := Tenant{
		ID:         in.ID,
		Slug:       in.Slug,
		Name:       name,
		SchemaName: schema,
		Status:     StatusActive,
		Settings:   settings,
		Version:    1,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	return Change{
		Tenant: t,
		Event:  Event{TenantID: t.ID, Action: ActionCreate, To: StatusActive, Actor: in.Actor, At: now},
	}, nil
}

// validateName trims a tenant name and checks that it is 1–255 characters of
// valid UTF-8 without control characters, which would break logs and UIs.
func validateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) {
		return "", invalid("name", "charset", "name must be valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(name); n < 1 || n > NameMaxLength {
		return "", invalid("name", "length", "name must be 1–%d characters after trimming spaces, got %d", NameMaxLength, n)
	}
	position := 0
	for _, r := range name {
		position++
		if unicode.IsControl(r) {
			return "", invalid("name", "charset", "name must not contain control characters; found %q at position %d", r, position)
		}
	}
	return name, nil
}

// UpdateInput is what DecideUpdate may change. A nil Name keeps the name; an
// empty SettingsPatch keeps the settings; at least one must be given.
type UpdateInput struct {
	Name *string
	// SettingsPatch is an RFC 7396 JSON merge patch applied to the settings.
	SettingsPatch []byte
	Actor         string
}

// DecideUpdate changes a tenant's name or settings. A deleted tenant is
// refused with a *TransitionError, because its record is kept only as a trace.
// Bad input is reported as ValidationErrors. An update that changes nothing
// is a no-op, so a repeated request writes nothing and records no event; any
// other update records an event whose Details name the changed fields.
func DecideUpdate(t Tenant, in UpdateInput, now time.Time) (Change, error) {
	if t.Status == StatusDeleted || !t.Status.Valid() {
		return Change{}, &TransitionError{Action: ActionUpdate, Current: t.Status, Allowed: AllowedActions(t.Status)}
	}
	patch := bytes.TrimSpace(in.SettingsPatch)
	if in.Name == nil && len(patch) == 0 {
		return Change{}, ValidationErrors{invalid("", "required", "nothing to update: give a name, a settings patch or both")}
	}

	var errs ValidationErrors
	next := t
	if in.Name != nil {
		name, err := validateName(*in.Name)
		errs.add(err)
		next.Name = name
	}
	if len(patch) > 0 {
		merged, err := MergePatch(t.Settings, patch)
		if err == nil {
			err = ValidateSettings(merged)
		}
		errs.add(err)
		next.Settings = merged
	}
	if len(errs) > 0 {
		return Change{}, errs
	}

	var fields []string
	if next.Name != t.Name {
		fields = append(fields, "name")
	}
	if len(patch) > 0 {
		// MergePatch succeeded on t.Settings, so they encode as JSON.
		before, _ := t.Settings.canonical()
		if !equalJSON(next.Settings, before) {
			fields = append(fields, "settings")
		}
	}
	if len(fields) == 0 {
		return Change{Tenant: t, NoOp: true}, nil
	}
	next.UpdatedAt = now
	return Change{
		Tenant: next,
		Event: Event{
			TenantID: t.ID,
			Action:   ActionUpdate,
			From:     t.Status,
			To:       t.Status,
			Actor:    in.Actor,
			At:       now,
			Details:  map[string]any{"fields": fields},
		},
	}, nil
}
