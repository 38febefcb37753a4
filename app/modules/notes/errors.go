package notes

import (
	"github.com/danielgtaylor/huma/v2"

	"github.com/tenancyhq/tenancy/ports"
)

// problem turns a use-case error into the API's problem response.
// TODO(lead): replace with the shared mapping of adapters/httpapi.
func problem(err error) error {
	if err == nil {
		return nil
	}
	switch ports.KindOf(err) {
	case ports.KindNotFound:
		return huma.Error404NotFound(ports.PublicMessage(err))
	case ports.KindInvalid:
		return huma.Error400BadRequest(ports.PublicMessage(err))
	}
	return huma.Error500InternalServerError(ports.PublicMessage(err))
}
