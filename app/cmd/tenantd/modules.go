package main

import (
	"go.uber.org/fx"

	"github.com/tenancyhq/tenancy/app/modules/notes"
	"github.com/tenancyhq/tenancy/config"
)

// modulesFor enables the hosted modules TENANCY_MODULES names.
func modulesFor(cfg config.Config) fx.Option {
	known := map[string]fx.Option{"notes": notes.Module}
	var opts []fx.Option
	for _, name := range cfg.Modules {
		opts = append(opts, known[name])
	}
	return fx.Options(opts...)
}
