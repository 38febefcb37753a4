package core

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxIdentifierLength is PostgreSQL's identifier limit in bytes. PostgreSQL
// silently truncates longer names, which could turn one tenant's schema name
// into another's, so no derived name may exceed it.
const MaxIdentifierLength = 63

// SchemaPrefix starts every tenant schema name, keeping tenant schemas apart
// from the registry and shared schemas.
const SchemaPrefix = "tenant_"

// The shape of a hashed schema name: SchemaPrefix, a prefix of the slug of at
// most hashedPrefixMax bytes, "_", and hashLength hex characters of the
// slug's SHA-256. Together they fill MaxIdentifierLength exactly.
const (
	hashLength      = 13
	hashedPrefixMax = MaxIdentifierLength - len(SchemaPrefix) - 1 - hashLength
)

// SchemaName derives the PostgreSQL schema name of the tenant with the given
// slug. A short slug gives the readable name "tenant_" + slug with hyphens
// turned into underscores. A slug too long for that gives a deterministic
// hashed name of at most 63 bytes: "tenant_", the first 42 bytes of the
// underscored slug without trailing underscores, "_", and the first 13 hex
// characters of the slug's SHA-256.
//
// A short slug whose readable name has the hashed shape (it ends with "_"
// and 13 hex characters, such as "team-0123456789abc") is hashed as well:
// otherwise a chosen short slug could claim the name hashed from a long one.
// Different slugs therefore map to different names unless two slugs with
// the same 42-byte prefix share 52 bits of SHA-256; the registry's unique
// schema_name constraint refuses that case instead of sharing a schema.
func SchemaName(slug string) (string, error) {
	if err := ValidateSlug(slug); err != nil {
		return "", err
	}
	underscored := strings.ReplaceAll(slug, "-", "_")
	if readable := SchemaPrefix + underscored; len(readable) <= MaxIdentifierLength && !hasHashedShape(underscored) {
		return readable, nil
	}
	prefix := underscored
	if len(prefix) > hashedPrefixMax {
		prefix = prefix[:hashedPrefixMax]
	}
	// A valid slug starts with a letter or digit, so the trimmed prefix is never empty.
	prefix = strings.TrimRight(prefix, "_")
	sum := sha256.Sum256([]byte(slug))
	return SchemaPrefix + prefix + "_" + hex.EncodeToString(sum[:])[:hashLength], nil
}

// hasHashedShape reports whether the part of a name after SchemaPrefix could
// be a hashed name: a prefix of 1 to hashedPrefixMax bytes that does not end
// with "_", then "_" and hashLength lowercase hex characters.
func hasHashedShape(rest string) bool {
	n := len(rest)
	if n < hashLength+2 || n > hashedPrefixMax+1+hashLength {
		return false
	}
	if rest[n-hashLength-1] != '_' || rest[n-hashLength-2] == '_' {
		return false
	}
	for _, c := range []byte(rest[n-hashLength:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidateSchemaName checks a tenant schema name again at the DDL boundary,
// where a name might come from the registry rather than straight from
// SchemaName: it must be "tenant_" followed by lowercase ASCII letters,
// digits and underscores, and at most 63 bytes. It returns a
// *ValidationError on field "schemaName".
func ValidateSchemaName(name string) error {
	if len(name) > MaxIdentifierLength {
		return invalid("schemaName", "length", "schema name must be at most %d bytes, got %d", MaxIdentifierLength, len(name))
	}
	rest, ok := strings.CutPrefix(name, SchemaPrefix)
	if !ok || rest == "" {
		return invalid("schemaName", "prefix", "schema name must be %q followed by at least one character, got %q", SchemaPrefix, name)
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return invalid("schemaName", "charset",
				"schema name may contain only lowercase letters a–z, digits and underscores; found %q at byte %d",
				string(c), len(SchemaPrefix)+i+1)
		}
	}
	return nil
}

// QuoteIdent quotes any PostgreSQL identifier: it wraps the name in double
// quotes and doubles each embedded double quote, so the name can never end
// the identifier early. NUL bytes, which PostgreSQL refuses in identifiers,
// are dropped.
func QuoteIdent(name string) string {
	name = strings.ReplaceAll(name, "\x00", "")
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteLiteral quotes s as an SQL string literal that means s whatever
// standard_conforming_strings says: a string with a backslash becomes an
// escape string (E'…') with the backslash doubled. NUL bytes, which no
// PostgreSQL text can hold, are dropped.
func QuoteLiteral(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\x00", ""), "'", "''")
	if strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(s, `\`, `\\`) + "'"
	}
	return "'" + s + "'"
}

// QuoteSchema validates a tenant schema name and quotes it for DDL. Together
// they make sure no unsafe identifier reaches SQL, even if the registry was
// tampered with.
func QuoteSchema(name string) (string, error) {
	if err := ValidateSchemaName(name); err != nil {
		return "", err
	}
	return QuoteIdent(name), nil
}
