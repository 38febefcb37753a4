package resolve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/ports"
)

// Invalidator is what Listener drops cached tenants from; *Cache is one.
type Invalidator interface {
	Invalidate(id string)
	InvalidateAll()
}

// Backoff bounds of Listener's reconnection attempts.
const (
	MinReconnectBackoff = 100 * time.Millisecond
	MaxReconnectBackoff = 2 * time.Second
)

// Listener keeps a cache correct across instances: on one dedicated
// connection it LISTENs on ports.ChangeChannel, where the registry announces
// every committed tenant change with the tenant's id, and invalidates that
// tenant. The registry's NOTIFY reaches every listener, this instance's
// included, so a local lifecycle change needs no separate local invalidation:
// it is dropped here within the notification's delivery time.
//
// A lost connection is retried with a backoff from 100ms to 2s; once listening
// again it invalidates the whole cache, since notifications sent while it was
// away are lost. Until then the cache's TTL is the bound on staleness.
type Listener struct {
	url   string
	cache Invalidator
	log   *zap.Logger

	pid    atomic.Uint32
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewListener returns a listener on the database at url (the registry's
// database) that invalidates cache; log may be nil.
func NewListener(url string, cache Invalidator, log *zap.Logger) *Listener {
	if log == nil {
		log = zap.NewNop()
	}
	return &Listener{url: url, cache: cache, log: log.Named("tenant-listener")}
}

// Start connects and LISTENs, then hears notifications in a goroutine until
// Stop. It returns once listening, or the error that prevented it. It
// invalidates the whole cache once listening, since anything cached before
// might have changed unheard.
func (l *Listener) Start(ctx context.Context) error {
	conn, err := l.connect(ctx)
	if err != nil {
		return err
	}
	l.cache.InvalidateAll()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.run(runCtx, conn)
	}()
	return nil
}

// Stop ends listening, closes the connection and waits for the goroutine.
func (l *Listener) Stop() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

// BackendPID is the PostgreSQL backend process of the current connection (0
// while disconnected), for diagnostics and for tests that cut it.
func (l *Listener) BackendPID() uint32 { return l.pid.Load() }

func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return nil, fmt.Errorf("tenant listener: parse database url: %w", err)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "tenancy-listener"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("tenant listener: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ports.ChangeChannel}.Sanitize()); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("tenant listener: listen on %s: %w", ports.ChangeChannel, err)
	}
	l.pid.Store(conn.PgConn().PID())
	return conn, nil
}

func (l *Listener) run(ctx context.Context, conn *pgx.Conn) {
	for {
		err := l.listen(ctx, conn)
		l.pid.Store(0)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("lost the tenant change notifications; reconnecting", zap.Error(err))
		if conn = l.reconnect(ctx); conn == nil {
			return
		}
		l.cache.InvalidateAll()
		l.log.Info("listening for tenant changes again; cache emptied")
	}
}

// listen invalidates one tenant per notification until the connection fails
// or ctx ends.
func (l *Listener) listen(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == "" {
			l.cache.InvalidateAll()
			continue
		}
		l.cache.Invalidate(n.Payload)
		l.log.Debug("tenant changed; cache entry dropped", zap.String("tenant_id", n.Payload))
	}
}

// reconnect retries until it listens again or ctx ends (nil).
func (l *Listener) reconnect(ctx context.Context) *pgx.Conn {
	backoff := MinReconnectBackoff
	for {
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		conn, err := l.connect(ctx)
		if err == nil {
			return conn
		}
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil
		}
		l.log.Warn("tenant listener reconnect failed", zap.Duration("next_in", min(backoff*2, MaxReconnectBackoff)), zap.Error(err))
		backoff = min(backoff*2, MaxReconnectBackoff)
	}
}
