package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

func TestATenantGoesThroughItsWholeLifecycle(t *testing.T) {
	t.Parallel()
	s := setup(t)

	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: map[string]any{
		"slug": "acme-corp", "name": "Acme", "settings": map[string]any{"limits": map[string]any{"users": 5}},
	}})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	require.Equal(t, "/api/tenants/acme-corp", r.header.Get("Location"))
	require.Equal(t, `"1"`, r.header.Get("ETag"))
	require.Equal(t, "active", r.body["status"])
	require.Equal(t, "tenant_acme_corp", r.body["schemaName"])
	require.EqualValues(t, 1, r.body["version"])
	require.NotContains(t, r.body, "provisionedAt", "unset times are omitted")
	require.NotContains(t, r.body, "deletedAt")
	require.True(t, strings.HasSuffix(r.body["createdAt"].(string), "Z"), "times are RFC 3339 UTC")
	id := r.body["id"].(string)

	for _, ref := range []string{"acme-corp", id} {
		r = s.do(t, req{method: http.MethodGet, path: "/api/tenants/" + ref, token: readToken})
		require.Equal(t, http.StatusOK, r.status, r.raw)
		require.Equal(t, id, r.body["id"])
		require.Equal(t, `"1"`, r.header.Get("ETag"))
	}

	r = s.do(t, req{method: http.MethodPatch, path: "/api/tenants/acme-corp", contentType: "application/merge-patch+json",
		headers: map[string]string{"If-Match": `"1"`},
		body:    map[string]any{"name": "Acme Corp", "settings": map[string]any{"limits": map[string]any{"users": nil, "projects": 3}}}})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "Acme Corp", r.body["name"])
	require.Equal(t, map[string]any{"limits": map[string]any{"projects": float64(3)}}, r.body["settings"], "null removes a key, objects merge")
	require.Equal(t, `"2"`, r.header.Get("ETag"))

	r = s.do(t, req{method: http.MethodPatch, path: "/api/tenants/acme-corp", headers: map[string]string{"If-Match": `W/"2"`},
		body: map[string]any{"name": "Acme"}})
	require.Equal(t, http.StatusOK, r.status, "plain JSON and weak ETags are accepted: %s", r.raw)

	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/provision"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "tenant_acme_corp", r.body["schemaName"])
	require.Equal(t, false, r.body["alreadyProvisioned"])
	require.Contains(t, r.body, "tableCount")
	require.Contains(t, r.body, "durationMs")
	require.Contains(t, r.body, "migrationsApplied")
	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/provision"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, true, r.body["alreadyProvisioned"], "a second provision is an idempotent repeat")

	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/suspend"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "suspended", r.body["status"])
	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/activate"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "provisioned", r.body["status"], "the schema exists, so activate goes back to provisioned")
	require.Contains(t, r.body, "provisionedAt")

	r = s.do(t, req{method: http.MethodDelete, path: "/api/tenants/acme-corp"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "deleted", r.body["status"])
	require.Contains(t, r.body, "deletedAt")

	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/deprovision"})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	require.Contains(t, r.body["detail"], "confirm=acme-corp", "the problem says what to send")
	require.Equal(t, []string{"query.confirm"}, locations(r))
	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/deprovision?confirm=other"})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	r = s.do(t, req{method: http.MethodPost, path: "/api/tenants/acme-corp/deprovision?confirm=acme-corp"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, true, r.body["dropped"])
	require.Equal(t, "tenant_acme_corp", r.body["schemaName"])

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants/acme-corp/events?limit=2", token: readToken})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	items := r.body["items"].([]any)
	require.Len(t, items, 2)
	require.Equal(t, "deprovision", items[0].(map[string]any)["action"], "newest first")
	require.Equal(t, "token:admin#1", items[0].(map[string]any)["actor"], "the token's name is the actor, never the token")
	var actions []string
	for cursor := ""; ; {
		path := "/api/tenants/acme-corp/events?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r = s.do(t, req{method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, r.status, r.raw)
		for _, e := range r.body["items"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		next, _ := r.body["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"deprovision", "delete", "activate", "suspend", "provision", "update", "update", "create"}, actions)
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := setup(t)
	for _, slug := range []string{"alpha", "beta", "gamma"} {
		create(t, s, slug)
	}
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants/beta/suspend"})
	require.Equal(t, http.StatusOK, r.status, r.raw)

	slugs := func(r response) []string {
		var out []string
		for _, item := range r.body["items"].([]any) {
			out = append(out, item.(map[string]any)["slug"].(string))
		}
		return out
	}
	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants", token: readToken})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, []string{"alpha", "beta", "gamma"}, slugs(r))
	require.NotContains(t, r.body, "nextCursor", "one page holds all")

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?status=suspended"})
	require.Equal(t, []string{"beta"}, slugs(r))
	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?q=MM"})
	require.Equal(t, []string{"gamma"}, slugs(r))

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?limit=2"})
	require.Equal(t, []string{"alpha", "beta"}, slugs(r))
	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?limit=2&cursor=" + r.body["nextCursor"].(string)})
	require.Equal(t, []string{"gamma"}, slugs(r))

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?status=nope"})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"query.status"}, locations(r))
	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?limit=101"})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"query.limit"}, locations(r))
	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants?cursor=garbage"})
	require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.status, r.raw)
	requireProblem(t, r, r.status)
}

func TestBadInputIsAProblemThatSaysWhatToFix(t *testing.T) {
	t.Parallel()
	s := setup(t)
	create(t, s, "taken")
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants/taken/delete"})
	require.Equal(t, http.StatusNotFound, r.status, "no such route")

	cases := []struct {
		name     string
		req      req
		status   int
		location string
		detail   string
	}{
		{"malformed JSON", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug": "x",`}, http.StatusBadRequest, "body", ""},
		{"a name of the wrong type", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug","name":42}`}, http.StatusUnprocessableEntity, "body.name", ""},
		{"an unknown field", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug","name":"x","plan":"gold"}`}, http.StatusUnprocessableEntity, "body.plan", "unexpected property"},
		{"a missing name", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug"}`}, http.StatusUnprocessableEntity, "body", "name"},
		{"an invalid slug", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"Bad_Slug","name":"x"}`}, http.StatusUnprocessableEntity, "body.slug", ""},
		{"invalid settings", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug","name":"x","settings":{"limits":{"users":-1}}}`}, http.StatusUnprocessableEntity, "body.settings.limits.users", ""},
		{"a taken slug", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"taken","name":"x"}`}, http.StatusConflict, "", "slug"},
		{"a body over 1 MiB", req{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"big","name":"` + strings.Repeat("x", 1<<20) + `"}`}, http.StatusRequestEntityTooLarge, "", ""},
		{"a body that is no JSON", req{method: http.MethodPost, path: "/api/tenants", body: "slug=x", contentType: "text/plain"}, http.StatusUnsupportedMediaType, "", ""},
		{"an unknown tenant", req{method: http.MethodGet, path: "/api/tenants/nobody"}, http.StatusNotFound, "", "nobody"},
		{"an illegal transition", req{method: http.MethodPost, path: "/api/tenants/taken/activate"}, http.StatusConflict, "", "allowed from active: provision, suspend, delete"},
		{"a stale version", req{method: http.MethodPatch, path: "/api/tenants/taken", body: `{"name":"y"}`, headers: map[string]string{"If-Match": `"7"`}}, http.StatusPreconditionFailed, "", ""},
		{"an If-Match that is no version", req{method: http.MethodPatch, path: "/api/tenants/taken", body: `{"name":"y"}`, headers: map[string]string{"If-Match": `yesterday`}}, http.StatusUnprocessableEntity, "header.If-Match", "entity tags"},
		{"an update that changes nothing", req{method: http.MethodPatch, path: "/api/tenants/taken", body: `{}`}, http.StatusUnprocessableEntity, "body", "nothing to update"},
		{"an unknown route", req{method: http.MethodGet, path: "/nowhere", token: "-"}, http.StatusNotFound, "", "/docs"},
		{"a method the route does not have", req{method: http.MethodPut, path: "/api/tenants/taken"}, http.StatusMethodNotAllowed, "", "allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, c.req)
			requireProblem(t, r, c.status)
			if c.location != "" {
				require.Contains(t, locations(r), c.location, r.raw)
			}
			if c.detail != "" {
				require.Contains(t, r.raw, c.detail)
			}
		})
	}

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants/taken"})
	require.Equal(t, "Tenant taken", r.body["name"], "no failed request changed anything")
	require.EqualValues(t, 1, r.body["version"])
}

func TestEveryBadFieldIsListedAtOnce(t *testing.T) {
	t.Parallel()
	s := setup(t)
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: map[string]any{
		"slug": "-bad-", "name": "x", "settings": map[string]any{"features": map[string]any{"sso": "yes"}, "branding": map[string]any{"primaryColor": "red"}},
	}})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	require.ElementsMatch(t, []string{"body.slug", "body.settings.features.sso", "body.settings.branding.primaryColor"}, locations(r))
}

