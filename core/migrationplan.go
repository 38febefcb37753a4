package core

import "fmt"

// MigrationRef identifies one tenant migration: the module whose set holds
// it, its version in that set, its file name and the checksum of its SQL.
// Applied migrations come from the ledger, available ones from the sets.
type MigrationRef struct {
	Module   string
	Version  int64
	Name     string
	Checksum string
}

// String names the migration as an operator finds it: "module/file".
func (m MigrationRef) String() string { return m.Module + "/" + m.Name }

// MigrationPlan is what one tenant schema needs: the migrations still to
// apply, in the order to apply them, and the applied ones whose file changed
// since (a changed migration is never re-run: the fix is a new migration).
type MigrationPlan struct {
	Pending []MigrationRef
	Changed []MigrationRef
}

// UpToDate reports whether nothing is pending and nothing changed.
func (p MigrationPlan) UpToDate() bool { return len(p.Pending) == 0 && len(p.Changed) == 0 }

// Err returns a *ChecksumError for the changed migrations, or nil.
func (p MigrationPlan) Err() error {
	if len(p.Changed) == 0 {
		return nil
	}
	return &ChecksumError{Changed: p.Changed}
}

// PlanMigrations compares the ledger rows of one tenant (applied) with the
// migrations the sets offer (available, in application order) and keeps
// that order for the pending ones. An applied migration that no set offers
// any more is ignored: removing a module's files does not undo its tables.
func PlanMigrations(applied, available []MigrationRef) MigrationPlan {
	type key struct {
		module  string
		version int64
	}
	done := make(map[key]MigrationRef, len(applied))
	for _, a := range applied {
		done[key{a.Module, a.Version}] = a
	}
	var plan MigrationPlan
	for _, m := range available {
		a, ok := done[key{m.Module, m.Version}]
		switch {
		case !ok:
			plan.Pending = append(plan.Pending, m)
		case a.Checksum != m.Checksum:
			plan.Changed = append(plan.Changed, m)
		}
	}
	return plan
}

// ChecksumError reports applied migrations whose files changed. Its message
// names each by module and file, so the operator knows what to restore.
type ChecksumError struct {
	Changed []MigrationRef
}

func (e *ChecksumError) Error() string {
	names := ""
	for i, m := range e.Changed {
		if i > 0 {
			names += ", "
		}
		names += m.String()
	}
	return fmt.Sprintf("applied tenant migrations changed since they ran: %s; restore them and add a new migration instead", names)
}
