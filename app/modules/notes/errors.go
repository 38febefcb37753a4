package notes

import (
	"context"
	"errors"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/ports"
)

// problem turns a use-case error into the API's problem response. Notes are
// per tenant, so a request that names no tenant is a client error (400).
func problem(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ports.ErrNoTenant) {
		return huma.Error400BadRequest("this route needs a tenant: name it by subdomain, header or path, as TENANCY_RESOLVE configures")
	}
	return host.Problem(ctx, err)
}
