// Package ports holds the interfaces between the tenancy application and the
// world (the registry, the provisioner, the tenant scope, the resolver…) and
// the error kinds every adapter translates its failures into. A hosted module
// depends on this package and on core, never on an adapter.
package ports

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenancyhq/tenancy/core"
)

// Kind classifies an error for callers that must react to it: the HTTP edge
// maps each kind to one status code, the CLI to one exit message.
type Kind int

// The error kinds. KindInternal is everything not classified: a bug or an
// unexpected failure whose details must not reach a client.
const (
	KindInternal Kind = iota
	KindNotFound
	KindConflict
	KindInvalid
	KindPreconditionFailed
	KindForbidden
	KindGone
	KindUnavailable
	KindUnauthorized
)

var kindNames = map[Kind]string{
	KindInternal:           "internal",
	KindNotFound:           "not_found",
	KindConflict:           "conflict",
	KindInvalid:            "invalid",
	KindPreconditionFailed: "precondition_failed",
	KindForbidden:          "forbidden",
	KindGone:               "gone",
	KindUnavailable:        "unavailable",
	KindUnauthorized:       "unauthorized",
}

func (k Kind) String() string {
	if name, ok := kindNames[k]; ok {
		return name
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is an error with a kind and a message that is safe to show a client.
// Field names the offending input, as a JSON path, when there is one.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	// Err is the cause, kept for logs and errors.Is/As; it is never shown to a client.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind with a formatted, client-safe message.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause with a kind and a client-safe message, keeping cause for logs.
func Wrap(kind Kind, cause error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// KindOf tells the kind of err: the outermost *Error's kind, the kind that a
// core domain error stands for, or KindInternal.
func KindOf(err error) Kind {
	if err == nil {
		return KindInternal
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	var ve *core.ValidationError
	var ves core.ValidationErrors
	var te *core.TransitionError
	switch {
	case errors.As(err, &ve), errors.As(err, &ves):
		return KindInvalid
	case errors.As(err, &te):
		return KindConflict
	case errors.Is(err, context.DeadlineExceeded):
		return KindUnavailable
	}
	return KindInternal
}

// Is reports whether err is of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// PublicMessage is the text of err that may be shown to a client: the message
// of a classified error, or a generic sentence for an internal one.
func PublicMessage(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Field != "" {
			return pe.Field + ": " + pe.Message
		}
		return pe.Message
	}
	if KindOf(err) != KindInternal {
		return err.Error()
	}
	return "internal error; the server log has the details"
}
