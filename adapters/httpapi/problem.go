package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Problem is every error response of the API: an RFC 9457 problem (huma's
// ErrorModel) with the id of the request, so a client can quote it and an
// operator find the matching log lines.
type Problem struct {
	huma.ErrorModel
	RequestID string `json:"requestId,omitempty" example:"01HZX3S4K6F1T2W9Q7C8V5B0NM" doc:"The id of the request, also sent in the X-Request-Id header and written on every log line of the request."`
}

// internalDetail is the only thing a client learns about a server-side failure.
const internalDetail = "internal error; the server log has the details under this requestId"

// maxEchoedValue bounds the JSON encoding of an input value echoed back in
// an error detail: huma echoes whole objects (the entire body for an unknown
// field), which can be a megabyte.
const maxEchoedValue = 256

// echoable reports whether an error detail may keep the input value it
// echoes: only a scalar (string, number, bool or null) whose JSON encoding is
// short. Objects and arrays are dropped whatever their size, since the
// location already says where the bad part is.
func echoable(v any) bool {
	if v == nil {
		return true
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
	default:
		return false
	}
	raw, err := json.Marshal(v)
	return err == nil && len(raw) <= maxEchoedValue
}

var installErrorsOnce sync.Once

// installErrors makes huma build every error as a Problem. huma keeps its
// error constructors in package variables, so this is done once per process,
// from NewAPI, before any operation is registered (huma derives the error
// schema of the document from NewError).
func installErrors() {
	installErrorsOnce.Do(func() {
		huma.NewError = newProblem
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			if status >= http.StatusInternalServerError {
				// Only a handler error that is no StatusError gets here with a
				// 5xx: its text may be SQL, so it goes to the log, not the client.
				ctx := hctx.Context()
				LoggerFrom(ctx).Error("request failed", zap.String("detail", msg), zap.Errors("errors", errs))
				return &Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: internalDetail}, RequestID: RequestID(ctx)}
			}
			p := newProblem(status, msg, errs...).(*Problem)
			p.RequestID = RequestID(hctx.Context())
			return p
		}
	})
}

// newProblem is huma.NewError, building a Problem.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: msg}}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d *huma.ErrorDetail
		if detailer, ok := err.(huma.ErrorDetailer); ok {
			d = detailer.ErrorDetail()
		} else {
			d = &huma.ErrorDetail{Message: err.Error()}
		}
		if !echoable(d.Value) {
			d = &huma.ErrorDetail{Message: d.Message, Location: d.Location}
		}
		p.Errors = append(p.Errors, d)
	}
	if msg == "validation failed" && len(p.Errors) > 0 {
		// huma's own summary says nothing about what to fix; name it.
		parts := make([]string, len(p.Errors))
		for i, d := range p.Errors {
			parts[i] = d.Message
			if d.Location != "" {
				parts[i] = d.Location + ": " + d.Message
			}
		}
		p.Detail = "the request is invalid; fix " + strings.Join(parts, "; ")
	}
	return p
}

// addRequestID is a huma transformer that stamps the request id on problems
// built without a context (huma.Error503ServiceUnavailable and friends).
func addRequestID(hctx huma.Context, _ string, v any) (any, error) {
	if p, ok := v.(*Problem); ok && p.RequestID == "" {
		p.RequestID = RequestID(hctx.Context())
	}
	return v, nil
}

// statusOf is the one mapping from error kinds to HTTP statuses.
func statusOf(kind ports.Kind) int {
	switch kind {
	case ports.KindInvalid:
		return http.StatusUnprocessableEntity
	case ports.KindNotFound:
		return http.StatusNotFound
	case ports.KindConflict:
		return http.StatusConflict
	case ports.KindPreconditionFailed:
		return http.StatusPreconditionFailed
	case ports.KindForbidden:
		return http.StatusForbidden
	case ports.KindGone:
		return http.StatusGone
	case ports.KindUnavailable:
		return http.StatusServiceUnavailable
	case ports.KindUnauthorized:
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}

// ToProblem turns an error of the application into the problem a client
// sees. Validation errors list every bad field by its location in the
// request; an unclassified error is logged in full with the request id and
// answered with a generic detail.
func ToProblem(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	kind := ports.KindOf(err)
	status := statusOf(kind)
	if errors.Is(err, ports.ErrNoTenant) {
		// A route that works on a tenant was reached without naming one:
		// the request is malformed, not one of its fields.
		status = http.StatusBadRequest
		err = ports.Errorf(ports.KindInvalid, "this route needs a tenant: name it as the server's tenant resolution expects (subdomain, header or path)")
	}
	p := &Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status)}, RequestID: RequestID(ctx)}
	switch {
	case kind == ports.KindInternal:
		LoggerFrom(ctx).Error("request failed", zap.Error(err))
		p.Detail = internalDetail
		return p
	case kind == ports.KindUnavailable:
		LoggerFrom(ctx).Warn("request failed: a dependency is unavailable", zap.Error(err))
	}
	p.Detail = ports.PublicMessage(err)
	var ves core.ValidationErrors
	var ve *core.ValidationError
	var pe *ports.Error
	switch {
	case errors.As(err, &ves):
		fixes := make([]string, 0, len(ves))
		for _, e := range ves {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Location: location(e.Field), Message: e.Message})
			fixes = append(fixes, location(e.Field)+": "+e.Message)
		}
		p.Detail = "the request is invalid: " + strings.Join(fixes, "; ")
	case errors.As(err, &ve):
		p.Detail = ve.Message
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: location(ve.Field), Message: ve.Message})
	case errors.As(err, &pe) && pe.Field != "":
		p.Detail = pe.Message
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: location(pe.Field), Message: pe.Message})
	}
	return p
}

// location turns the field of an application error into where it is in the
// request: path and query parameters by name, headers as they are, anything
// else as a JSON path in the body.
func location(field string) string {
	switch {
	case field == "":
		return "body"
	case field == "ref" || field == "slug-or-id":
		return "path.slug"
	case field == "cursor", field == "limit", field == "status", field == "q", field == "confirm":
		return "query." + field
	case strings.HasPrefix(field, "header.") || strings.HasPrefix(field, "body.") ||
		strings.HasPrefix(field, "query.") || strings.HasPrefix(field, "path."):
		return field
	}
	return "body." + field
}
