package schema_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// The migrations go to the server as one statement list; a schema that
// already exists fails it, and the stepwise replay still reports it as a
// conflict naming the schema, leaving the schema and the tenant alone.
func TestProvisionIntoAnExistingSchemaIsAConflict(t *testing.T) {
	t.Parallel()
	p, b := setup(t, schema.Options{}, notesSet())
	tn := b.createTenant(t, "acme")
	b.exec(t, "CREATE SCHEMA tenant_acme")
	b.exec(t, "CREATE TABLE tenant_acme.keep (id int)")
	oid := b.schemaOID(t, "tenant_acme")

	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindConflict, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), `schema "tenant_acme" already exists`)
	require.Equal(t, oid, b.schemaOID(t, "tenant_acme"))
	b.exec(t, "SELECT * FROM tenant_acme.keep")
	require.Empty(t, b.ledger(t, tn.ID))
	require.Equal(t, core.StatusActive, b.get(t, tn.ID).Status)
}

// Files are joined into one list; one ending in a line comment without a
// final semicolon must not swallow the next file or the ledger insert.
func TestProvisionJoinsFilesEndingInALineComment(t *testing.T) {
	t.Parallel()
	set := files("notes",
		"0001_notes.sql", "CREATE TABLE notes (id int) -- no semicolon",
		"0002_tags.sql", "CREATE TABLE tags (body text DEFAULT 'it''s; fine');\n-- trailing comment",
	)
	p, b := setup(t, schema.Options{}, set)
	tn := b.createTenant(t, "acme")
	res, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.NoError(t, err)
	require.Equal(t, 2, res.TableCount)
	require.Equal(t, []string{"notes/0001_notes.sql", "notes/0002_tags.sql"}, b.ledger(t, tn.ID))
	require.Equal(t, core.StatusProvisioned, b.get(t, tn.ID).Status)
}

// A set that shadows a shared table runs without error in the list; the
// shadowing check read in the same list still refuses it by file name.
func TestProvisionRefusesShadowingByFileName(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	b.exec(t, "CREATE TABLE public.users (id int)")
	p := b.provisioner(t, schema.Options{}, files("accounts", "0001_users.sql", "CREATE TABLE users (id int);"))
	tn := b.createTenant(t, "acme")
	_, err := p.Provision(context.Background(), ports.ProvisionParams{TenantID: tn.ID})
	require.Equal(t, ports.KindInvalid, ports.KindOf(err))
	require.Contains(t, ports.PublicMessage(err), "accounts/0001_users.sql")
	require.Zero(t, b.schemaOID(t, "tenant_acme"))
	require.Empty(t, b.ledger(t, tn.ID))
}
