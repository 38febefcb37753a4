package core

import (
	"slices"
	"strconv"
	"strings"
)

// DefaultSharedSchema is the one shared schema a deployment has when it
// configures none: hosted modules' shared tables live in public.
const DefaultSharedSchema = "public"

// SharedSchemas returns the shared schemas to put after a tenant's schema on
// its search path, given the configured list: nil means DefaultSharedSchema
// alone, an empty non-nil list means none. The result is a copy without
// repeats, so callers may keep it. The names are not validated here; see
// ValidateSharedSchemas and SearchPath.
func SharedSchemas(configured []string) []string {
	if configured == nil {
		return []string{DefaultSharedSchema}
	}
	out := make([]string, 0, len(configured))
	for _, s := range configured {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ValidateSharedSchemas checks names of shared schemas: each must be a
// lowercase identifier of letters, digits and underscores, at most 63 bytes,
// not starting with a digit, and neither a system schema (pg_…) nor a tenant
// schema (tenant_…), whose tables would otherwise be visible to every
// tenant. It returns a *ValidationError on field "sharedSchemas".
func ValidateSharedSchemas(names []string) error {
	for i, name := range names {
		if err := validateSharedSchema(name); err != nil {
			err.Field = "sharedSchemas[" + strconv.Itoa(i) + "]"
			return err
		}
	}
	return nil
}

func validateSharedSchema(name string) *ValidationError {
	switch {
	case name == "" || len(name) > MaxIdentifierLength:
		return invalid("", "length", "a shared schema name must be 1 to %d bytes, got %d", MaxIdentifierLength, len(name))
	case strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, SchemaPrefix):
		return invalid("", "prefix", "shared schema %q must not start with pg_ or %s", name, SchemaPrefix)
	case name[0] >= '0' && name[0] <= '9':
		return invalid("", "charset", "shared schema %q must start with a letter or underscore", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return invalid("", "charset", "shared schema %q may contain only lowercase letters a–z, digits and underscores", name)
		}
	}
	return nil
}

// SearchPath builds the value of a tenant's search_path: its schema, then
// the shared schemas in order, each validated and quoted, such as
// `"tenant_acme", "public"`. It is the one place that turns names into a
// search path, so a scoped transaction and a provisioning hook see the same
// tables. It returns a *ValidationError when a name is not safe to use.
func SearchPath(schema string, shared []string) (string, error) {
	if err := ValidateSchemaName(schema); err != nil {
		return "", err
	}
	if err := ValidateSharedSchemas(shared); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(QuoteIdent(schema))
	for _, s := range shared {
		b.WriteString(", ")
		b.WriteString(QuoteIdent(s))
	}
	return b.String(), nil
}
