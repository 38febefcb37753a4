package core

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var schemaPattern = regexp.MustCompile(`^tenant_[a-z0-9_]+$`)

func hash13(slug string) string {
	sum := sha256.Sum256([]byte(slug))
	return hex.EncodeToString(sum[:])[:13]
}

// A 60-character prefix shared by generated long slugs, so that the hashed
// names must tell apart slugs that agree on everything a prefix can show.
const sharedPrefix = "acme-corporation-international-holdings-europe-subsidiary-00"

func TestSchemaName(t *testing.T) {
	long57 := strings.Repeat("a", 57)
	long100 := sharedPrefix + strings.Repeat("z", 40)
	hyphened := strings.Repeat("a", 41) + strings.Repeat("-", 20) + "b"
	cases := []struct {
		name string
		slug string
		want string
	}{
		{"a short slug keeps its letters with hyphens as underscores", "acme-corp", "tenant_acme_corp"},
		{"a 56-character slug still fits in 63 bytes", strings.Repeat("a", 56), "tenant_" + strings.Repeat("a", 56)},
		{"a 57-character slug is shortened and hashed", long57, "tenant_" + strings.Repeat("a", 42) + "_" + hash13(long57)},
		{"a 100-character slug is shortened and hashed", long100,
			"tenant_acme_corporation_international_holdings_eu_" + hash13(long100)},
		{"trailing underscores of the shortened prefix are trimmed", hyphened,
			"tenant_" + strings.Repeat("a", 41) + "_" + hash13(hyphened)},
		{"a short slug that looks hashed is hashed too", "team-0123456789abc",
			"tenant_team_0123456789abc_" + hash13("team-0123456789abc")},
		{"a short slug ending in 13 non-hex characters stays readable", "team-0123456789xyz", "tenant_team_0123456789xyz"},
		{"a short slug ending in 12 hex characters stays readable", "team-0123456789ab", "tenant_team_0123456789ab"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SchemaName(tc.slug)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("SchemaName(%q) = %q, want %q", tc.slug, got, tc.want)
			}
			if len(got) > 63 || ValidateSchemaName(got) != nil {
				t.Errorf("SchemaName(%q) = %q is not a valid schema name", tc.slug, got)
			}
		})
	}
}

func TestSchemaNameRefusesAnInvalidSlug(t *testing.T) {
	_, err := SchemaName("Acme")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "slug" {
		t.Fatalf("want a slug *ValidationError, got %v", err)
	}
}

// A short slug chosen to spell out a long slug's hashed name must not get
// that name: it would share the long slug's schema.
func TestSchemaNameCannotBeClaimedByAShortSlug(t *testing.T) {
	long := strings.Repeat("a", 60)
	longName, _ := SchemaName(long)
	impostor := strings.ReplaceAll(strings.TrimPrefix(longName, "tenant_"), "_", "-")
	if err := ValidateSlug(impostor); err != nil {
		t.Fatalf("the impostor %q should be a valid slug: %v", impostor, err)
	}
	impostorName, _ := SchemaName(impostor)
	if impostorName == longName {
		t.Fatalf("slugs %q and %q both map to %q", long, impostor, longName)
	}
}

func TestValidateSchemaName(t *testing.T) {
	cases := []struct {
		name       string
		schemaName string
		rule       string
	}{
		{"a derived name is valid", "tenant_acme_corp", ""},
		{"63 bytes are valid", "tenant_" + strings.Repeat("a", 56), ""},
		{"64 bytes are too long", "tenant_" + strings.Repeat("a", 57), "length"},
		{"the prefix alone is not a name", "tenant_", "prefix"},
		{"another prefix is refused", "public", "prefix"},
		{"an uppercase prefix is refused", "Tenant_acme", "prefix"},
		{"a hyphen is refused", "tenant_acme-corp", "charset"},
		{"a quote is refused", `tenant_a"; drop schema public; --`, "charset"},
		{"a space is refused", "tenant_acme corp", "charset"},
		{"uppercase is refused", "tenant_Acme", "charset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSchemaName(tc.schemaName)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Rule != tc.rule || ve.Field != "schemaName" {
				t.Fatalf("got %v, want a schemaName error with rule %q", err, tc.rule)
			}
			if _, err := QuoteSchema(tc.schemaName); err == nil {
				t.Errorf("QuoteSchema accepted %q", tc.schemaName)
			}
		})
	}
}

