package resolve

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the cache the time, so tests can move it by hand.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// CoarseClock is a Clock that reads the system clock once per resolution in a
// goroutine and answers Now from memory. A cache hit then costs an atomic
// load instead of a clock read; expiry is late by at most one resolution,
// which does not matter for TTLs of seconds. Call Stop when done with it.
type CoarseClock struct {
	start time.Time // carries the monotonic reading every Now is derived from
	since atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// NewCoarseClock starts a clock that ticks every resolution (10ms when ≤ 0).
func NewCoarseClock(resolution time.Duration) *CoarseClock {
	if resolution <= 0 {
		resolution = 10 * time.Millisecond
	}
	c := &CoarseClock{start: time.Now(), stop: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(resolution)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				c.since.Store(int64(time.Since(c.start)))
			}
		}
	}()
	return c
}

// Now returns the time of the last tick.
func (c *CoarseClock) Now() time.Time { return c.start.Add(time.Duration(c.since.Load())) }

// Stop ends the ticking goroutine and waits for it; Now keeps answering the
// last tick.
func (c *CoarseClock) Stop() {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
}
