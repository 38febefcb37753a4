package resolve_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/resolve"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// fakeClock is moved by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCacheServesHitsUntilTheTTL(t *testing.T) {
	t.Parallel()
	lookup, clock := fixtures(), newFakeClock()
	c := resolve.NewCache(lookup, resolve.CacheOptions{TTL: 30 * time.Second, Clock: clock})
	ctx := context.Background()

	got, err := c.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, acmeID, got.ID)
	clock.advance(29 * time.Second)
	_, err = c.Get(ctx, "acme")
	require.NoError(t, err)
	_, err = c.Get(ctx, acmeID)
	require.NoError(t, err)
	require.Equal(t, 1, lookup.callsFor("acme"), "a hit does not look up")
	require.Zero(t, lookup.callsFor(acmeID), "the entry is keyed by id as well as slug")

	clock.advance(2 * time.Second)
	_, err = c.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, 2, lookup.callsFor("acme"), "an expired entry is looked up again")
}

func TestCacheRemembersUnknownRefsBriefly(t *testing.T) {
	t.Parallel()
	lookup, clock := fixtures(), newFakeClock()
	c := resolve.NewCache(lookup, resolve.CacheOptions{Clock: clock})
	ctx := context.Background()

	for range 3 {
		_, err := c.Get(ctx, "later")
		require.Equal(t, ports.KindNotFound, ports.KindOf(err))
	}
	require.Equal(t, 1, lookup.callsFor("later"))

	lookup.put(tenant(freshID, "later", core.StatusProvisioned))
	clock.advance(resolve.DefaultNegativeTTL)
	got, err := c.Get(ctx, "later")
	require.NoError(t, err, "a tenant created under a remembered unknown slug is found once the negative TTL passes")
	require.Equal(t, "later", got.Slug)
	require.Equal(t, 2, lookup.callsFor("later"))
}

func TestCacheDoesNotRememberFailures(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	lookup.err = ports.Wrap(ports.KindUnavailable, errors.New("connection refused"), "database unreachable")
	c := resolve.NewCache(lookup, resolve.CacheOptions{})
	for range 2 {
		_, err := c.Get(context.Background(), "acme")
		require.Equal(t, ports.KindUnavailable, ports.KindOf(err))
	}
	require.Equal(t, 2, lookup.callsFor("acme"))
	require.Zero(t, c.Len())
}

func TestCacheInvalidateDropsEveryKeyOfTheTenant(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	c := resolve.NewCache(lookup, resolve.CacheOptions{})
	ctx := context.Background()
	_, err := c.Get(ctx, "acme")
	require.NoError(t, err)
	_, err = c.Get(ctx, "sleepy")
	require.NoError(t, err)
	require.Equal(t, 4, c.Len())

	c.Invalidate(acmeID)
	require.Equal(t, 2, c.Len(), "only acme's keys go")

	// The tenant was renamed meanwhile: its old slug must not be served.
	renamed := tenant(acmeID, "acme-corp", core.StatusSuspended)
	lookup.put(renamed)
	got, err := c.Get(ctx, acmeID)
	require.NoError(t, err)
	require.Equal(t, renamed, got)
	_, err = c.Get(ctx, "acme")
	require.Equal(t, ports.KindNotFound, ports.KindOf(err))
	_, err = c.Get(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, 1, lookup.callsFor(acmeID))
	require.Zero(t, lookup.callsFor("acme-corp"), "the refill keyed the new slug too")

	c.InvalidateAll()
	require.Zero(t, c.Len())
}

func TestCacheInvalidateWinsOverALookupInFlight(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow := ports.TenantLookupFunc(func(ctx context.Context, ref string) (core.Tenant, error) {
		once.Do(func() {
			close(entered)
			<-release
		})
		return lookup.Get(ctx, ref)
	})
	c := resolve.NewCache(slow, resolve.CacheOptions{})
	done := make(chan error)
	go func() {
		_, err := c.Get(context.Background(), "acme")
		done <- err
	}()
	<-entered
	c.Invalidate(acmeID) // the change committed while the old row was being read
	close(release)
	require.NoError(t, <-done)
	require.Zero(t, c.Len(), "a result read before an invalidation is not stored")
}

func TestCacheSharesOneLookupAmongConcurrentMisses(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	release := make(chan struct{})
	gated := ports.TenantLookupFunc(func(ctx context.Context, ref string) (core.Tenant, error) {
		<-release
		return lookup.Get(ctx, ref)
	})
	c := resolve.NewCache(gated, resolve.CacheOptions{})
	var started, done sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			got, err := c.Get(context.Background(), "acme")
			if err == nil && got.ID != acmeID {
				err = fmt.Errorf("got tenant %s", got.ID)
			}
			errs <- err
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, lookup.callsFor("acme"))
}

func TestCacheCallerMayStopWaiting(t *testing.T) {
	t.Parallel()
	lookup := fixtures()
	release := make(chan struct{})
	gated := ports.TenantLookupFunc(func(ctx context.Context, ref string) (core.Tenant, error) {
		<-release
		return lookup.Get(ctx, ref)
	})
	c := resolve.NewCache(gated, resolve.CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Get(ctx, "acme")
	require.Equal(t, ports.KindUnavailable, ports.KindOf(err))
	close(release)
	require.Eventually(t, func() bool { return c.Len() == 2 }, time.Second, 5*time.Millisecond,
		"the shared lookup finishes for the others and fills the cache")
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	lookup := newMemLookup()
	for i := range 50 {
		lookup.put(tenant(fmt.Sprintf("00000000-0000-0000-0000-%012d", i), fmt.Sprintf("t%d", i), core.StatusProvisioned))
	}
	c := resolve.NewCache(lookup, resolve.CacheOptions{MaxEntries: 10})
	ctx := context.Background()
	for i := range 5 {
		_, err := c.Get(ctx, fmt.Sprintf("t%d", i))
		require.NoError(t, err)
	}
	require.Equal(t, 10, c.Len())

	// t0 is hot: it survives the next eviction, an entry nobody used goes.
	_, err := c.Get(ctx, "t0")
	require.NoError(t, err)
	_, err = c.Get(ctx, "t5")
	require.NoError(t, err)
	require.Equal(t, 10, c.Len())
	_, err = c.Get(ctx, "t0")
	require.NoError(t, err)
	require.Equal(t, 1, lookup.callsFor("t0"), "the recently used tenant was kept")

	for i := range 50 {
		_, err := c.Get(ctx, fmt.Sprintf("t%d", i))
		require.NoError(t, err)
		require.LessOrEqual(t, c.Len(), 10)
	}
}

func TestCacheForgetsUnknownSlugsWhenATenantItDoesNotKnowChanges(t *testing.T) {
	t.Parallel()
	lookup, clock := fixtures(), newFakeClock()
	c := resolve.NewCache(lookup, resolve.CacheOptions{Clock: clock})
	ctx := context.Background()

	_, err := c.Get(ctx, "later")
	require.Equal(t, ports.KindNotFound, ports.KindOf(err))
	_, err = c.Get(ctx, "acme")
	require.NoError(t, err)

	// Creating "later" announces its new id, which the cache has never seen.
	lookup.put(tenant(freshID, "later", core.StatusProvisioned))
	c.Invalidate(freshID)
	got, err := c.Get(ctx, "later")
	require.NoError(t, err, "the new tenant is found at once, not after the negative TTL")
	require.Equal(t, "later", got.Slug)
	_, err = c.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, 1, lookup.callsFor("acme"), "known tenants stay cached")
}
