package resolve

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// PathPrefix reads the tenant's slug from the path, /t/{slug}/…, and strips
// that prefix from the request the handler sees (URL.Path and URL.RawPath),
// so a module's routes are the same whatever strategy found the tenant:
// /t/acme/notes reaches the handler as /notes, and /t/acme and /t/acme/ as /.
type PathPrefix struct {
	prefix string // starts with /, no trailing /
}

// NewPathPrefix returns the path strategy; an empty prefix means DefaultPathPrefix.
func NewPathPrefix(prefix string) (*PathPrefix, error) {
	if prefix == "" {
		prefix = DefaultPathPrefix
	}
	p := strings.TrimSuffix(prefix, "/")
	if !strings.HasPrefix(p, "/") || p == "" || strings.Contains(p, "//") {
		return nil, fmt.Errorf("path strategy: prefix %q must be a path such as /t", prefix)
	}
	return &PathPrefix{prefix: p}, nil
}

// Name returns "path".
func (*PathPrefix) Name() string { return NamePath }

// Extract returns the slug segment after the prefix and a shallow copy of r
// whose URL has the prefix and slug removed.
func (p *PathPrefix) Extract(r *http.Request) (string, *http.Request, bool) {
	// With escapes in the path (RawPath set), work on the raw form, so an
	// escaped slash inside a segment cannot shift the segments.
	raw := r.URL.RawPath != ""
	src := r.URL.Path
	if raw {
		src = r.URL.RawPath
	}
	if len(src) <= len(p.prefix) || src[len(p.prefix)] != '/' || !strings.HasPrefix(src, p.prefix) {
		return "", r, false
	}
	rest := src[len(p.prefix)+1:]
	seg, tail := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i:]
	}
	if seg == "" {
		return "", r, false
	}
	ref := seg
	u := *r.URL
	if raw {
		var err error
		if ref, err = url.PathUnescape(seg); err != nil || strings.ContainsRune(ref, '/') {
			return "", r, false
		}
		path, err := url.PathUnescape(tail)
		if err != nil {
			return "", r, false
		}
		u.Path, u.RawPath = path, tail
	} else {
		u.Path, u.RawPath = tail, ""
	}
	next := new(http.Request)
	*next = *r
	next.URL = &u
	return ref, next, true
}
