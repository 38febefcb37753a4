package ports

import (
	"context"
	"io/fs"
)

// MigrationSet is a named set of tenant migrations: versioned SQL files
// (`0001_create_notes.sql`, …) at the root of FS, applied in version order to
// every tenant schema. The project's own set is named "tenancy"; a hosted
// module names its set after itself.
type MigrationSet struct {
	Module string
	FS     fs.FS
}

// TenantHook is a module's reaction to a lifecycle change. Provisioned hooks
// run inside the provisioning transaction, with tx scoped to the new schema:
// their failure rolls the provision back. The others run after commit and
// their failures are logged, not returned.
type TenantHook struct {
	Module      string
	Provisioned func(ctx context.Context, tx Tx, tenant TenantRef) error
	Suspended   func(ctx context.Context, tenant TenantRef) error
	Activated   func(ctx context.Context, tenant TenantRef) error
	Deleted     func(ctx context.Context, tenant TenantRef) error
}

// TenantRef identifies a tenant to a hook.
type TenantRef struct {
	ID         string
	Slug       string
	SchemaName string
}
