// Package httpapi is the HTTP edge: the huma API with its generated OpenAPI
// document, the health endpoints, and (in other files) the admin routes. It
// validates input, calls the application's ports and maps their errors to RFC
// 9457 problems in one place.
package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// Info describes the API in its OpenAPI document.
type Info struct {
	Title   string
	Version string
}

// BearerScheme is the name of the OpenAPI security scheme for API tokens.
const BearerScheme = "bearer"

// NewAPI creates the huma API on mux, serving /openapi.json, /openapi.yaml
// and /docs.
func NewAPI(mux *http.ServeMux, info Info) huma.API {
	cfg := huma.DefaultConfig(info.Title, info.Version)
	cfg.Info.Description = "Tenancy: PostgreSQL schema-per-tenant multi-tenancy. " +
		"The admin API creates, lists, updates, provisions, suspends, activates, deletes and deprovisions tenants."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = "/docs"
	cfg.SchemasPath = "/schemas"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		BearerScheme: {
			Type:         "http",
			Scheme:       "bearer",
			Description:  "An API token from TENANCY_ADMIN_TOKENS: read tokens may call GET routes, admin tokens every route.",
			BearerFormat: "opaque token",
		},
	}
	return humago.New(mux, cfg)
}
