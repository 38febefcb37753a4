package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// TenantsTag and the other tags group the operations in the document.
const (
	TenantsTag   = "tenants"
	LifecycleTag = "lifecycle"
	AuditTag     = "audit"
)

// TenantRoutes are the admin API's tenant operations, over the Tenants port.
type TenantRoutes struct {
	svc ports.Tenants
}

// NewTenantRoutes returns the routes over svc. svc may be nil to describe the
// API without serving it (`tenantd openapi`); a call then fails with 503.
func NewTenantRoutes(svc ports.Tenants) *TenantRoutes { return &TenantRoutes{svc: svc} }

// Register adds every tenant operation to api. This is the one place they
// are registered, so the document and the routes cannot drift apart.
func (rt *TenantRoutes) Register(api huma.API) {
	huma.Register(api, operation("createTenant", http.MethodPost, "/api/tenants", TenantsTag,
		"Create a tenant",
		"Creates an active tenant (no schema yet) from a slug, a name and optional settings. Its schema name is derived from the slug. Provision it next to create its schema.",
		http.StatusCreated, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity),
		rt.create)
	huma.Register(api, operation("listTenants", http.MethodGet, "/api/tenants", TenantsTag,
		"List tenants",
		"Lists tenants oldest first, one page at a time, optionally filtered by status and by a text that the slug or name contains. Follow nextCursor for the next page.",
		http.StatusOK, http.StatusUnprocessableEntity),
		rt.list)
	huma.Register(api, operation("getTenant", http.MethodGet, "/api/tenants/{slug}", TenantsTag,
		"Get a tenant",
		"Returns one tenant by slug or id, with its version in the ETag header for a later conditional update.",
		http.StatusOK, http.StatusNotFound),
		rt.get)
	patch := operation("updateTenant", http.MethodPatch, "/api/tenants/{slug}", TenantsTag,
		"Update a tenant",
		"Changes a tenant's name and/or settings. The body is a JSON merge patch (RFC 7396), sent as application/merge-patch+json or application/json: settings keys set to null are removed, objects are merged. Send If-Match with the ETag you read to refuse the update (412) when someone changed the tenant since. A deleted tenant cannot be updated (409).",
		http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
	huma.Register(api, patch, rt.update)
	acceptJSONToo(api, patch.Path)
	huma.Register(api, operation("provisionTenant", http.MethodPost, "/api/tenants/{slug}/provision", LifecycleTag,
		"Provision a tenant",
		"Creates the tenant's schema and applies every tenant migration in one transaction, then marks the tenant provisioned. Provisioning a provisioned tenant changes nothing and answers alreadyProvisioned true. Allowed from active and provisioned; other states answer 409.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable),
		rt.provision)
	huma.Register(api, operation("suspendTenant", http.MethodPost, "/api/tenants/{slug}/suspend", LifecycleTag,
		"Suspend a tenant",
		"Disables access to the tenant and keeps its data. Allowed from active and provisioned; other states answer 409 naming the current state and what is allowed.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict),
		rt.suspend)
	huma.Register(api, operation("activateTenant", http.MethodPost, "/api/tenants/{slug}/activate", LifecycleTag,
		"Activate a tenant",
		"Lifts a suspension: the tenant goes back to provisioned when its schema exists, else to active. Allowed from suspended only; other states answer 409.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict),
		rt.activate)
	huma.Register(api, operation("deleteTenant", http.MethodDelete, "/api/tenants/{slug}", LifecycleTag,
		"Delete a tenant",
		"Soft-deletes the tenant: it can no longer be used, but its schema and data stay until an explicit deprovision. Allowed from active, provisioned and suspended; a deleted tenant answers 409.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict),
		rt.delete)
	huma.Register(api, operation("deprovisionTenant", http.MethodPost, "/api/tenants/{slug}/deprovision", LifecycleTag,
		"Deprovision a deleted tenant",
		"Drops the schema of a deleted tenant, and with it all of the tenant's data. Because this cannot be undone, the query parameter confirm must repeat the tenant's slug. Repeating it when the schema is gone changes nothing. Only a deleted tenant can be deprovisioned (409 otherwise).",
		http.StatusOK, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable),
		rt.deprovision)
	huma.Register(api, operation("listTenantEvents", http.MethodGet, "/api/tenants/{slug}/events", AuditTag,
		"List a tenant's events",
		"Lists the tenant's audit trail, newest first: every lifecycle change and update with who made it and when. Follow nextCursor for older events.",
		http.StatusOK, http.StatusNotFound, http.StatusUnprocessableEntity),
		rt.events)
}

// operation fills what every admin operation declares: its tag, the bearer
// security, and the error statuses common to all (401, 403, 500) on top of
// its own.
func operation(id, method, path, tag, summary, description string, status int, errs ...int) huma.Operation {
	return huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Description:   description,
		Tags:          []string{tag},
		DefaultStatus: status,
		Security:      []map[string][]string{{BearerScheme: {}}},
		MaxBodyBytes:  MaxBodyBytes,
		Errors:        append([]int{http.StatusUnauthorized, http.StatusForbidden}, append(errs, http.StatusInternalServerError)...),
	}
}

// MaxBodyBytes bounds every request body; larger ones answer 413.
const MaxBodyBytes = 1 << 20

// acceptJSONToo declares application/json beside application/merge-patch+json
// for the PATCH body at path, so plain JSON clients see they may use it.
func acceptJSONToo(api huma.API, path string) {
	item := api.OpenAPI().Paths[path]
	if item == nil || item.Patch == nil || item.Patch.RequestBody == nil {
		return
	}
	content := item.Patch.RequestBody.Content
	if mt, ok := content[MergePatchContentType]; ok {
		content["application/json"] = &huma.MediaType{Schema: mt.Schema}
	}
}

// MergePatchContentType is the media type of an RFC 7396 JSON merge patch.
const MergePatchContentType = "application/merge-patch+json"

// TenantRef is the path parameter naming a tenant.
type TenantRef struct {
	Slug string `path:"slug" maxLength:"100" example:"acme-corp" doc:"The tenant's slug or id."`
}

// TenantOutput is one tenant with its version as ETag.
type TenantOutput struct {
	ETag string `header:"ETag" example:"\"3\"" doc:"The tenant's version, to send back in If-Match."`
	Body Tenant
}

func tenantOutput(t core.Tenant) *TenantOutput {
	return &TenantOutput{ETag: etag(t.Version), Body: ToTenant(t)}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// CreateTenantInput is the body of a create.
type CreateTenantInput struct {
	Body struct {
		Slug     string         `json:"slug" minLength:"2" maxLength:"100" example:"acme-corp" doc:"The tenant's unique, URL-safe name: 2–100 lowercase letters, digits and hyphens, starting and ending with a letter or digit. It cannot be changed later."`
		Name     string         `json:"name" minLength:"1" maxLength:"255" example:"Acme Corporation" doc:"The display name, 1–255 characters."`
		Settings map[string]any `json:"settings,omitempty" example:"{\"features\":{\"sso\":true},\"limits\":{\"users\":50}}" doc:"Optional configuration: features (an object of booleans), limits (an object of whole numbers), branding (logoUrl, primaryColor, customDomain) and any other keys the host application uses."`
	}
}

// CreatedOutput is a created tenant with where to find it.
type CreatedOutput struct {
	Location string `header:"Location" example:"/api/tenants/acme-corp" doc:"The URL of the new tenant."`
	ETag     string `header:"ETag" example:"\"1\"" doc:"The tenant's version, to send back in If-Match."`
	Body     Tenant
}

func (rt *TenantRoutes) create(ctx context.Context, in *CreateTenantInput) (*CreatedOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	t, err := rt.svc.Create(ctx, ports.CreateParams{Slug: in.Body.Slug, Name: in.Body.Name, Settings: core.Settings(in.Body.Settings), Actor: actor(ctx)})
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return &CreatedOutput{Location: "/api/tenants/" + t.Slug, ETag: etag(t.Version), Body: ToTenant(t)}, nil
}

// ListTenantsInput filters and pages a list.
type ListTenantsInput struct {
	Status string `query:"status" enum:"active,provisioned,suspended,deleted" example:"provisioned" doc:"Only tenants in this status."`
	Q      string `query:"q" maxLength:"100" example:"acme" doc:"Only tenants whose slug or name contains this text (case-insensitive)."`
	Limit  int    `query:"limit" default:"20" minimum:"1" maximum:"100" example:"20" doc:"How many tenants per page, 1–100."`
	Cursor string `query:"cursor" maxLength:"1024" example:"eyJjIjoiMjAyNS0wMS0xNVQwOTozMDowMFoifQ" doc:"The nextCursor of the previous page; absent for the first page."`
}

// TenantPageOutput is one page of tenants.
type TenantPageOutput struct {
	Body TenantPage
}

func (rt *TenantRoutes) list(ctx context.Context, in *ListTenantsInput) (*TenantPageOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	page, err := rt.svc.List(ctx, ports.ListParams{Status: core.Status(in.Status), Query: in.Q, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return &TenantPageOutput{Body: ToTenantPage(page)}, nil
}

func (rt *TenantRoutes) get(ctx context.Context, in *TenantRef) (*TenantOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	t, err := rt.svc.Get(ctx, in.Slug)
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return tenantOutput(t), nil
}

// UpdateTenantBody is a merge patch of a tenant.
type UpdateTenantBody struct {
	Name     *string        `json:"name,omitempty" minLength:"1" maxLength:"255" example:"Acme Corp." doc:"A new display name, 1–255 characters."`
	Settings map[string]any `json:"settings,omitempty" example:"{\"limits\":{\"users\":100},\"features\":{\"beta\":null}}" doc:"A JSON merge patch of the settings: keys set to null are removed, objects are merged, anything else replaces."`
}

// UpdateTenantInput is a conditional merge patch of a tenant.
type UpdateTenantInput struct {
	TenantRef
	IfMatch string           `header:"If-Match" example:"\"3\"" doc:"The ETag of the tenant as you read it, or a comma-separated list of ETags; the update is refused with 412 unless the tenant is still at one of them. Absent or * updates whatever is current. A value that is no list of entity tags is refused with 422."`
	Body    UpdateTenantBody `contentType:"application/merge-patch+json"`
}

func (rt *TenantRoutes) update(ctx context.Context, in *UpdateTenantInput) (*TenantOutput, error) {
	if err := rt.ready(ctx); err != nil {
		return nil, err
	}
	condition, err := parseIfMatch(in.IfMatch)
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	var patch []byte
	if in.Body.Settings != nil {
		if patch, err = json.Marshal(in.Body.Settings); err != nil {
			return nil, ToProblem(ctx, ports.Wrap(ports.KindInvalid, err, "settings must be a JSON object"))
		}
	}
	version, err := rt.expectedVersion(ctx, in.Slug, condition)
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	t, err := rt.svc.Update(ctx, ports.UpdateTenantParams{Ref: in.Slug, ExpectedVersion: version, Name: in.Body.Name, SettingsPatch: patch, Actor: actor(ctx)})
	if err != nil {
		return nil, ToProblem(ctx, err)
	}
	return tenantOutput(t), nil
}

// ready refuses calls when the routes were built without a service, to
// describe the API only.
func (rt *TenantRoutes) ready(ctx context.Context) error {
	if rt.svc == nil {
		return ToProblem(ctx, ports.Errorf(ports.KindUnavailable, "the tenant service is not configured in this process"))
	}
	return nil
}
