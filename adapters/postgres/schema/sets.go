package schema

import (
	"fmt"
	"os"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/migrations"
	"github.com/tenancyhq/tenancy/ports"
)

// TemplateModule is the ledger module under which a template copy is
// recorded; no migration set may use it.
const TemplateModule = "template"

// Set is one module's tenant migrations, loaded and ordered by version.
type Set struct {
	Module     string
	Migrations []migrations.Migration
}

// Sets are the tenant migration sets in application order: set by set in the
// order given, each by version.
type Sets struct {
	list []Set
}

// NewSets loads every set with migrations.Load. A set without a module name,
// two sets with one name, the reserved name "template" and badly named files
// are errors that name the culprit.
func NewSets(sets ...ports.MigrationSet) (Sets, error) {
	var out Sets
	seen := map[string]bool{}
	for _, s := range sets {
		switch {
		case s.Module == "":
			return Sets{}, ports.Errorf(ports.KindInvalid, "a tenant migration set has no module name")
		case s.Module == TemplateModule:
			return Sets{}, ports.Errorf(ports.KindInvalid, "the module name %q is reserved for template copies", TemplateModule)
		case seen[s.Module]:
			return Sets{}, ports.Errorf(ports.KindInvalid, "two tenant migration sets are named %q", s.Module)
		case s.FS == nil:
			return Sets{}, ports.Errorf(ports.KindInvalid, "tenant migration set %q has no files", s.Module)
		}
		seen[s.Module] = true
		ms, err := migrations.Load(s.FS)
		if err != nil {
			return Sets{}, ports.Wrap(ports.KindInvalid, err, "tenant migrations of module %q: %v", s.Module, err)
		}
		out.list = append(out.list, Set{Module: s.Module, Migrations: ms})
	}
	return out, nil
}

// StandardSets lists the sets of a tenancy deployment: the project's own
// ("tenancy"), the files of dir when it is not empty ("tenant"), then the
// hosted modules' sets in the order given.
func StandardSets(dir string, modules ...ports.MigrationSet) []ports.MigrationSet {
	out := []ports.MigrationSet{{Module: "tenancy", FS: migrations.Tenant()}}
	if dir != "" {
		out = append(out, ports.MigrationSet{Module: "tenant", FS: os.DirFS(dir)})
	}
	return append(out, modules...)
}

// Refs lists every migration in application order, as the core plan wants.
func (s Sets) Refs() []core.MigrationRef {
	var out []core.MigrationRef
	for _, set := range s.list {
		for _, m := range set.Migrations {
			out = append(out, core.MigrationRef{Module: set.Module, Version: m.Version, Name: m.Name, Checksum: m.Checksum})
		}
	}
	return out
}

// sql returns the SQL of the migration ref names.
func (s Sets) sql(ref core.MigrationRef) (string, error) {
	for _, set := range s.list {
		if set.Module != ref.Module {
			continue
		}
		for _, m := range set.Migrations {
			if m.Version == ref.Version {
				return m.SQL, nil
			}
		}
	}
	return "", fmt.Errorf("no migration %s", ref)
}

// created lists, for each migration that creates relations, their names.
func (s Sets) created() map[core.MigrationRef][]string {
	out := map[core.MigrationRef][]string{}
	for _, set := range s.list {
		for _, m := range set.Migrations {
			if names := core.CreatedRelations(m.SQL); len(names) > 0 {
				out[core.MigrationRef{Module: set.Module, Version: m.Version, Name: m.Name, Checksum: m.Checksum}] = names
			}
		}
	}
	return out
}
