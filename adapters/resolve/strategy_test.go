package resolve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/resolve"
)

func TestSubdomain(t *testing.T) {
	t.Parallel()
	s, err := resolve.NewSubdomain([]string{"app.example.com", ".Other.Test."}, nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		host string
		want string // "" means no match
	}{
		{"a direct subdomain names its tenant", "acme-corp.app.example.com", "acme-corp"},
		{"the port is ignored", "acme-corp.app.example.com:8443", "acme-corp"},
		{"case is ignored", "ACME-Corp.App.Example.COM", "acme-corp"},
		{"a trailing dot is ignored", "acme.app.example.com.", "acme"},
		{"any configured base domain works", "beta.other.test", "beta"},
		{"www is not a tenant", "www.app.example.com", ""},
		{"api is not a tenant, whatever its case", "API.app.example.com:80", ""},
		{"a nested subdomain is not a tenant", "a.b.app.example.com", ""},
		{"the base domain itself is not a tenant", "app.example.com", ""},
		{"a suffix that is not at a label boundary does not match", "acmeapp.example.com", ""},
		{"another domain does not match", "acme.example.org", ""},
		{"an IP literal does not match", "127.0.0.1:8080", ""},
		{"an IPv6 literal does not match", "[::1]:8080", ""},
		{"an empty host does not match", "", ""},
		{"an empty label does not match", ".app.example.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/x", nil)
			r.Host = tc.host
			ref, next, ok := s.Extract(r)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, ref)
			require.Same(t, r, next)
		})
	}
}

func TestSubdomainPrefersAMoreSpecificBaseDomain(t *testing.T) {
	t.Parallel()
	s, err := resolve.NewSubdomain([]string{"example.com", "app.example.com"}, []string{})
	require.NoError(t, err)
	for host, want := range map[string]string{
		"acme.app.example.com": "acme",
		"app.example.com":      "",
		"acme.example.com":     "acme",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		ref, _, _ := s.Extract(r)
		require.Equal(t, want, ref, host)
	}
}

func TestPathPrefix(t *testing.T) {
	t.Parallel()
	s, err := resolve.NewPathPrefix("")
	require.NoError(t, err)
	tests := []struct {
		name, target string
		want         string // "" means no match
		path, raw    string // what the handler sees
	}{
		{"the prefix and slug are stripped", "/t/acme/notes/1", "acme", "/notes/1", ""},
		{"the bare tenant path becomes the root", "/t/acme", "acme", "/", ""},
		{"a trailing slash becomes the root", "/t/acme/", "acme", "/", ""},
		{"the query is kept apart from the path", "/t/acme/notes?x=1", "acme", "/notes", ""},
		{"an escaped path keeps its escapes", "/t/acme/a%2Fb", "acme", "/a/b", "/a%2Fb"},
		{"an escaped slug is unescaped", "/t/ac%6De/x%2Fy", "acme", "/x/y", "/x%2Fy"},
		{"an escaped slash cannot split the slug", "/t/ac%2Fme/x", "", "", ""},
		{"no slug after the prefix does not match", "/t/", "", "", ""},
		{"the prefix alone does not match", "/t", "", "", ""},
		{"a longer first segment does not match", "/tenants/acme", "", "", ""},
		{"an empty slug segment does not match", "/t//notes", "", "", ""},
		{"another path does not match", "/notes", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			origPath := r.URL.Path
			ref, next, ok := s.Extract(r)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, ref)
			require.Equal(t, origPath, r.URL.Path, "the caller's request is not modified")
			if !ok {
				require.Same(t, r, next)
				return
			}
			require.Equal(t, tc.path, next.URL.Path)
			require.Equal(t, tc.raw, next.URL.RawPath)
			require.Equal(t, r.URL.RawQuery, next.URL.RawQuery)
		})
	}
}