// failing is a Tenants whose every call fails the way a driver error would.
type failing struct{ ports.Tenants }

func (failing) Get(context.Context, string) (core.Tenant, error) {
	return core.Tenant{}, errors.New(`ERROR: relation "tenancy.tenants" does not exist (SQLSTATE 42P01)`)
}

func (failing) List(context.Context, ports.ListParams) (ports.TenantPage, error) {
	return ports.TenantPage{}, ports.Wrap(ports.KindUnavailable, errors.New("dial tcp: connection refused"), "the database cannot be reached")
}

func TestAnInternalErrorReachesTheLogNotTheClient(t *testing.T) {
	t.Parallel()
	s := newServer(t, failing{})
	r := s.do(t, req{method: http.MethodGet, path: "/api/tenants/acme", headers: map[string]string{"X-Request-Id": "req-123"}})
	requireProblem(t, r, http.StatusInternalServerError)
	require.NotContains(t, r.raw, "relation")
	require.NotContains(t, r.raw, "SQLSTATE")
	require.Equal(t, "req-123", r.body["requestId"])
	logged := s.logs.FilterMessage("request failed").All()
	require.Len(t, logged, 1)
	require.Contains(t, fmt.Sprint(logged[0].ContextMap()), "SQLSTATE", "the log has the details")
	require.Equal(t, "req-123", logged[0].ContextMap()["request_id"])

	r = s.do(t, req{method: http.MethodGet, path: "/api/tenants"})
	requireProblem(t, r, http.StatusServiceUnavailable)
	require.NotContains(t, r.raw, "dial tcp")
}

func TestWithoutAServiceTheRoutesAnswer503(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants/x/suspend"})
	requireProblem(t, r, http.StatusServiceUnavailable)
}
