package resolve

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Defaults of CacheOptions.
const (
	DefaultTTL           = 30 * time.Second
	DefaultNegativeTTL   = 2 * time.Second
	DefaultMaxEntries    = 50_000
	DefaultLookupTimeout = 5 * time.Second
)

// CacheOptions tunes a Cache. Zero values take the defaults.
type CacheOptions struct {
	// TTL bounds how long a tenant is served from memory. Invalidation
	// (Listener) normally drops a changed tenant at once; the TTL is the
	// backstop when a notification is lost.
	TTL time.Duration
	// NegativeTTL is how long an unknown ref is remembered as unknown, so a
	// flood of requests for it does not reach the database; short, because a
	// tenant created under that slug must become reachable quickly. A
	// negative value disables negative caching.
	NegativeTTL time.Duration
	// MaxEntries bounds the number of keys held (a tenant takes two: its id
	// and its slug). Past it, the least recently used entries go first.
	MaxEntries int
	// LookupTimeout bounds one lookup, which is shared by every request
	// waiting for the same ref and so does not follow any one request's context.
	LookupTimeout time.Duration
	// Clock tells the time; nil means the system clock. A CoarseClock makes
	// hits cheaper still.
	Clock Clock
}

// Cache is a ports.TenantLookup in memory in front of another one (the tenant
// service). A hit takes a read lock and a map read, with no allocation and no
// I/O. Concurrent misses of one ref share a single lookup. Entries are keyed
// by both id and slug, and Invalidate(id) drops every key of that tenant.
//
// Failures other than "not found" are never cached: a registry outage must
// not outlive itself.
type Cache struct {
	lookup  ports.TenantLookup
	ttl     time.Duration
	negTTL  time.Duration
	max     int
	timeout time.Duration
	clock   Clock
	group   singleflight.Group

	mu      sync.RWMutex
	entries map[string]*entry
	byID    map[string]*entry // the reverse index: tenant id → its entry
	// gen counts invalidations; a lookup that started before one does not
	// store its (possibly stale) result.
	gen uint64
}

type entry struct {
	tenant  core.Tenant
	err     error // a not-found error for a negative entry
	expires time.Time
	keys    []string
	used    atomic.Bool // recently hit: survives one eviction sweep
}

var _ ports.TenantLookup = (*Cache)(nil)

// NewCache returns a cache in front of lookup.
func NewCache(lookup ports.TenantLookup, opts CacheOptions) *Cache {
	c := &Cache{
		lookup:  lookup,
		ttl:     orDefault(opts.TTL, DefaultTTL),
		negTTL:  orDefault(opts.NegativeTTL, DefaultNegativeTTL),
		max:     opts.MaxEntries,
		timeout: orDefault(opts.LookupTimeout, DefaultLookupTimeout),
		clock:   opts.Clock,
		entries: map[string]*entry{},
		byID:    map[string]*entry{},
	}
	if c.max <= 0 {
		c.max = DefaultMaxEntries
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Get returns the tenant with that id or slug, from memory when it can.
// Errors are the lookup's: KindNotFound (possibly remembered for NegativeTTL),
// KindUnavailable; a caller that gives up waiting gets KindUnavailable.
func (c *Cache) Get(ctx context.Context, ref string) (core.Tenant, error) {
	if e := c.fresh(ref); e != nil {
		return e.tenant, e.err
	}
	return c.fill(ctx, ref)
}

// fresh returns the unexpired entry under ref, marked as recently used, or nil.
func (c *Cache) fresh(ref string) *entry {
	now := c.clock.Now()
	c.mu.RLock()
	e := c.entries[ref]
	c.mu.RUnlock()
	if e == nil || !now.Before(e.expires) {
		return nil
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e
}

func (c *Cache) fill(ctx context.Context, ref string) (core.Tenant, error) {
	c.mu.RLock()
	gen := c.gen
	c.mu.RUnlock()
	// The generation is part of the flight's key: a request arriving after an
	// invalidation must not join a lookup that began before it.
	key := ref + "\x00" + strconv.FormatUint(gen, 10)
	ch := c.group.DoChan(key, func() (any, error) {
		// A flight that finished between our miss and this one stored its
		// result: use it rather than ask again.
		if e := c.fresh(ref); e != nil {
			return e.tenant, e.err
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		t, err := c.lookup.Get(lctx, ref)
		c.store(ref, gen, t, err)
		return t, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return core.Tenant{}, res.Err
		}
		return res.Val.(core.Tenant), nil
	case <-ctx.Done():
		return core.Tenant{}, ports.Wrap(ports.KindUnavailable, ctx.Err(), "the tenant lookup was abandoned")
	}
}

func (c *Cache) store(ref string, gen uint64, t core.Tenant, err error) {
	if err != nil && (c.negTTL < 0 || !ports.Is(err, ports.KindNotFound)) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	now := c.clock.Now()
	var e *entry
	if err != nil {
		e = &entry{err: err, expires: now.Add(c.negTTL), keys: []string{ref}}
	} else {
		keys := []string{t.ID}
		if t.Slug != t.ID {
			keys = append(keys, t.Slug)
		}
		if ref != t.ID && ref != t.Slug {
			keys = append(keys, ref) // another spelling of the id
		}
		e = &entry{tenant: t, expires: now.Add(c.ttl), keys: keys}
		if old := c.byID[t.ID]; old != nil {
			c.remove(old) // e.g. its old slug after a rename
		}
	}
	for _, k := range e.keys {
		if old := c.entries[k]; old != nil {
			c.remove(old)
		}
	}
	c.evict(now, len(e.keys))
	for _, k := range e.keys {
		c.entries[k] = e
	}
	if err == nil {
		c.byID[t.ID] = e
	}
}

// evict makes room for n more keys: expired entries and entries not hit
// since the last sweep go first (a second-chance approximation of LRU that
// keeps hits free of write locks); after a bounded scan, anything goes.
func (c *Cache) evict(now time.Time, n int) {
	scanned := 0
	for k, e := range c.entries {
		if len(c.entries)+n <= c.max {
			return
		}
		// An entry sits under several keys; judge it once, by its first,
		// or the second key would evict what the first just spared.
		if k != e.keys[0] {
			continue
		}
		scanned++
		if !now.Before(e.expires) || !e.used.Load() || scanned > 256 {
			c.remove(e)
			continue
		}
		e.used.Store(false)
	}
}

func (c *Cache) remove(e *entry) {
	for _, k := range e.keys {
		if c.entries[k] == e {
			delete(c.entries, k)
		}
	}
	if e.err == nil && c.byID[e.tenant.ID] == e {
		delete(c.byID, e.tenant.ID)
	}
}

// Invalidate drops everything cached about the tenant with that id: its
// entry under every key (id and slug), and a negative entry for the id.
// Lookups already in flight will not store their result. A tenant the cache
// does not know may be a new one whose slug is remembered as unknown, so
// then every negative entry goes too.
func (c *Cache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	e, known := c.byID[id]
	if known {
		c.remove(e)
	}
	if e := c.entries[id]; e != nil {
		c.remove(e)
	}
	if !known {
		for _, e := range c.entries {
			if e.err != nil {
				c.remove(e)
			}
		}
	}
}

// InvalidateAll empties the cache, e.g. after notifications may have been
// missed.
func (c *Cache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = map[string]*entry{}
	c.byID = map[string]*entry{}
}

// Len returns the number of keys held, expired ones included until evicted.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
