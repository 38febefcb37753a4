package e2e_test

import (
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
)

const (
	e2eAdminToken = "e2e-admin-token-0123456789"
	e2eReadToken  = "e2e-read-token-0123456789"
)

// startAPI runs the whole host (fx, real HTTP server on loopback) on the
// test's own database and returns its base URL.
func startAPI(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL = dbURL(t)
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.LogFormat = "json"
	cfg.LogLevel = "error"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.AdminTokens = []config.Token{{Scope: config.ScopeAdmin, Value: e2eAdminToken}, {Scope: config.ScopeRead, Value: e2eReadToken}}
	var listener host.Listener
	app := fxtest.New(t, host.Module(cfg), fx.Populate(&listener))
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return "http://" + listener.Addr().String()
}
