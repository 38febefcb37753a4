package resolve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

// BenchmarkCache compares a hit with a miss that reads the registry table of
// a real database, in one run: the hit must be ≥ 100× cheaper.
func BenchmarkCache(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.URL(b), postgres.PoolOptions{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	insertTenant(b, db.DB, acmeID, "acme", core.StatusProvisioned)
	lookup := sqlLookup(db.DB)

	// warm is a cache that holds acme already.
	warm := func(b *testing.B, clock resolve.Clock) *resolve.Cache {
		c := resolve.NewCache(lookup, resolve.CacheOptions{Clock: clock})
		_, err := c.Get(ctx, "acme")
		require.NoError(b, err)
		b.ReportAllocs()
		return c
	}
	hits := func(b *testing.B, c *resolve.Cache) {
		for b.Loop() {
			if _, err := c.Get(ctx, "acme"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("hit", func(b *testing.B) { hits(b, warm(b, nil)) })
	b.Run("hit-coarse-clock", func(b *testing.B) {
		clock := resolve.NewCoarseClock(0)
		defer clock.Stop()
		hits(b, warm(b, clock))
	})
	b.Run("hit-parallel", func(b *testing.B) {
		clock := resolve.NewCoarseClock(0)
		defer clock.Stop()
		c := warm(b, clock)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Get(ctx, "acme"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("miss-database", func(b *testing.B) {
		c := resolve.NewCache(lookup, resolve.CacheOptions{})
		b.ReportAllocs()
		for b.Loop() {
			c.Invalidate(acmeID)
			if _, err := c.Get(ctx, "acme"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// discard is the cheapest ResponseWriter, so the benchmark measures the
// middleware rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkMiddleware measures what resolution adds to a trivial handler
// when the tenant is cached.
func BenchmarkMiddleware(b *testing.B) {
	var sink string
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := resolve.Tenant(r.Context()); ok {
			sink = t.Slug
		}
		w.WriteHeader(http.StatusNoContent)
	})
	clock := resolve.NewCoarseClock(0)
	defer clock.Stop()
	cache := resolve.NewCache(fixtures(), resolve.CacheOptions{Clock: clock})
	newReq := func(host, target string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Host = host
		return r
	}
	run := func(b *testing.B, h http.Handler, r *http.Request) {
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	}

	b.Run("bare", func(b *testing.B) {
		run(b, handler, newReq("acme.app.example.com", "/notes"))
	})
	b.Run("subdomain", func(b *testing.B) {
		rs := newResolver(b, cache, "subdomain")
		run(b, resolve.Middleware(resolve.Options{Resolver: rs})(handler), newReq("acme.app.example.com:8080", "/notes"))
	})
	b.Run("path", func(b *testing.B) {
		rs := newResolver(b, cache, "path")
		run(b, resolve.Middleware(resolve.Options{Resolver: rs})(handler), newReq("localhost", "/t/acme/notes"))
	})
	_ = sink
}
