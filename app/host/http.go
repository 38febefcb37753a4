package host

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/config"
	"github.com/tenancyhq/tenancy/ports"
)

// Routes adds operations to the admin API. Provide one with AsRoutes.
type Routes interface {
	Register(api huma.API)
}

// AsRoutes annotates a constructor of Routes so the HTTP module mounts it.
func AsRoutes(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(Routes)), fx.ResultTags(`group:"tenancy.routes"`))
}

// Version is the API version shown in the OpenAPI document.
const Version = "1.0.0"

// APIParams is what the admin API is built from.
type APIParams struct {
	fx.In
	Mux    *http.ServeMux
	DB     *bun.DB  `optional:"true"`
	Routes []Routes `group:"tenancy.routes"`
}

// NewAPI builds the huma API with the health endpoints and every Routes.
func NewAPI(p APIParams) huma.API {
	api := httpapi.NewAPI(p.Mux, httpapi.Info{Title: "Tenancy", Version: Version})
	var pinger httpapi.Pinger
	if p.DB != nil {
		pinger = p.DB
	}
	httpapi.RegisterHealth(api, pinger)
	for _, r := range p.Routes {
		r.Register(api)
	}
	return api
}

// Handler is the root HTTP handler the server serves.
type Handler http.Handler

// Listener is where the server accepts connections; its address tells the
// real port when TENANCY_HTTP_ADDR asked for port 0.
type Listener net.Listener

// NewListener binds TENANCY_HTTP_ADDR at construction, so a port in use is
// a start-up error that names it.
func NewListener(cfg config.Config) (Listener, error) {
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (TENANCY_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	return l, nil
}

// RunServer serves handler on the listener from start to stop; stopping
// drains in-flight requests for up to TENANCY_SHUTDOWN_TIMEOUT.
func RunServer(lc fx.Lifecycle, l Listener, handler Handler, cfg config.Config, log *zap.Logger) {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("http server stopped", zap.Error(err))
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
			defer cancel()
			err := srv.Shutdown(drain)
			<-done
			if err != nil {
				return fmt.Errorf("drain in-flight requests: %w", err)
			}
			return nil
		},
	})
}

// SpecRoutes are the admin API's routes with no services behind them: enough
// to describe the API, as `tenantd openapi` does without starting anything.
func SpecRoutes() []Routes { return []Routes{httpapi.NewTenantRoutes(nil)} }

// NewTenantRoutes are the admin API's tenant operations over the Tenants port.
func NewTenantRoutes(svc ports.Tenants) *httpapi.TenantRoutes { return httpapi.NewTenantRoutes(svc) }

// HandlerParams is what the root handler is built from.
type HandlerParams struct {
	fx.In
	Mux     *http.ServeMux
	API     huma.API // taking it orders the API's registration before serving
	Config  config.Config
	Log     *zap.Logger
	Metrics *prometheus.Registry `optional:"true"`
}

// NewHandler is the root handler chain: request id, access log and metrics
// around everything; the bearer token check around /api/; then the mux. It
// also serves /metrics from the process's registry.
func NewHandler(p HandlerParams) (Handler, error) {
	creds, err := Credentials(p.Config, os.Stdout)
	if err != nil {
		return nil, err
	}
	auth, err := httpapi.NewAuthenticator(creds)
	if err != nil {
		return nil, fmt.Errorf("TENANCY_ADMIN_TOKENS: %w", err)
	}
	registry := p.Metrics
	if registry == nil {
		registry = prometheus.NewRegistry()
	}
	metrics, err := httpapi.NewMetrics(registry)
	if err != nil {
		return nil, fmt.Errorf("http metrics: %w", err)
	}
	p.Mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	return httpapi.Instrument(p.Mux, p.Log.Named("http"), metrics, auth.Protect), nil
}

// Credentials are the API tokens of cfg. With none configured the service
// refuses to start, except in dev mode, where one admin token is generated
// and printed once on out, because a local run must be usable at once and
// there is nothing to protect yet.
func Credentials(cfg config.Config, out io.Writer) ([]httpapi.Credential, error) {
	if err := cfg.CheckServe(); err != nil {
		return nil, err
	}
	if len(cfg.AdminTokens) == 0 {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("generate a dev-mode admin token: %w", err)
		}
		token := hex.EncodeToString(b[:])
		fmt.Fprintf(out, "admin token (dev mode, generated): %s\n", token)
		return []httpapi.Credential{{Name: "token:admin#dev", Scope: httpapi.ScopeAdmin, Token: token}}, nil
	}
	creds := make([]httpapi.Credential, len(cfg.AdminTokens))
	for i, t := range cfg.AdminTokens {
		creds[i] = httpapi.Credential{Name: fmt.Sprintf("token:%s#%d", t.Scope, i+1), Scope: t.Scope, Token: t.Value}
	}
	return creds, nil
}
