package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/adapters/httpapi"
	"github.com/tenancyhq/tenancy/config"
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
func SpecRoutes() []Routes { return nil }
