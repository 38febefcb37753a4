package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"
)

// Settings is a tenant's configuration, a JSON object kept as jsonb. The
// parts "features", "limits" and "branding" have known shapes and are
// validated when present; any other top-level key is the host application's
// business and is kept as it is.
//
// Settings are handled in their encoding/json form: objects are
// map[string]any and numbers float64. ValidateSettings, the accessors and
// MergePatch first bring values built in Go (an int, a map[string]bool) into
// that form by a JSON round trip, so both kinds of value behave the same.
type Settings map[string]any

// Branding is the typed view of the "branding" part of Settings.
type Branding struct {
	LogoURL      string
	PrimaryColor string
	CustomDomain string
}

// maxSafeInteger is the largest integer a float64, and so a JSON number read
// by encoding/json or JavaScript, holds exactly. Larger limits are refused
// rather than silently rounded.
const maxSafeInteger = 1<<53 - 1

// ParseSettings reads a JSON object as Settings. Empty input and JSON null
// give empty Settings; anything else that is not an object is a
// *ValidationError on field "settings". It does not validate the known parts;
// call ValidateSettings for that.
func ParseSettings(raw []byte) (Settings, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Settings{}, nil
	}
	obj, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	return Settings(obj), nil
}

// parseObject decodes raw JSON that must be an object.
func parseObject(raw []byte) (map[string]any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, invalid("settings", "json", "settings must be valid JSON: %v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("settings", "object", "settings must be a JSON object, got %s", jsonType(v))
	}
	return obj, nil
}

// canonical returns a deep copy of s in encoding/json form, never nil. It
// fails only when s holds a value JSON cannot encode.
func (s Settings) canonical() (Settings, error) {
	if len(s) == 0 {
		return Settings{}, nil
	}
	raw, err := json.Marshal(map[string]any(s))
	if err != nil {
		return nil, invalid("settings", "json", "settings must be encodable as JSON: %v", err)
	}
	obj, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	return Settings(obj), nil
}

// equalJSON reports whether a and b encode to the same JSON; encoding/json
// sorts object keys, so equal documents give equal bytes.
func equalJSON(a, b Settings) bool {
	ra, errA := json.Marshal(map[string]any(a))
	rb, errB := json.Marshal(map[string]any(b))
	return errA == nil && errB == nil && bytes.Equal(ra, rb)
}

// ValidateSettings checks the known parts of s and returns every problem as
// ValidationErrors, sorted by field, whose fields are JSON paths such as
// "settings.limits.users". It returns nil when s is valid.
func ValidateSettings(s Settings) error {
	var errs ValidationErrors
	c, err := s.canonical()
	if err != nil {
		errs.add(err)
		return errs.Err()
	}
	errs.add(refuseNUL("settings", map[string]any(c)))
	if v, ok := c["features"]; ok {
		errs.add(validateFeatures(v))
	}
	if v, ok := c["limits"]; ok {
		errs.add(validateLimits(v))
	}
	if v, ok := c["branding"]; ok {
		errs.add(validateBranding(v))
	}
	slices.SortStableFunc(errs, func(a, b *ValidationError) int { return strings.Compare(a.Field, b.Field) })
	return errs.Err()
}

// refuseNUL refuses the NUL character anywhere in keys or strings:
// PostgreSQL's jsonb cannot store it.
func refuseNUL(path string, v any) error {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return invalid(path, "nul", "text may not contain the NUL character (\\u0000)")
		}
	case map[string]any:
		var errs ValidationErrors
		for k, item := range v {
			if strings.ContainsRune(k, 0) {
				errs.add(invalid(path, "nul", "keys may not contain the NUL character (\\u0000)"))
				continue
			}
			errs.add(refuseNUL(path+"."+k, item))
		}
		return errs.Err()
	case []any:
		var errs ValidationErrors
		for i, item := range v {
			errs.add(refuseNUL(fmt.Sprintf("%s[%d]", path, i), item))
		}
		return errs.Err()
	}
	return nil
}

