// Package schema creates, migrates and drops tenant schemas in PostgreSQL.
//
// A Provisioner builds a tenant's schema in one transaction, under a
// per-tenant lock: CREATE SCHEMA, every tenant migration (or a copy of a
// template schema), the ledger rows, the modules' provisioned hooks and the
// tenant's move to provisioned with its event. Any failure rolls all of it
// back, so a schema is either complete and recorded or absent. Deprovision
// drops the schema of a deleted tenant, after an optional pg_dump.
//
// A Migrator applies migrations added since to every provisioned tenant, one
// transaction and one advisory lock per tenant, with bounded concurrency; one
// tenant's failure is reported and the others go on.
//
// Migrations run with the tenant's schema alone on the search path, so an
// unqualified name can never reach a shared table by accident; and no set may
// create a table whose name a shared schema already uses, because a tenant
// behind on migrations would then silently read the shared table.
package schema
