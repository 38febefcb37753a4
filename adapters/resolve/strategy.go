package resolve

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
)

// Strategy finds the tenant reference (an id or a slug) that a request names
// in one particular place: its host, a header, its path, an identity claim…
// Strategies form an ordered chain and the first one that finds a reference
// wins, so a request that names a tenant in two places is not ambiguous.
type Strategy interface {
	// Name identifies the strategy in configuration and logs.
	Name() string
	// Extract returns the reference r names and the request the handler must
	// see (r itself, unless the strategy rewrites it, as the path prefix
	// strategy does). ok is false when r names no tenant in this place.
	Extract(r *http.Request) (ref string, next *http.Request, ok bool)
}

// The strategy names accepted by StrategiesFromNames (TENANCY_RESOLVE).
const (
	NameSubdomain = "subdomain"
	NameHeader    = "header"
	NamePath      = "path"
	NameClaim     = "claim"
	NameCustom    = "custom"
)

// Defaults of the strategies' settings.
var (
	// DefaultIgnoredLabels are subdomains that name the product, not a tenant.
	DefaultIgnoredLabels = []string{"www", "api"}
	// DefaultHeaders are read, in this order, by the header strategy.
	DefaultHeaders = []string{"X-Tenant-Slug", "X-Tenant-Id"}
)

// DefaultPathPrefix is the path segment before the tenant's slug: /t/{slug}/….
const DefaultPathPrefix = "/t"

// ClaimFunc reads the tenant reference from an identity that an earlier
// middleware has already verified and put in the request context, e.g. a
// JWT's tenant claim. It must never parse unverified input.
type ClaimFunc func(ctx context.Context) (ref string, ok bool)

// StrategyConfig holds what the named strategies need.
type StrategyConfig struct {
	// BaseDomains are the domains whose direct subdomains are tenants
	// (TENANCY_BASE_DOMAINS), e.g. app.example.com. Required by "subdomain".
	BaseDomains []string
	// IgnoredLabels are subdomains that are never tenants; nil means
	// DefaultIgnoredLabels, an empty non-nil slice means none.
	IgnoredLabels []string
	// Headers are the headers "header" reads; empty means DefaultHeaders.
	Headers []string
	// PathPrefix is what precedes the slug for "path"; empty means DefaultPathPrefix.
	PathPrefix string
	// Claim reads a verified identity's tenant; required by "claim".
	Claim ClaimFunc
}

// StrategiesFromNames builds the chain named by TENANCY_RESOLVE, in order,
// e.g. ["subdomain", "header", "path", "claim"]. It reports an unknown or
// repeated name, and a strategy whose settings are missing, so a bad
// configuration fails at start-up rather than on the first request.
func StrategiesFromNames(names []string, cfg StrategyConfig) ([]Strategy, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no tenant resolution strategy named; use some of %s, %s, %s, %s",
			NameSubdomain, NameHeader, NamePath, NameClaim)
	}
	seen := map[string]bool{}
	out := make([]Strategy, 0, len(names))
	for _, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		if seen[name] {
			return nil, fmt.Errorf("tenant resolution strategy %q is named twice", name)
		}
		seen[name] = true
		var (
			s   Strategy
			err error
		)
		switch name {
		case NameSubdomain:
			s, err = NewSubdomain(cfg.BaseDomains, cfg.IgnoredLabels)
		case NameHeader:
			s, err = NewHeader(cfg.Headers...)
		case NamePath:
			s, err = NewPathPrefix(cfg.PathPrefix)
		case NameClaim:
			s, err = NewClaim(cfg.Claim)
		default:
			err = fmt.Errorf("unknown tenant resolution strategy %q; use %s, %s, %s or %s",
				raw, NameSubdomain, NameHeader, NamePath, NameClaim)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Header reads the tenant reference from request headers, the first
// non-empty one in order. Only enable it where the header is set by
// something trusted (a gateway that strips it from client requests) or where
// the handler checks the caller's membership: otherwise any client picks its
// tenant. That is why it is not part of the default chain.
type Header struct {
	names []string // canonical form, so lookups do not allocate
}

// NewHeader returns the header strategy; no names means DefaultHeaders.
func NewHeader(names ...string) (*Header, error) {
	if len(names) == 0 {
		names = DefaultHeaders
	}
	h := &Header{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || strings.ContainsAny(n, " :\t\r\n") {
			return nil, fmt.Errorf("header strategy: %q is not a header name", n)
		}
		h.names = append(h.names, textproto.CanonicalMIMEHeaderKey(n))
	}
	return h, nil
}

// Name returns "header".
func (*Header) Name() string { return NameHeader }

// Extract returns the first non-empty configured header.
func (h *Header) Extract(r *http.Request) (string, *http.Request, bool) {
	for _, n := range h.names {
		if v := r.Header[n]; len(v) > 0 {
			if ref := strings.TrimSpace(v[0]); ref != "" {
				return ref, r, true
			}
		}
	}
	return "", r, false
}

// Claim reads the tenant from an identity already verified upstream.
type Claim struct{ fn ClaimFunc }

// NewClaim returns the claim strategy over fn.
func NewClaim(fn ClaimFunc) (*Claim, error) {
	if fn == nil {
		return nil, fmt.Errorf("claim strategy: no claim function configured; the host must supply one that reads its verified identity")
	}
	return &Claim{fn: fn}, nil
}

// Name returns "claim".
func (*Claim) Name() string { return NameClaim }

// Extract asks the claim function.
func (c *Claim) Extract(r *http.Request) (string, *http.Request, bool) {
	ref, ok := c.fn(r.Context())
	ref = strings.TrimSpace(ref)
	return ref, r, ok && ref != ""
}

// Custom is a host-supplied strategy for anything the others do not cover.
type Custom struct {
	name string
	fn   func(*http.Request) (ref string, ok bool)
}

// NewCustom wraps fn as a strategy; name is for logs ("custom" when empty).
func NewCustom(name string, fn func(*http.Request) (ref string, ok bool)) (*Custom, error) {
	if fn == nil {
		return nil, fmt.Errorf("custom strategy: nil function")
	}
	if name == "" {
		name = NameCustom
	}
	return &Custom{name: name, fn: fn}, nil
}

// Name returns the name given to NewCustom.
func (c *Custom) Name() string { return c.name }

// Extract asks the function.
func (c *Custom) Extract(r *http.Request) (string, *http.Request, bool) {
	ref, ok := c.fn(r)
	ref = strings.TrimSpace(ref)
	return ref, r, ok && ref != ""
}
