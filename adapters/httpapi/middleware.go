package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

// unmatchedRoute is the route label of requests that match no route, so a
// scan of random paths cannot blow up the metrics' cardinality.
const unmatchedRoute = "unmatched"

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

type requestKey struct{}

// requestInfo is what the middleware knows about the request in flight.
type requestInfo struct {
	id     string
	logger *zap.Logger
}

// RequestID is the id of the request ctx belongs to, or "" outside one.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// LoggerFrom is the logger of the request ctx belongs to: every line it
// writes carries the request id. Outside a request it discards.
func LoggerFrom(ctx context.Context) *zap.Logger {
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return info.logger
	}
	return zap.NewNop()
}

// Metrics are the HTTP metrics, labelled by route template so that
// /api/tenants/a and /api/tenants/b count as one route.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics with registerer, or reuses the ones
// registered there before (several servers in one test process share one).
func NewMetrics(registerer prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenancy_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenancy_http_request_duration_seconds",
			Help:    "Duration of HTTP requests by method and route template, in seconds.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	if registerer == nil {
		return m, nil
	}
	var err error
	if m.requests, err = reuse(registerer, m.requests); err != nil {
		return nil, err
	}
	if m.duration, err = reuse(registerer, m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

func reuse[C prometheus.Collector](registerer prometheus.Registerer, c C) (C, error) {
	err := registerer.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// Instrument is the outermost layer of the handler chain. It gives the
// request an id (a sane X-Request-Id from the client, else a new one),
// echoes it in the response, hands a logger carrying it to everything
// downstream, writes one access log line per request (never its headers, so
// never a token), counts the request by route template, and answers a request
// that matches no route with a problem instead of the mux's plain text.
// layers wrap the mux inside it, the first outermost (such as
// Authenticator.Protect), so their refusals are logged and counted too.
func Instrument(mux *http.ServeMux, logger *zap.Logger, metrics *Metrics, layers ...func(http.Handler) http.Handler) http.Handler {
	if logger == nil {
		logger = zap.NewNop()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !requestIDRe.MatchString(id) {
			id = newRequestID()
		}
		info := &requestInfo{id: id, logger: logger.With(zap.String("request_id", id))}
		r = r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
		w.Header().Set(RequestIDHeader, id)
		rec := &recorder{ResponseWriter: w}

		var next http.Handler = mux
		_, pattern := mux.Handler(r)
		route := routeOf(pattern)
		if pattern == "" {
			next = problemForUnmatched(mux)
		}
		for i := len(layers) - 1; i >= 0; i-- {
			next = layers[i](next)
		}
		next.ServeHTTP(rec, r)

		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		if metrics != nil {
			metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(status)).Inc()
			metrics.duration.WithLabelValues(r.Method, route).Observe(elapsed.Seconds())
		}
		level := zapcore.InfoLevel
		if status >= http.StatusInternalServerError {
			level = zapcore.WarnLevel
		}
		if ce := info.logger.Check(level, "http request"); ce != nil {
			ce.Write(
				zap.String("method", r.Method),
				zap.String("path", r.URL.Path),
				zap.String("route", route),
				zap.Int("status", status),
				zap.Duration("duration", elapsed),
				zap.Int64("bytes", rec.bytes),
			)
		}
	})
}

// routeOf strips the method from a ServeMux pattern ("GET /api/tenants/{slug}"),
// leaving the path template huma registered.
func routeOf(pattern string) string {
	if pattern == "" {
		return unmatchedRoute
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return path
	}
	return pattern
}

// problemForUnmatched lets the mux decide what an unmatched request gets (404,
// 405 with Allow, or a redirect to the clean path) and writes that status as
// a problem rather than as plain text.
func problemForUnmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := &probeWriter{header: http.Header{}}
		h, _ := mux.Handler(r)
		h.ServeHTTP(probe, r)
		if probe.status < http.StatusBadRequest {
			for k, v := range probe.header {
				w.Header()[k] = v
			}
			w.WriteHeader(probe.status)
			return
		}
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := "no route matches " + r.URL.Path + "; the API is described at /openapi.json and /docs"
		if probe.status == http.StatusMethodNotAllowed {
			detail = r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + probe.header.Get("Allow")
		}
		WriteProblem(w, r, probe.status, detail)
	})
}

// WriteProblem writes an RFC 9457 problem outside huma (for the middleware's
// own refusals), in the same shape huma writes them.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := Problem{RequestID: RequestID(r.Context())}
	p.Status, p.Title, p.Detail = status, http.StatusText(status), detail
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (huma sets read
// deadlines through it).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through for streaming responses.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// probeWriter captures what the mux would answer, without a body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