func TestPathPrefixCustom(t *testing.T) {
	t.Parallel()
	s, err := resolve.NewPathPrefix("/tenants/")
	require.NoError(t, err)
	ref, next, ok := s.Extract(httptest.NewRequest(http.MethodGet, "/tenants/acme/x", nil))
	require.True(t, ok)
	require.Equal(t, "acme", ref)
	require.Equal(t, "/x", next.URL.Path)

	_, err = resolve.NewPathPrefix("t")
	require.Error(t, err)
	_, err = resolve.NewPathPrefix("/")
	require.Error(t, err)
}

func TestHeader(t *testing.T) {
	t.Parallel()
	s, err := resolve.NewHeader()
	require.NoError(t, err)

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, _, ok := s.Extract(r)
	require.False(t, ok, "no header, no tenant")

	r.Header.Set("x-tenant-id", "0b9d6c1e-5f5e-4d7e-9a51-2f0b3f3f3f3f")
	ref, _, ok := s.Extract(r)
	require.True(t, ok)
	require.Equal(t, "0b9d6c1e-5f5e-4d7e-9a51-2f0b3f3f3f3f", ref)

	r.Header.Set("X-Tenant-Slug", " acme ")
	ref, _, ok = s.Extract(r)
	require.True(t, ok)
	require.Equal(t, "acme", ref, "the slug header comes first and is trimmed")

	custom, err := resolve.NewHeader("X-Org")
	require.NoError(t, err)
	r.Header.Set("X-Org", "globex")
	ref, _, _ = custom.Extract(r)
	require.Equal(t, "globex", ref)

	_, err = resolve.NewHeader("bad header")
	require.Error(t, err)
}

type claimKey struct{}

func TestClaimAndCustom(t *testing.T) {
	t.Parallel()
	claim, err := resolve.NewClaim(func(ctx context.Context) (string, bool) {
		v, ok := ctx.Value(claimKey{}).(string)
		return v, ok
	})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, _, ok := claim.Extract(r)
	require.False(t, ok)
	r = r.WithContext(context.WithValue(r.Context(), claimKey{}, "acme"))
	ref, _, ok := claim.Extract(r)
	require.True(t, ok)
	require.Equal(t, "acme", ref)

	custom, err := resolve.NewCustom("", func(r *http.Request) (string, bool) {
		return r.URL.Query().Get("tenant"), true
	})
	require.NoError(t, err)
	require.Equal(t, "custom", custom.Name())
	_, _, ok = custom.Extract(httptest.NewRequest(http.MethodGet, "/", nil))
	require.False(t, ok, "an empty reference is no match even when the function says ok")
	ref, _, ok = custom.Extract(httptest.NewRequest(http.MethodGet, "/?tenant=globex", nil))
	require.True(t, ok)
	require.Equal(t, "globex", ref)

	_, err = resolve.NewClaim(nil)
	require.Error(t, err)
	_, err = resolve.NewCustom("x", nil)
	require.Error(t, err)
}

func TestStrategiesFromNames(t *testing.T) {
	t.Parallel()
	claim := func(context.Context) (string, bool) { return "", false }
	cfg := resolve.StrategyConfig{BaseDomains: []string{"app.example.com"}, Claim: claim}

	chain, err := resolve.StrategiesFromNames([]string{"subdomain", " Header", "path", "claim"}, cfg)
	require.NoError(t, err)
	var names []string
	for _, s := range chain {
		names = append(names, s.Name())
	}
	require.Equal(t, []string{"subdomain", "header", "path", "claim"}, names)

	bad := []struct {
		name  string
		names []string
		cfg   resolve.StrategyConfig
	}{
		{"no names", nil, cfg},
		{"an unknown name", []string{"cookie"}, cfg},
		{"a repeated name", []string{"path", "path"}, cfg},
		{"subdomain without base domains", []string{"subdomain"}, resolve.StrategyConfig{}},
		{"claim without a claim function", []string{"claim"}, resolve.StrategyConfig{}},
	}
	for _, tc := range bad {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := resolve.StrategiesFromNames(tc.names, tc.cfg)
			require.Error(t, err)
		})
	}
}
