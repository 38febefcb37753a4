// Package httpapi is the HTTP edge: the huma API with its generated OpenAPI
// document, the health endpoints, and (in other files) the admin routes. It
// validates input, calls the application's ports and maps their errors to RFC
// 9457 problems in one place.
package httpapi

import (
	"maps"
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
// and /docs. Every error it writes is a Problem (see installErrors), and it
// reads application/merge-patch+json bodies as JSON.
func NewAPI(mux *http.ServeMux, info Info) huma.API {
	installErrors()
	cfg := huma.DefaultConfig(info.Title, info.Version)
	// huma's DefaultFormats is shared by every API in the process: copy it.
	cfg.Formats = maps.Clone(huma.DefaultFormats)
	cfg.Formats[MergePatchContentType] = huma.DefaultJSONFormat
	// No $schema links in bodies: clients of an admin API want the data, and
	// the links would name a host the server cannot know behind a proxy.
	cfg.CreateHooks = nil
	cfg.Transformers = append(cfg.Transformers, addRequestID)
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The tenantd instance serving this document."}}
	cfg.Tags = []*huma.Tag{
		{Name: "health", Description: "Liveness and readiness for load balancers and orchestrators; no token needed."},
		{Name: TenantsTag, Description: "Create, list, read and update tenants."},
		{Name: LifecycleTag, Description: "Move tenants through their lifecycle: provision, suspend, activate, delete, deprovision."},
		{Name: AuditTag, Description: "The audit trail of every change to a tenant."},
	}
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
