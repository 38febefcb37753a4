package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The scopes a credential grants: read allows GET (and HEAD) routes only,
// admin allows every route.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
)

// ProtectedPrefix is the path prefix under which every route needs a token.
const ProtectedPrefix = "/api/"

// Credential is one API token. Name identifies it in the audit trail (the
// actor of a change) instead of the token itself.
type Credential struct {
	Name  string
	Scope string
	Token string
}

// Authenticator checks bearer tokens. It keeps only the SHA-256 of each
// token and compares digests in constant time, so neither the content nor
// the length of a token leaks through timing.
type Authenticator struct {
	keys []key
}

type key struct {
	digest [sha256.Size]byte
	name   string
	scope  string
}

// NewAuthenticator checks the credentials and keeps their digests. It refuses
// an empty list: an API nobody can call is a misconfiguration.
func NewAuthenticator(creds []Credential) (*Authenticator, error) {
	if len(creds) == 0 {
		return nil, errors.New("no API token is configured")
	}
	a := &Authenticator{}
	for i, c := range creds {
		if c.Scope != ScopeAdmin && c.Scope != ScopeRead {
			return nil, fmt.Errorf("token %d has scope %q; use admin or read", i+1, c.Scope)
		}
		if c.Token == "" {
			return nil, fmt.Errorf("token %d is empty", i+1)
		}
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("token:%s#%d", c.Scope, i+1)
		}
		a.keys = append(a.keys, key{digest: sha256.Sum256([]byte(c.Token)), name: name, scope: c.Scope})
	}
	return a, nil
}

// lookup finds the credential of token. It compares against every key,
// whatever matches first, so the time taken does not tell which one did.
func (a *Authenticator) lookup(token string) (key, bool) {
	digest := sha256.Sum256([]byte(token))
	var found key
	ok := false
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(digest[:], k.digest[:]) == 1 {
			found, ok = k, true
		}
	}
	return found, ok
}

type principalKey struct{}

// Principal is the authenticated caller of a request.
type Principal struct {
	Name  string
	Scope string
}

// PrincipalFrom returns the caller authenticated for the request of ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// actor is who the audit trail records for the request of ctx.
func actor(ctx context.Context) string {
	if p, ok := PrincipalFrom(ctx); ok {
		return p.Name
	}
	return ""
}

// Protect requires a bearer token on every request under ProtectedPrefix:
// none or an unknown one is 401 with WWW-Authenticate, a read token on a
// method other than GET or HEAD is 403. Everything else (health, documents,
// metrics) passes untouched.
func (a *Authenticator) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, ProtectedPrefix) && r.URL.Path != strings.TrimSuffix(ProtectedPrefix, "/") {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tenancy"`)
			WriteProblem(w, r, http.StatusUnauthorized, "this route needs an API token: send the header Authorization: Bearer <token> with a token from TENANCY_ADMIN_TOKENS")
			return
		}
		k, ok := a.lookup(strings.TrimSpace(token))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tenancy", error="invalid_token"`)
			WriteProblem(w, r, http.StatusUnauthorized, "the API token is not valid; use a token from TENANCY_ADMIN_TOKENS")
			return
		}
		if k.scope != ScopeAdmin && r.Method != http.MethodGet && r.Method != http.MethodHead {
			WriteProblem(w, r, http.StatusForbidden, "this token has scope read, which allows GET requests only; use a token of scope admin to "+r.Method+" "+r.URL.Path)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, Principal{Name: k.name, Scope: k.scope})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
