package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// The unique constraints of the tenants table, as migrations/control names
// them, and the input field each one protects.
var uniqueFields = map[string]string{
	"tenants_slug_key":        "slug",
	"tenants_schema_name_key": "schemaName",
}

// translate classifies a database error at the adapter edge, so no SQL text
// becomes a client-facing message. Errors that PostgreSQL reports for a
// transient condition (connection, resources, locks, cancellation) and every
// error that never reached the server are KindUnavailable; any other server
// error is a bug in a query and stays KindInternal. An error that is already
// classified passes through.
func translate(err error, op string) error {
	if err == nil {
		return nil
	}
	var classified *ports.Error
	if errors.As(err, &classified) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(pgErr.Code) == 5 {
		switch pgErr.Code[:2] {
		case "08", "40", "53", "55", "57", "58":
		case "22":
			// Data exceptions are values PostgreSQL cannot take (core
			// validation should have caught them): the caller's input.
			return ports.Wrap(ports.KindInvalid, fmt.Errorf("%s: %w", op, err), "a value cannot be stored: %s", pgErr.Message)
		default:
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return ports.Wrap(ports.KindUnavailable, fmt.Errorf("%s: %w", op, err),
		"the tenant registry is unavailable; retry later")
}

// translateCreate is translate for the insert of t: a unique violation on
// the slug or the schema name is a conflict that names the field.
func translateCreate(err error, t core.Tenant) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		switch uniqueFields[pgErr.ConstraintName] {
		case "slug":
			return &ports.Error{Kind: ports.KindConflict, Field: "slug", Err: err,
				Message: fmt.Sprintf("a tenant with slug %q already exists", t.Slug)}
		case "schemaName":
			return &ports.Error{Kind: ports.KindConflict, Field: "schemaName", Err: err,
				Message: fmt.Sprintf("another tenant already uses schema %q; choose another slug", t.SchemaName)}
		}
	}
	return translate(err, "create tenant "+t.Slug)
}
