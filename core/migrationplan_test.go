package core_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tenancyhq/tenancy/core"
)

func TestPlanMigrations(t *testing.T) {
	m := func(module string, v int64, sum string) core.MigrationRef {
		return core.MigrationRef{Module: module, Version: v, Name: module + "_file.sql", Checksum: sum}
	}
	available := []core.MigrationRef{m("tenancy", 1, "a"), m("tenancy", 2, "b"), m("notes", 1, "c"), m("notes", 2, "d")}
	equal := func(t *testing.T, got, want []core.MigrationRef) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}

	t.Run("a fresh schema needs everything in the sets' order", func(t *testing.T) {
		plan := core.PlanMigrations(nil, available)
		equal(t, plan.Pending, available)
		if len(plan.Changed) != 0 || plan.UpToDate() || plan.Err() != nil {
			t.Fatalf("unexpected plan %+v", plan)
		}
	})
	t.Run("only what is missing is pending", func(t *testing.T) {
		plan := core.PlanMigrations([]core.MigrationRef{m("tenancy", 1, "a"), m("notes", 1, "c")}, available)
		equal(t, plan.Pending, []core.MigrationRef{m("tenancy", 2, "b"), m("notes", 2, "d")})
	})
	t.Run("a fully applied schema is up to date", func(t *testing.T) {
		if plan := core.PlanMigrations(available, available); !plan.UpToDate() {
			t.Fatalf("unexpected plan %+v", plan)
		}
	})
	t.Run("a changed file is reported by module and name", func(t *testing.T) {
		applied := []core.MigrationRef{m("tenancy", 1, "a"), m("tenancy", 2, "OLD")}
		plan := core.PlanMigrations(applied, available)
		equal(t, plan.Changed, []core.MigrationRef{m("tenancy", 2, "b")})
		var ce *core.ChecksumError
		if !errors.As(plan.Err(), &ce) || !strings.Contains(plan.Err().Error(), "tenancy/tenancy_file.sql") {
			t.Fatalf("unexpected error %v", plan.Err())
		}
	})
	t.Run("a migration no set offers any more is ignored", func(t *testing.T) {
		plan := core.PlanMigrations(append([]core.MigrationRef{m("gone", 1, "x")}, available...), available)
		if !plan.UpToDate() {
			t.Fatalf("unexpected plan %+v", plan)
		}
	})
}
