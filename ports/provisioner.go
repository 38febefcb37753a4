package ports

import (
	"context"
	"time"
)

// Provisioner creates and drops tenant schemas.
//
// Provision runs, in one transaction under a per-tenant lock, CREATE SCHEMA,
// every tenant migration, the ledger rows, the module hooks of TenantHook
// kind "provisioned", and the tenant's move to provisioned with its event.
// Provisioning a provisioned tenant returns its result without DDL. Errors:
// KindNotFound, KindConflict (a state that cannot be provisioned), KindInvalid
// (a migration failed: the message names the file and carries PostgreSQL's
// message), KindUnavailable.
//
// Deprovision drops the schema of a deleted tenant, removes its ledger rows and
// writes the event, in one transaction; it is idempotent. Errors: KindNotFound,
// KindConflict (not deleted), KindUnavailable.
type Provisioner interface {
	Provision(ctx context.Context, params ProvisionParams) (ProvisionResult, error)
	Deprovision(ctx context.Context, params DeprovisionParams) (DeprovisionResult, error)
}

// ProvisionParams names the tenant and who asks.
type ProvisionParams struct {
	TenantID string
	Actor    string
}

// ProvisionResult is what a provision did. Already is true when the tenant was
// provisioned before this call.
type ProvisionResult struct {
	SchemaName        string
	TableCount        int
	MigrationsApplied []string
	Duration          time.Duration
	Already           bool
}

// DeprovisionParams names the tenant and who asks.
type DeprovisionParams struct {
	TenantID string
	Actor    string
}

// DeprovisionResult is what a deprovision did. BackupPath is set when a dump
// was written first.
type DeprovisionResult struct {
	SchemaName string
	Dropped    bool
	BackupPath string
}
