package core

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, raw string) Settings {
	t.Helper()
	s, err := ParseSettings([]byte(raw))
	if err != nil {
		t.Fatalf("ParseSettings(%s): %v", raw, err)
	}
	return s
}

// fieldsOf returns the fields of a ValidationErrors, or fails the test.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ves ValidationErrors
	if !errors.As(err, &ves) {
		t.Fatalf("want ValidationErrors, got %T: %v", err, err)
	}
	fields := make([]string, len(ves))
	for i, ve := range ves {
		fields[i] = ve.Field
	}
	return fields
}

func TestValidateSettings(t *testing.T) {
	cases := []struct {
		name   string
		json   string
		fields []string // the bad fields, nil when valid
	}{
		{name: "empty settings are valid", json: `{}`},
		{name: "every known part at once is valid", json: `{
			"features": {"sso": true, "beta": false},
			"limits": {"users": 50, "projects": 0, "storageBytes": 9007199254740991},
			"branding": {"logoUrl": "https://cdn.example.com/acme.png", "primaryColor": "#1A2b3c", "customDomain": "app.acme-corp.com"},
			"theme": ["anything", {"goes": null}]
		}`},
		{name: "a short hex color is valid", json: `{"branding": {"primaryColor": "#abc"}}`},
		{name: "an http logo URL is valid", json: `{"branding": {"logoUrl": "http://example.com/logo.svg"}}`},
		{name: "a whole number written with a fraction is valid", json: `{"limits": {"users": 10.0}}`},
		{name: "a feature that is not a boolean is refused", json: `{"features": {"sso": "yes"}}`, fields: []string{"settings.features.sso"}},
		{name: "features that are not an object are refused", json: `{"features": ["sso"]}`, fields: []string{"settings.features"}},
		{name: "a fractional limit is refused", json: `{"limits": {"users": 1.5}}`, fields: []string{"settings.limits.users"}},
		{name: "a negative limit is refused", json: `{"limits": {"users": -1}}`, fields: []string{"settings.limits.users"}},
		{name: "a limit too large to be exact is refused", json: `{"limits": {"users": 9007199254740993}}`, fields: []string{"settings.limits.users"}},
		{name: "a limit given as a string is refused", json: `{"limits": {"users": "10"}}`, fields: []string{"settings.limits.users"}},
		{name: "a null limits part is refused", json: `{"limits": null}`, fields: []string{"settings.limits"}},
		{name: "a relative logo URL is refused", json: `{"branding": {"logoUrl": "/logo.png"}}`, fields: []string{"settings.branding.logoUrl"}},
		{name: "an ftp logo URL is refused", json: `{"branding": {"logoUrl": "ftp://example.com/logo.png"}}`, fields: []string{"settings.branding.logoUrl"}},
		{name: "a color name is refused", json: `{"branding": {"primaryColor": "red"}}`, fields: []string{"settings.branding.primaryColor"}},
		{name: "a four-digit hex color is refused", json: `{"branding": {"primaryColor": "#abcd"}}`, fields: []string{"settings.branding.primaryColor"}},
		{name: "a domain without a dot is refused", json: `{"branding": {"customDomain": "localhost"}}`, fields: []string{"settings.branding.customDomain"}},
		{name: "an uppercase domain is refused", json: `{"branding": {"customDomain": "App.Example.com"}}`, fields: []string{"settings.branding.customDomain"}},
		{name: "a domain label starting with a hyphen is refused", json: `{"branding": {"customDomain": "-app.example.com"}}`, fields: []string{"settings.branding.customDomain"}},
		{name: "a domain with an empty label is refused", json: `{"branding": {"customDomain": "app..example.com"}}`, fields: []string{"settings.branding.customDomain"}},
		{name: "a domain longer than 253 characters is refused",
			json:   `{"branding": {"customDomain": "` + strings.Repeat(strings.Repeat("a", 60)+".", 5) + `com"}}`,
			fields: []string{"settings.branding.customDomain"}},
		{name: "a color that is not a string is refused", json: `{"branding": {"primaryColor": 255}}`, fields: []string{"settings.branding.primaryColor"}},
		{name: "every bad field is reported, sorted", json: `{
			"limits": {"users": -1, "projects": 2.5},
			"features": {"sso": 1},
			"branding": {"primaryColor": "blue", "logoUrl": "nope"}
		}`, fields: []string{
			"settings.branding.logoUrl", "settings.branding.primaryColor", "settings.features.sso",
			"settings.limits.projects", "settings.limits.users",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSettings(mustParse(t, tc.json))
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}

func TestValidateSettingsSaysWhatToFix(t *testing.T) {
	err := ValidateSettings(Settings{"limits": map[string]any{"users": 1.5}})
	want := "settings.limits.users: limit \"users\" must be a whole number from 0 to 9007199254740991, got 1.5"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestSettingsBuiltInGoAreValidatedLikeJSON(t *testing.T) {
	s := Settings{
		"features": map[string]bool{"sso": true},
		"limits":   map[string]int{"users": 10},
	}
	if err := ValidateSettings(s); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if got := s.Limits(); !reflect.DeepEqual(got, map[string]int64{"users": 10}) {
		t.Errorf("Limits() = %v", got)
	}
	if got := s.Features(); !reflect.DeepEqual(got, map[string]bool{"sso": true}) {
		t.Errorf("Features() = %v", got)
	}
	if err := ValidateSettings(Settings{"limits": map[string]int{"users": -3}}); err == nil {
		t.Error("a negative Go int limit was accepted")
	}
}

func TestSettingsAccessors(t *testing.T) {
	s := mustParse(t, `{
		"features": {"sso": true, "beta": false, "broken": "yes"},
		"limits": {"users": 50, "bad": 1.5},
		"branding": {"logoUrl": "https://example.com/l.png", "primaryColor": "#abc", "customDomain": 7}
	}`)
	if got, want := s.Features(), map[string]bool{"sso": true, "beta": false}; !reflect.DeepEqual(got, want) {
		t.Errorf("Features() = %v, want %v", got, want)
	}
	if got, want := s.Limits(), map[string]int64{"users": 50}; !reflect.DeepEqual(got, want) {
		t.Errorf("Limits() = %v, want %v", got, want)
	}
	if got, want := s.Branding(), (Branding{LogoURL: "https://example.com/l.png", PrimaryColor: "#abc"}); got != want {
		t.Errorf("Branding() = %+v, want %+v", got, want)
	}
	var empty Settings
	if len(empty.Features()) != 0 || len(empty.Limits()) != 0 || empty.Branding() != (Branding{}) {
		t.Error("nil settings should give empty views")
	}
}

func TestParseSettings(t *testing.T) {
	for _, raw := range []string{"", "  ", "null", "{}"} {
		s, err := ParseSettings([]byte(raw))
		if err != nil || s == nil || len(s) != 0 {
			t.Errorf("ParseSettings(%q) = %v, %v; want empty settings", raw, s, err)
		}
	}
	cases := map[string]string{`[1]`: "object", `"x"`: "object", `3`: "object", `{"a":`: "json", `{} {}`: "json"}
	for raw, rule := range cases {
		_, err := ParseSettings([]byte(raw))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "settings" || ve.Rule != rule {
			t.Errorf("ParseSettings(%q) = %v, want a settings error with rule %q", raw, err, rule)
		}
	}
	s := mustParse(t, `{"custom": {"x": [1, "two"]}}`)
	if !reflect.DeepEqual(s, Settings{"custom": map[string]any{"x": []any{1.0, "two"}}}) {
		t.Errorf("unknown keys were not kept: %v", s)
	}
}

// The cases of RFC 7396, section 3 and appendix A, whose target and patch are objects.
func TestMergePatchFollowsRFC7396(t *testing.T) {
	cases := []struct{ name, target, patch, want string }{
		{"a value is replaced", `{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{"a key is added", `{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{"null deletes a key", `{"a":"b"}`, `{"a":null}`, `{}`},
		{"null deletes only its key", `{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{"an array is replaced by a string", `{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{"a string is replaced by an array", `{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{"objects merge recursively", `{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{"arrays are replaced, not merged", `{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{"a null already in the target stays", `{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{"nulls inside a new object are dropped", `{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{"the example of section 3",
			`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
			`{"title":"Hello!","phoneNumber":"+01-555-555-5555","author":{"familyName":null},"tags":["example"]}`,
			`{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-555-555-5555"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := mustParse(t, tc.target)
			before := mustParse(t, tc.target)
			got, err := MergePatch(target, []byte(tc.patch))
			if err != nil {
				t.Fatal(err)
			}
			if want := mustParse(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if !reflect.DeepEqual(target, before) {
				t.Errorf("MergePatch modified its target: %v", target)
			}
		})
	}
}

func TestMergePatchRefusesAPatchThatIsNotAnObject(t *testing.T) {
	for _, patch := range []string{`["c"]`, `"bar"`, `null`, `1`, ``, `{"a":`} {
		_, err := MergePatch(Settings{"a": "b"}, []byte(patch))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "settings" {
			t.Errorf("MergePatch with %q = %v, want a settings *ValidationError", patch, err)
		}
	}
}

func TestMergePatchOnNilSettings(t *testing.T) {
	got, err := MergePatch(nil, []byte(`{"limits":{"users":3}}`))
	if err != nil || !reflect.DeepEqual(got, Settings{"limits": map[string]any{"users": 3.0}}) {
		t.Errorf("got %v, %v", got, err)
	}
}
