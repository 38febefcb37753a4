package core

import (
	"errors"
	"testing"
)

func TestValidationErrorsJoinAndUnwrap(t *testing.T) {
	es := ValidationErrors{
		{Field: "slug", Rule: "length", Message: "slug must be 2–100 characters, got 1"},
		{Field: "", Rule: "required", Message: "nothing to update"},
	}
	if want := "slug: slug must be 2–100 characters, got 1; nothing to update"; es.Error() != want {
		t.Errorf("Error() = %q, want %q", es.Error(), want)
	}
	var ve *ValidationError
	if !errors.As(error(es), &ve) || ve.Field != "slug" {
		t.Errorf("errors.As did not find the first field error: %v", ve)
	}
	if ValidationErrors(nil).Err() != nil {
		t.Error("an empty ValidationErrors must be a nil error")
	}
}
