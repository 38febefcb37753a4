package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Options configures Middleware.
type Options struct {
	// Resolver finds the tenant; normally a *Resolver over a *Cache.
	Resolver ports.Resolver
	// Required refuses a request that names no tenant with 400; otherwise
	// such a request reaches the handler without a tenant in its context.
	Required bool
	// Logger receives the failures that are not the client's doing (the
	// registry unavailable, an unexpected error); nil logs nothing.
	Logger *zap.Logger
}

// The problem types of the middleware's refusals. They are URNs rather than
// URLs so that no client is sent to a page that may not exist.
const (
	ProblemTenantRequired       = "urn:tenancy:problem:tenant-required"
	ProblemTenantNotFound       = "urn:tenancy:problem:tenant-not-found"
	ProblemTenantSuspended      = "urn:tenancy:problem:tenant-suspended"
	ProblemTenantDeleted        = "urn:tenancy:problem:tenant-deleted"
	ProblemTenantNotProvisioned = "urn:tenancy:problem:tenant-not-provisioned"
	ProblemRegistryUnavailable  = "urn:tenancy:problem:registry-unavailable"
	ProblemInternal             = "urn:tenancy:problem:internal"
)

// Problem is an RFC 9457 problem document, the body of every refusal.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// Middleware resolves the tenant of every request before the handler runs.
// It is a plain net/http middleware, so it wraps a huma adapter, a chi router
// or a ServeMux alike. The outcomes:
//
//   - the tenant is usable (provisioned): the handler runs with the tenant in
//     its context (see Tenant) and, for the path strategy, the prefix stripped;
//   - the request names no tenant: the handler runs without one, or, when
//     Required, 400;
//   - unknown tenant: 404; suspended: 403; deleted: 410; not provisioned yet:
//     409; registry unreachable: 503 with Retry-After; anything else: 500.
//
// A refusal is an application/problem+json body whose detail says what
// happened in the request's own terms (`tenant "acme" is suspended`) and
// carries no tenant data. It panics when opts.Resolver is nil: that is a
// wiring mistake that must not wait for the first request.
func Middleware(opts Options) func(http.Handler) http.Handler {
	if opts.Resolver == nil {
		panic("resolve.Middleware: Options.Resolver is nil")
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, scoped, err := opts.Resolver.Resolve(r)
			if err == nil {
				next.ServeHTTP(w, scoped)
				return
			}
			if errors.Is(err, ports.ErrNoTenant) && !opts.Required {
				next.ServeHTTP(w, r)
				return
			}
			refuse(w, r, log, err)
		})
	}
}

// Tenant returns the tenant that Middleware resolved for the request whose
// context is ctx.
func Tenant(ctx context.Context) (core.Tenant, bool) { return ports.TenantFrom(ctx) }

func refuse(w http.ResponseWriter, r *http.Request, log *zap.Logger, err error) {
	p := problemFor(err)
	switch p.Status {
	case http.StatusServiceUnavailable:
		log.Warn("tenant resolution: registry unavailable", zap.String("path", r.URL.Path), zap.Error(err))
		w.Header().Set("Retry-After", "1")
	case http.StatusInternalServerError:
		log.Error("tenant resolution failed", zap.String("host", r.Host), zap.String("path", r.URL.Path), zap.Error(err))
	}
	WriteProblem(w, p)
}

func problemFor(err error) Problem {
	if errors.Is(err, ports.ErrNoTenant) {
		return Problem{ProblemTenantRequired, "Tenant required", http.StatusBadRequest,
			"the request names no tenant; this route needs one"}
	}
	kind := ports.KindOf(err)
	msg := ports.PublicMessage(err)
	switch kind {
	case ports.KindNotFound:
		return Problem{ProblemTenantNotFound, "Tenant not found", http.StatusNotFound, msg}
	case ports.KindForbidden:
		return Problem{ProblemTenantSuspended, "Tenant suspended", http.StatusForbidden, msg}
	case ports.KindGone:
		return Problem{ProblemTenantDeleted, "Tenant deleted", http.StatusGone, msg}
	case ports.KindConflict:
		return Problem{ProblemTenantNotProvisioned, "Tenant not provisioned", http.StatusConflict, msg}
	case ports.KindUnavailable:
		return Problem{ProblemRegistryUnavailable, "Tenant registry unavailable", http.StatusServiceUnavailable, msg}
	case ports.KindInvalid:
		return Problem{ProblemTenantRequired, "Tenant required", http.StatusBadRequest, msg}
	default:
		return Problem{ProblemInternal, "Internal error", http.StatusInternalServerError,
			"the tenant could not be resolved; the server log has the details"}
	}
}

// WriteProblem writes p as an application/problem+json response. A refusal
// depends on the tenant's current state, so it must not be cached.
func WriteProblem(w http.ResponseWriter, p Problem) {
	body, _ := json.Marshal(p) // four plain fields: cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}
