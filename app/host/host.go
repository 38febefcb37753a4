// Package host wires the tenantd process with fx: configuration, logging,
// the database (a local PostgreSQL in dev mode), the HTTP server and the
// admin API. A host application combines Module with its own modules:
//
//	fx.New(host.Module(cfg), mymodule.Module)
package host

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/config"
)

// Module is the tenancy host for cfg.
func Module(cfg config.Config) fx.Option {
	return fx.Options(fx.Module("tenancy",
		fx.Supply(cfg),
		fx.Provide(
			NewLogger,
			NewDatabaseURL,
			NewDB,
			http.NewServeMux,
			NewAPI,
			NewListener,
			NewHandler,
		),
		fx.Invoke(RunServer),
	), fx.WithLogger(func(log *zap.Logger) fxevent.Logger {
		// fx's own events are only interesting when something fails.
		return &fxevent.ZapLogger{Logger: log.Named("fx").WithOptions(zap.IncreaseLevel(zap.WarnLevel))}
	}))
}

// NewHandler is the root handler: the mux, once the admin API is mounted on
// it (taking the API orders its registration before serving).
func NewHandler(mux *http.ServeMux, _ huma.API) Handler { return mux }
