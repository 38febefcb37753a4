package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
)

// TestTheAppGraphIsComplete checks the fx graphs tenantd builds, without
// running any constructor: every dependency is provided, once.
func TestTheAppGraphIsComplete(t *testing.T) {
	for _, modules := range [][]string{nil, {"notes"}} {
		cfg := config.Default()
		cfg.Modules = modules
		cfg.BaseDomains = []string{"app.example.com"}
		require.NoError(t, fx.ValidateApp(host.Module(cfg), modulesFor(cfg)), "serve with modules %v", modules)
		require.NoError(t, fx.ValidateApp(host.Core(cfg), modulesFor(cfg)), "operator commands with modules %v", modules)
	}
}
