package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/test/apiclient"
)

func TestTheGeneratedClientDrivesTheWholeLifecycle(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	auth := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
		return nil
	}
	client, err := apiclient.NewClientWithResponses(base, apiclient.WithRequestEditorFn(auth))
	require.NoError(t, err)
	ctx := context.Background()

	created, err := client.CreateTenantWithResponse(ctx, apiclient.CreateTenantJSONRequestBody{Slug: "acme-corp", Name: "Acme"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), string(created.Body))
	require.Equal(t, "active", string(created.JSON201.Status))
	require.Equal(t, "/api/tenants/acme-corp", created.HTTPResponse.Header.Get("Location"))

	provisioned, err := client.ProvisionTenantWithResponse(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, provisioned.StatusCode(), string(provisioned.Body))
	require.Equal(t, "tenant_acme_corp", provisioned.JSON200.SchemaName)
	require.False(t, provisioned.JSON200.AlreadyProvisioned)

	suspended, err := client.SuspendTenantWithResponse(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, "suspended", string(suspended.JSON200.Status))

	activated, err := client.ActivateTenantWithResponse(ctx, created.JSON201.Id.String())
	require.NoError(t, err)
	require.Equal(t, "provisioned", string(activated.JSON200.Status), "the id works where the slug does")

	deleted, err := client.DeleteTenantWithResponse(ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, "deleted", string(deleted.JSON200.Status))
	require.NotNil(t, deleted.JSON200.DeletedAt)

	refused, err := client.DeprovisionTenantWithResponse(ctx, "acme-corp", &apiclient.DeprovisionTenantParams{})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnprocessableEntity, refused.StatusCode())
	require.NotNil(t, refused.ApplicationproblemJSON422)
	require.Contains(t, *refused.ApplicationproblemJSON422.Detail, "confirm=acme-corp")

	confirm := "acme-corp"
	dropped, err := client.DeprovisionTenantWithResponse(ctx, "acme-corp", &apiclient.DeprovisionTenantParams{Confirm: &confirm})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, dropped.StatusCode(), string(dropped.Body))
	require.True(t, dropped.JSON200.Dropped)

	events, err := client.ListTenantEventsWithResponse(ctx, "acme-corp", &apiclient.ListTenantEventsParams{})
	require.NoError(t, err)
	var actions []string
	for _, e := range events.JSON200.Items {
		actions = append(actions, string(e.Action))
	}
	require.Equal(t, []string{"deprovision", "delete", "activate", "suspend", "provision", "create"}, actions)
}