func TestQuoteIdent(t *testing.T) {
	cases := map[string]string{
		"tenant_acme": `"tenant_acme"`,
		"Users":       `"Users"`,
		`a"b`:         `"a""b"`,
		`"`:           `""""`,
		"":            `""`,
		"a\x00b":      `"ab"`,
	}
	for in, want := range cases {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got, err := QuoteSchema("tenant_acme_corp"); err != nil || got != `"tenant_acme_corp"` {
		t.Errorf("QuoteSchema = %q, %v", got, err)
	}
}

// validSlug generates slugs that pass ValidateSlug: random ones of every
// length, long ones sharing a 60-character prefix, and short ones that end
// like a hashed name.
func validSlug() *rapid.Generator[string] {
	alnum := []rune("abcdefghijklmnopqrstuvwxyz0123456789")
	inner := append([]rune("-"), alnum...)
	body := func(rt *rapid.T, label string, minLen, maxLen int) string {
		n := rapid.IntRange(minLen, maxLen).Draw(rt, label+"Len")
		if n == 0 {
			return ""
		}
		first := rapid.SampledFrom(alnum).Draw(rt, label+"First")
		if n == 1 {
			return string(first)
		}
		mid := rapid.StringOfN(rapid.SampledFrom(inner), n-2, n-2, -1).Draw(rt, label+"Mid")
		last := rapid.SampledFrom(alnum).Draw(rt, label+"Last")
		return string(first) + mid + string(last)
	}
	random := rapid.Custom(func(rt *rapid.T) string { return body(rt, "random", 2, 100) })
	sharedLong := rapid.Custom(func(rt *rapid.T) string {
		return sharedPrefix + body(rt, "suffix", 0, 40)
	})
	hashLike := rapid.Custom(func(rt *rapid.T) string {
		hex := rapid.StringOfN(rapid.SampledFrom([]rune("0123456789abcdef")), 13, 13, -1).Draw(rt, "hex")
		return body(rt, "head", 1, 42) + "-" + hex
	})
	return rapid.OneOf(random, sharedLong, sharedLong, hashLike)
}

func TestSchemaNameProperties(t *testing.T) {
	seen := map[string]string{} // schema name → the slug that produced it, over the whole run
	claim := func(rt *rapid.T, slug, name string) {
		if prev, ok := seen[name]; ok && prev != slug {
			rt.Fatalf("slugs %q and %q both map to %q", prev, slug, name)
		}
		seen[name] = slug
	}
	gen := validSlug()
	rapid.Check(t, func(rt *rapid.T) {
		a := gen.Draw(rt, "a")
		b := gen.Draw(rt, "b")
		more := rapid.SliceOfN(gen, 0, 20).Draw(rt, "more")
		names := map[string]string{}
		for _, slug := range append([]string{a, b}, more...) {
			if err := ValidateSlug(slug); err != nil {
				rt.Fatalf("generator made an invalid slug: %v", err)
			}
			name, err := SchemaName(slug)
			if err != nil {
				rt.Fatalf("SchemaName(%q): %v", slug, err)
			}
			if err := ValidateSchemaName(name); err != nil || len(name) > 63 || !schemaPattern.MatchString(name) {
				rt.Fatalf("SchemaName(%q) = %q is not a valid schema name (%v)", slug, name, err)
			}
			if again, _ := SchemaName(slug); again != name {
				rt.Fatalf("SchemaName(%q) is not deterministic: %q then %q", slug, name, again)
			}
			names[slug] = name
			claim(rt, slug, name)

			// The short slug that spells out this name must get another one.
			impostor := strings.ReplaceAll(strings.TrimPrefix(name, "tenant_"), "_", "-")
			if impostor != slug && ValidateSlug(impostor) == nil {
				if other, _ := SchemaName(impostor); other == name {
					rt.Fatalf("slugs %q and %q both map to %q", slug, impostor, name)
				}
			}
		}
		if a != b && names[a] == names[b] {
			rt.Fatalf("slugs %q and %q both map to %q", a, b, names[a])
		}
	})
}

func FuzzSchemaName(f *testing.F) {
	for _, seed := range []string{
		"acme-corp", "ab", "a", "", "ACME", "-acme", "acme-", "café", " acme", "acme_corp",
		strings.Repeat("a", 56), strings.Repeat("a", 57), strings.Repeat("z", 100), strings.Repeat("z", 101),
		sharedPrefix + "tail", "team-0123456789abc", `a"b`, "tenant_acme", "a\x00b", "a--b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := SchemaName(s)
		if err == nil {
			if ValidateSlug(s) != nil {
				t.Fatalf("SchemaName accepted the invalid slug %q", s)
			}
			if err := ValidateSchemaName(name); err != nil || len(name) > 63 || !schemaPattern.MatchString(name) {
				t.Fatalf("SchemaName(%q) = %q is not a valid schema name (%v)", s, name, err)
			}
			q, err := QuoteSchema(name)
			if err != nil || q != `"`+name+`"` {
				t.Fatalf("QuoteSchema(%q) = %q, %v", name, q, err)
			}
		}
		// Whatever the input, QuoteSchema either refuses it or returns a
		// quoted, safe identifier.
		if q, err := QuoteSchema(s); err == nil {
			inner := strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
			if q != `"`+s+`"` || !schemaPattern.MatchString(inner) || len(inner) > 63 {
				t.Fatalf("QuoteSchema(%q) = %q is not a safe quoted identifier", s, q)
			}
		}
		checkQuoted(t, s)
	})
}

