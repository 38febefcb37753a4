package core

import (
	"unicode/utf8"
)

// The bounds of a slug's length. The lower bound keeps slugs meaningful in a
// subdomain; the upper bound keeps URLs and host names reasonable.
const (
	SlugMinLength = 2
	SlugMaxLength = 100
)

// ValidateSlug checks that s can identify a tenant in URLs, host names and
// schema names: 2–100 lowercase ASCII letters, digits and hyphens, starting and
// ending with a letter or digit, and not shaped like a UUID (a reference to
// a tenant is its id or its slug, so a slug must never read as an id). It
// returns a *ValidationError on field "slug" whose Rule is "length",
// "charset", "edge" or "uuid".
func ValidateSlug(s string) error {
	if n := utf8.RuneCountInString(s); n < SlugMinLength || n > SlugMaxLength {
		return invalid("slug", "length", "slug must be %d–%d characters, got %d", SlugMinLength, SlugMaxLength, n)
	}
	position := 0
	for i, r := range s {
		position++
		if isSlugChar(r) {
			continue
		}
		// Quote the raw bytes rather than r, so an invalid UTF-8 byte shows as
		// itself (\xff) instead of as the replacement character.
		_, size := utf8.DecodeRuneInString(s[i:])
		return invalid("slug", "charset",
			"slug may contain only lowercase letters a–z, digits and hyphens; found %q at position %d",
			s[i:i+size], position)
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return invalid("slug", "edge", "slug must start and end with a letter or digit, got %q", s)
	}
	if LooksLikeUUID(s) {
		return invalid("slug", "uuid", "slug %q has the shape of a tenant id (a UUID); choose a slug that does not", s)
	}
	return nil
}

// LooksLikeUUID reports whether s has the 8-4-4-4-12 hexadecimal shape of a
// UUID, the form of tenant ids.
func LooksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isSlugChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-'
}
