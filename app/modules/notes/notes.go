// Package notes is an example hosted module: a per-tenant `notes` table and
// a small API over it, mounted behind the tenant resolver. It shows what a
// module needs from Tenancy: its migration set, its routes, and the tenant
// scope — and nothing about how tenancy works inside.
package notes

import (
	"embed"
	"io/fs"

	"go.uber.org/fx"

	"github.com/tenancyhq/tenancy/app/host"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the module's tenant migration set.
func Migrations() fs.FS { sub, _ := fs.Sub(migrationFiles, "migrations"); return sub }

// Module enables notes in a host application.
var Module = fx.Module("notes",
	host.AsTenantMigrations("notes", Migrations()),
	fx.Provide(host.AsTenantRoutes(NewRoutes)),
)
