package core_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
)

func TestSharedSchemasDefaultsToPublicAndDropsRepeats(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{core.DefaultSharedSchema}, core.SharedSchemas(nil))
	require.Empty(t, core.SharedSchemas([]string{}))
	require.NotNil(t, core.SharedSchemas([]string{}), "an empty list stays an explicit none")
	require.Equal(t, []string{"public", "ext"}, core.SharedSchemas([]string{"public", "ext", "public"}))
}

func TestSearchPathQuotesTheTenantSchemaThenTheSharedOnes(t *testing.T) {
	t.Parallel()
	got, err := core.SearchPath("tenant_acme", []string{"public", "_shared2"})
	require.NoError(t, err)
	require.Equal(t, `"tenant_acme", "public", "_shared2"`, got)

	got, err = core.SearchPath("tenant_acme", nil)
	require.NoError(t, err)
	require.Equal(t, `"tenant_acme"`, got, "no shared schemas: the tenant's alone")
}

func TestSearchPathRefusesUnsafeNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		schema string
		shared []string
		field  string
	}{
		{"a tenant schema outside tenant_", "public", nil, "schemaName"},
		{"a quote in the tenant schema", `tenant_a"b`, nil, "schemaName"},
		{"an empty shared schema", "tenant_a", []string{"public", ""}, "sharedSchemas[1]"},
		{"an uppercase shared schema", "tenant_a", []string{"Public"}, "sharedSchemas[0]"},
		{"a shared schema with a quote", "tenant_a", []string{`pub"lic`}, "sharedSchemas[0]"},
		{"a shared schema with a comma", "tenant_a", []string{"public, tenant_b"}, "sharedSchemas[0]"},
		{"a system schema", "tenant_a", []string{"pg_catalog"}, "sharedSchemas[0]"},
		{"another tenant's schema", "tenant_a", []string{"tenant_b"}, "sharedSchemas[0]"},
		{"a leading digit", "tenant_a", []string{"1public"}, "sharedSchemas[0]"},
		{"a name longer than 63 bytes", "tenant_a", []string{"s234567890123456789012345678901234567890123456789012345678901234"}, "sharedSchemas[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := core.SearchPath(tc.schema, tc.shared)
			var ve *core.ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			require.Equal(t, tc.field, ve.Field)
		})
	}
}

func TestValidateSharedSchemasAcceptsLowercaseIdentifiers(t *testing.T) {
	t.Parallel()
	require.NoError(t, core.ValidateSharedSchemas([]string{"public", "_x", "shared_2", "s23456789012345678901234567890123456789012345678901234567890123"}))
}