func FuzzQuoteIdent(f *testing.F) {
	for _, seed := range []string{"", "users", `a"b`, `"`, `""`, "a\x00b", `x"; drop table t; --`} {
		f.Add(seed)
	}
	f.Fuzz(checkQuoted)
}

// checkQuoted checks that QuoteIdent(s) is one quoted identifier that
// PostgreSQL reads back as s without its NUL bytes.
func checkQuoted(t *testing.T, s string) {
	q := QuoteIdent(s)
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		t.Fatalf("QuoteIdent(%q) = %q is not wrapped in double quotes", s, q)
	}
	inner := q[1 : len(q)-1]
	if strings.Contains(strings.ReplaceAll(inner, `""`, ""), `"`) || strings.Contains(inner, "\x00") {
		t.Fatalf("QuoteIdent(%q) = %q lets a quote or NUL through", s, q)
	}
	if back := strings.ReplaceAll(inner, `""`, `"`); back != strings.ReplaceAll(s, "\x00", "") {
		t.Fatalf("QuoteIdent(%q) = %q reads back as %q", s, q, back)
	}
}

func TestQuoteLiteral(t *testing.T) {
	cases := map[string]string{
		"plain":                "'plain'",
		"it's":                 "'it''s'",
		`back\slash`:           `E'back\\slash'`,
		"a\x00b":               "'ab'",
		"'); DROP TABLE t; --": "'''); DROP TABLE t; --'",
		`\'; DROP TABLE t; --`: `E'\\''; DROP TABLE t; --'`,
	}
	for in, want := range cases {
		if got := QuoteLiteral(in); got != want {
			t.Errorf("QuoteLiteral(%q) = %s, want %s", in, got, want)
		}
	}
}