func validateFeatures(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return invalid("settings.features", "object", "features must be an object of booleans, got %s", jsonType(v))
	}
	var errs ValidationErrors
	for name, flag := range obj {
		if _, ok := flag.(bool); !ok {
			errs.add(invalid("settings.features."+name, "boolean", "feature %q must be true or false, got %s", name, jsonType(flag)))
		}
	}
	return errs.Err()
}

func validateLimits(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return invalid("settings.limits", "object", "limits must be an object of whole numbers, got %s", jsonType(v))
	}
	var errs ValidationErrors
	for name, limit := range obj {
		if _, ok := wholeNumber(limit); !ok {
			errs.add(invalid("settings.limits."+name, "integer",
				"limit %q must be a whole number from 0 to %d, got %s", name, int64(maxSafeInteger), jsonText(limit)))
		}
	}
	return errs.Err()
}

// wholeNumber returns v as an int64 when it is a JSON number that is whole,
// not negative and exactly representable.
func wholeNumber(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 0 || f > maxSafeInteger {
		return 0, false
	}
	return int64(f), true
}

func validateBranding(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return invalid("settings.branding", "object", "branding must be an object, got %s", jsonType(v))
	}
	checks := map[string]func(string) string{
		"logoUrl":      checkLogoURL,
		"primaryColor": checkColor,
		"customDomain": checkHostname,
	}
	var errs ValidationErrors
	for _, key := range slices.Sorted(maps.Keys(checks)) {
		raw, present := obj[key]
		if !present {
			continue
		}
		field := "settings.branding." + key
		s, ok := raw.(string)
		if !ok {
			errs.add(invalid(field, "string", "%s must be a string, got %s", key, jsonType(raw)))
			continue
		}
		if msg := checks[key](s); msg != "" {
			errs.add(invalid(field, "format", "%s", msg))
		}
	}
	return errs.Err()
}

// checkLogoURL returns what is wrong with a logo URL, or "" when it is an
// absolute http or https URL with a host.
func checkLogoURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "logoUrl must be an absolute http or https URL, such as https://example.com/logo.png"
	}
	return ""
}

// checkColor returns what is wrong with a color, or "" when it is #rgb or #rrggbb.
func checkColor(s string) string {
	const want = "primaryColor must be a hex color such as #1a2b3c or #abc"
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return want
	}
	for _, c := range []byte(s[1:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return want
		}
	}
	return ""
}

// checkHostname returns what is wrong with a custom domain, or "" when it is a
// lowercase host name of at most 253 characters with at least two labels of
// 1–63 letters, digits and inner hyphens.
func checkHostname(s string) string {
	const want = "customDomain must be a lowercase host name with at least one dot, such as app.example.com"
	if len(s) > 253 {
		return "customDomain must be at most 253 characters"
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return want
	}
	for _, label := range labels {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return want
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return want
			}
		}
	}
	return ""
}

// jsonType names the JSON type of a decoded value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unsupported value"
}

// jsonText renders a decoded value as JSON for messages.
func jsonText(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return jsonType(v)
	}
	return string(raw)
}

// Features returns the feature flags that are booleans; other entries are
// left out, as they are invalid.
func (s Settings) Features() map[string]bool {
	out := map[string]bool{}
	c, _ := s.canonical()
	obj, _ := c["features"].(map[string]any)
	for name, v := range obj {
		if flag, ok := v.(bool); ok {
			out[name] = flag
		}
	}
	return out
}

// Limits returns the limits that are valid whole numbers; other entries are
// left out, as they are invalid.
func (s Settings) Limits() map[string]int64 {
	out := map[string]int64{}
	c, _ := s.canonical()
	obj, _ := c["limits"].(map[string]any)
	for name, v := range obj {
		if n, ok := wholeNumber(v); ok {
			out[name] = n
		}
	}
	return out
}

// Branding returns the branding strings; a missing or non-string entry is "".
func (s Settings) Branding() Branding {
	c, _ := s.canonical()
	obj, _ := c["branding"].(map[string]any)
	str := func(key string) string { v, _ := obj[key].(string); return v }
	return Branding{LogoURL: str("logoUrl"), PrimaryColor: str("primaryColor"), CustomDomain: str("customDomain")}
}
