package resolve

import (
	"fmt"
	"net/http"
	"strings"
)

// Subdomain reads the tenant's slug from the request's host: the single
// label directly under one of the base domains, so acme-corp.app.example.com
// names acme-corp under app.example.com. The port is ignored, and so is case,
// since host names are case-insensitive. A deeper name (a.b.app.example.com),
// a base domain itself, an IP literal and an ignored label (www, api) name no
// tenant.
type Subdomain struct {
	bases   []string // lowercase, without leading or trailing dots
	ignored []string // lowercase
}

// NewSubdomain returns the subdomain strategy. ignored nil means
// DefaultIgnoredLabels; a non-nil empty slice ignores nothing.
func NewSubdomain(baseDomains, ignored []string) (*Subdomain, error) {
	if len(baseDomains) == 0 {
		return nil, fmt.Errorf("subdomain strategy: no base domain configured; set TENANCY_BASE_DOMAINS, e.g. app.example.com")
	}
	s := &Subdomain{}
	for _, b := range baseDomains {
		b = strings.Trim(strings.ToLower(strings.TrimSpace(b)), ".")
		if b == "" || strings.ContainsAny(b, ":/[] ") || strings.Contains(b, "..") {
			return nil, fmt.Errorf("subdomain strategy: %q is not a domain name", b)
		}
		s.bases = append(s.bases, b)
	}
	if ignored == nil {
		ignored = DefaultIgnoredLabels
	}
	for _, l := range ignored {
		s.ignored = append(s.ignored, strings.ToLower(strings.TrimSpace(l)))
	}
	return s, nil
}

// Name returns "subdomain".
func (*Subdomain) Name() string { return NameSubdomain }

// Extract returns the tenant label of r's host, lowercased.
func (s *Subdomain) Extract(r *http.Request) (string, *http.Request, bool) {
	host := hostOnly(r.Host)
	if host == "" {
		return "", r, false
	}
	for _, base := range s.bases {
		if strings.EqualFold(host, base) {
			return "", r, false
		}
	}
	for _, base := range s.bases {
		start := len(host) - len(base)
		if start < 2 || host[start-1] != '.' || !strings.EqualFold(host[start:], base) {
			continue
		}
		label := host[:start-1]
		if strings.IndexByte(label, '.') >= 0 {
			continue // nested: not a direct subdomain of this base
		}
		label = strings.ToLower(label) // no allocation when already lowercase
		for _, ig := range s.ignored {
			if label == ig {
				return "", r, false
			}
		}
		return label, r, true
	}
	return "", r, false
}

// hostOnly drops the port and a trailing dot from a Host header value; an IP
// literal in brackets yields "".
func hostOnly(host string) string {
	if host == "" || host[0] == '[' {
		return ""
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.TrimSuffix(host, ".")
}
