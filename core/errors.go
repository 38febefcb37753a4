package core

import (
	"fmt"
	"strings"
)

// ValidationError says that one input field breaks one rule. The ports layer
// classifies it as invalid input, and the HTTP edge shows Field and Message to
// the client, so Message must say what to fix, not what went wrong inside.
type ValidationError struct {
	// Field is the JSON path of the offending input, such as "slug" or
	// "settings.limits.users". It is empty when the input as a whole is at fault.
	Field string
	// Rule is a short, stable name of the broken rule ("length", "charset", …)
	// for clients and tests that branch on it.
	Rule string
	// Message is a sentence, safe to show a client, saying what to fix.
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// invalid builds a *ValidationError with a formatted message.
func invalid(field, rule, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// ValidationErrors reports several bad fields at once, so a client fixes its
// whole request in one round trip instead of one field per attempt.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap exposes each field error, so errors.As finds a *ValidationError
// inside a ValidationErrors too.
func (es ValidationErrors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Err returns es as an error, or nil when it is empty. Returning an empty
// ValidationErrors as an error would be a non-nil error that reports nothing.
func (es ValidationErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// add appends err when it is not nil, flattening a ValidationErrors into its
// field errors so the list stays one level deep.
func (es *ValidationErrors) add(err error) {
	switch e := err.(type) {
	case nil:
	case *ValidationError:
		*es = append(*es, e)
	case ValidationErrors:
		*es = append(*es, e...)
	default:
		*es = append(*es, &ValidationError{Message: e.Error()})
	}
}

// TransitionError refuses an action that the lifecycle does not allow from
// the tenant's current status. The ports layer classifies it as a conflict;
// its message names the current status and what is allowed from it, so the
// caller learns what to do instead.
type TransitionError struct {
	Action  Action
	Current Status
	// Allowed lists the lifecycle actions allowed from Current; it is empty
	// when nothing is allowed.
	Allowed []Action
}

func (e *TransitionError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("cannot %s a tenant that is %s; no action is allowed from %s", e.Action, e.Current, e.Current)
	}
	names := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		names[i] = string(a)
	}
	return fmt.Sprintf("cannot %s a tenant that is %s; allowed from %s: %s",
		e.Action, e.Current, e.Current, strings.Join(names, ", "))
}
