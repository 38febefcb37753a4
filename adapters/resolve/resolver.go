// Package resolve finds the tenant of an inbound HTTP request for the modules
// hosted in a tenancy binary: an ordered chain of strategies (subdomain,
// header, path prefix, verified claim, custom) names a tenant, a cache in
// front of the registry turns the name into a tenant without a database round
// trip on a hit, and a net/http middleware refuses, with an RFC 9457 problem,
// every request whose tenant cannot be used, so a handler never runs for one.
//
// The cache stays correct across instances through Listener, which hears the
// registry's NOTIFY on ports.ChangeChannel and drops the changed tenant.
package resolve

import (
	"fmt"
	"net/http"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Resolver is the ports.Resolver over a chain of strategies and a lookup
// (normally a *Cache in front of the tenant service).
type Resolver struct {
	lookup     ports.TenantLookup
	strategies []Strategy
}

var _ ports.Resolver = (*Resolver)(nil)

// NewResolver returns a resolver that asks the strategies in order and looks
// the first reference found up in lookup.
func NewResolver(lookup ports.TenantLookup, strategies ...Strategy) (*Resolver, error) {
	if lookup == nil {
		return nil, fmt.Errorf("resolver: nil tenant lookup")
	}
	if len(strategies) == 0 {
		return nil, fmt.Errorf("resolver: no strategy")
	}
	for i, s := range strategies {
		if s == nil {
			return nil, fmt.Errorf("resolver: strategy %d is nil", i+1)
		}
	}
	return &Resolver{lookup: lookup, strategies: strategies}, nil
}

// Resolve implements ports.Resolver; see there for the outcomes.
func (rs *Resolver) Resolve(r *http.Request) (core.Tenant, *http.Request, error) {
	ref, next, ok := rs.extract(r)
	if !ok {
		return core.Tenant{}, r, ports.ErrNoTenant
	}
	// Neither a slug nor an id (a UUID): no tenant can match, so spare the
	// store and the cache the garbage.
	if !core.LooksLikeUUID(ref) && core.ValidateSlug(ref) != nil {
		return core.Tenant{}, r, ports.Errorf(ports.KindNotFound, "the request names no valid tenant slug or id")
	}
	t, err := rs.lookup.Get(next.Context(), ref)
	if err != nil {
		switch ports.KindOf(err) {
		case ports.KindNotFound:
			return core.Tenant{}, r, ports.Wrap(ports.KindNotFound, err, "tenant %q not found", ref)
		case ports.KindUnavailable:
			return core.Tenant{}, r, ports.Wrap(ports.KindUnavailable, err, "the tenant registry is unavailable; retry shortly")
		default:
			return core.Tenant{}, r, fmt.Errorf("look up tenant %q: %w", ref, err)
		}
	}
	if err := ports.UsableError(t); err != nil {
		// Name the tenant as the request did: when it used the id, the slug
		// is tenant data the caller may not know.
		return core.Tenant{}, r, ports.Wrap(ports.KindOf(err), err, "%s", refusal(ports.KindOf(err), ref))
	}
	return t, next.WithContext(ports.WithTenant(next.Context(), t)), nil
}

func refusal(kind ports.Kind, ref string) string {
	switch kind {
	case ports.KindForbidden:
		return fmt.Sprintf("tenant %q is suspended", ref)
	case ports.KindGone:
		return fmt.Sprintf("tenant %q is deleted", ref)
	default:
		return fmt.Sprintf("tenant %q is not provisioned yet", ref)
	}
}

func (rs *Resolver) extract(r *http.Request) (string, *http.Request, bool) {
	for _, s := range rs.strategies {
		if ref, next, ok := s.Extract(r); ok {
			// Slugs are lowercase and ids compare case-insensitively, so one
			// spelling per tenant keeps the cache to one entry per key.
			return lower(ref), next, true
		}
	}
	return "", r, false
}

// lower lowercases ASCII without allocating when s is already lowercase.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
