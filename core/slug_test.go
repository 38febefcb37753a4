package core

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSlug(t *testing.T) {
	cases := []struct {
		name string
		slug string
		rule string // "" when the slug is valid
		msg  string // a part of the message, when it matters
	}{
		{name: "a word with a hyphen is fine", slug: "acme-corp"},
		{name: "digits are fine", slug: "acme2024"},
		{name: "a slug may start with a digit", slug: "42-labs"},
		{name: "two characters are the minimum", slug: "ab"},
		{name: "one hundred characters are the maximum", slug: strings.Repeat("a", 100)},
		{name: "consecutive hyphens inside are fine", slug: "acme--corp"},
		{name: "an empty slug is too short", slug: "", rule: "length", msg: "got 0"},
		{name: "a slug shaped like a tenant id is refused", slug: "0f8fad5b-d9cb-469f-a165-70867728950e", rule: "uuid", msg: "shape of a tenant id"},
		{name: "a slug of 36 characters that is no UUID is fine", slug: "0f8fad5b-d9cb-469f-a165-70867728950x", rule: ""},
		{name: "one character is too short", slug: "a", rule: "length", msg: "slug must be 2–100 characters, got 1"},
		{name: "one hundred and one characters are too long", slug: strings.Repeat("a", 101), rule: "length", msg: "got 101"},
		{name: "uppercase letters are refused", slug: "ACME", rule: "charset", msg: `found "A" at position 1`},
		{name: "an underscore is refused", slug: "acme_corp", rule: "charset", msg: `found "_" at position 5`},
		{name: "a dot is refused", slug: "acme.corp", rule: "charset", msg: `found "." at position 5`},
		{name: "an accented letter is refused", slug: "café", rule: "charset", msg: `found "é" at position 4`},
		{name: "an invalid UTF-8 byte is refused and shown as a byte", slug: "ab\xff", rule: "charset", msg: `found "\xff" at position 3`},
		{name: "a leading space is refused", slug: " acme", rule: "charset", msg: `found " " at position 1`},
		{name: "a trailing newline is refused", slug: "acme\n", rule: "charset", msg: `found "\n" at position 5`},
		{name: "a leading hyphen is refused", slug: "-acme", rule: "edge"},
		{name: "a trailing hyphen is refused", slug: "acme-", rule: "edge"},
		{name: "hyphens only are refused", slug: "--", rule: "edge"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSlug(tc.slug)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("ValidateSlug(%q) = %v, want nil", tc.slug, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidateSlug(%q) = %v, want a *ValidationError", tc.slug, err)
			}
			if ve.Field != "slug" || ve.Rule != tc.rule {
				t.Errorf("got field %q rule %q, want slug %q", ve.Field, ve.Rule, tc.rule)
			}
			if !strings.Contains(ve.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", ve.Message, tc.msg)
			}
			if !strings.HasPrefix(ve.Error(), "slug: ") {
				t.Errorf("Error() = %q, want it to start with the field", ve.Error())
			}
		})
	}
}
