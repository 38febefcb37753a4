package httpapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tenancyhq/tenancy/ports"
)

// ifMatchField is where an If-Match problem points in the request.
const ifMatchField = "header.If-Match"

// ifMatch is a parsed If-Match header (RFC 9110, section 13.1.1).
type ifMatch struct {
	// any is true when the header is absent or *: every current version passes.
	any bool
	// versions are the tenant versions the listed entity tags name. A tag that
	// is no version of ours (such as "abc") names none, so it never matches.
	versions []int64
}

// parseIfMatch reads an If-Match header: absent, *, or a comma-separated list
// of entity tags, strong ("3") or weak (W/"3"). A header that is none of these
// is KindInvalid, so the client learns its syntax is wrong rather than that
// the tenant changed.
func parseIfMatch(h string) (ifMatch, error) {
	rest := strings.TrimSpace(h)
	if rest == "" || rest == "*" {
		return ifMatch{any: true}, nil
	}
	var m ifMatch
	tags := 0
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, ",") {
			// RFC 9110 list syntax allows empty elements.
			rest = rest[1:]
			continue
		}
		rest = strings.TrimPrefix(rest, "W/")
		if !strings.HasPrefix(rest, `"`) {
			return ifMatch{}, badIfMatch(h)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return ifMatch{}, badIfMatch(h)
		}
		tag := rest[1 : 1+end]
		tags++
		rest = strings.TrimLeft(rest[2+end:], " \t")
		if rest != "" && rest[0] != ',' {
			return ifMatch{}, badIfMatch(h)
		}
		if n, err := strconv.ParseInt(tag, 10, 64); err == nil && n > 0 && strconv.FormatInt(n, 10) == tag {
			m.versions = append(m.versions, n)
		}
	}
	if tags == 0 {
		return ifMatch{}, badIfMatch(h)
	}
	return m, nil
}

func badIfMatch(h string) error {
	return &ports.Error{Kind: ports.KindInvalid, Field: ifMatchField,
		Message: fmt.Sprintf("If-Match %q is not a list of entity tags; send the ETag of the tenant as you read it, such as \"3\", or * for any version", truncate(h, 64))}
}

// expectedVersion resolves If-Match to the one version the service checks
// (0: any). One listed version is passed on as is; for several, the current
// tenant decides which of them, if any, is the one to expect, and the
// service still refuses the update if the tenant changes in between.
func (rt *TenantRoutes) expectedVersion(ctx context.Context, ref string, m ifMatch) (int64, error) {
	switch {
	case m.any:
		return 0, nil
	case len(m.versions) == 1:
		return m.versions[0], nil
	}
	current, err := rt.svc.Get(ctx, ref)
	if err != nil {
		return 0, err
	}
	if slices.Contains(m.versions, current.Version) {
		return current.Version, nil
	}
	return 0, ports.Errorf(ports.KindPreconditionFailed,
		"tenant %s is at version %d, which none of the entity tags in If-Match names; re-read it and retry", current.Slug, current.Version)
}

// truncate shortens s to at most n bytes for a message, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
