package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exchange is one request to the API and what came back.
type exchange struct {
	method, path string
	body         string
	contentType  string // application/json when a body is sent and this is empty
	ifMatch      string
}

type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// send makes one request with the admin token over a real connection.
func send(t *testing.T, base string, x exchange) answer {
	t.Helper()
	var body io.Reader
	if x.body != "" {
		body = strings.NewReader(x.body)
	}
	req, err := http.NewRequest(x.method, base+x.path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
	if x.body != "" {
		ct := x.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if x.ifMatch != "" {
		req.Header.Set("If-Match", x.ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// errorLocations lists the locations of a problem's errors.
func errorLocations(a answer) []string {
	var out []string
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		loc, _ := m["location"].(string)
		out = append(out, loc)
	}
	return out
}

func TestEveryErrorIsAProblemOverTheWire(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	created := send(t, base, exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"taken","name":"Taken"}`})
	require.Equal(t, http.StatusCreated, created.status, created.raw)

	cases := []struct {
		name     string
		x        exchange
		status   int
		location string   // one of the problem's errors is here
		detail   []string // the detail says each of these
	}{
		{"malformed JSON", exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug": "x",`}, http.StatusBadRequest, "", nil},
		{"a name of the wrong type", exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug","name":42}`}, http.StatusUnprocessableEntity, "body.name", []string{"body.name"}},
		{"an unknown field", exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"good-slug","name":"x","plan":"gold"}`}, http.StatusUnprocessableEntity, "body.plan", []string{"body.plan"}},
		{"an invalid slug", exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"Bad_Slug","name":"x"}`}, http.StatusUnprocessableEntity, "body.slug", []string{"body.slug", "lowercase letters"}},
		{"a body over 1 MiB", exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"big","name":"` + strings.Repeat("x", 1<<20) + `"}`}, http.StatusRequestEntityTooLarge, "", nil},
		{"a body that is no JSON", exchange{method: http.MethodPost, path: "/api/tenants", body: "slug=x", contentType: "text/plain"}, http.StatusUnsupportedMediaType, "", nil},
		{"an unknown tenant", exchange{method: http.MethodGet, path: "/api/tenants/nobody"}, http.StatusNotFound, "", []string{"nobody"}},
		{"an illegal transition", exchange{method: http.MethodPost, path: "/api/tenants/taken/activate"}, http.StatusConflict, "", []string{"active", "provision", "suspend", "delete"}},
		{"a stale If-Match", exchange{method: http.MethodPatch, path: "/api/tenants/taken", body: `{"name":"y"}`, ifMatch: `"7"`}, http.StatusPreconditionFailed, "", []string{"version"}},
		{"a list of stale If-Match tags", exchange{method: http.MethodPatch, path: "/api/tenants/taken", body: `{"name":"y"}`, ifMatch: `"5", W/"7"`}, http.StatusPreconditionFailed, "", []string{"version"}},
		{"an If-Match that is no entity tag", exchange{method: http.MethodPatch, path: "/api/tenants/taken", body: `{"name":"y"}`, ifMatch: `yesterday`}, http.StatusUnprocessableEntity, "header.If-Match", []string{"entity tags"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := send(t, base, c.x)
			require.Equal(t, c.status, a.status, a.raw)
			require.Equal(t, "application/problem+json", a.header.Get("Content-Type"), a.raw)
			require.EqualValues(t, c.status, a.body["status"], a.raw)
			require.NotEmpty(t, a.body["detail"], a.raw)
			require.NotEmpty(t, a.header.Get("X-Request-Id"))
			require.Equal(t, a.header.Get("X-Request-Id"), a.body["requestId"], a.raw)
			if c.location != "" {
				require.Contains(t, errorLocations(a), c.location, a.raw)
			}
			for _, want := range c.detail {
				require.Contains(t, a.body["detail"], want, a.raw)
			}
		})
	}

	t.Run("a large body with an unknown field is not echoed", func(t *testing.T) {
		big := `{"slug":"good-slug","name":"x","plan":"gold","settings":{"notes":"` + strings.Repeat("n", 900<<10) + `"}}`
		a := send(t, base, exchange{method: http.MethodPost, path: "/api/tenants", body: big})
		require.Equal(t, http.StatusUnprocessableEntity, a.status)
		require.Contains(t, errorLocations(a), "body.plan")
		require.Less(t, len(a.raw), 4096, "the problem names the field, not the %d-byte body", len(big))
	})

	a := send(t, base, exchange{method: http.MethodGet, path: "/api/tenants/taken"})
	require.Equal(t, http.StatusOK, a.status, a.raw)
	require.Equal(t, "Taken", a.body["name"], "no failed request changed anything")
	require.Equal(t, `"1"`, a.header.Get("ETag"))
}

func TestListGetAndPatchSucceedOverTheWire(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	for _, slug := range []string{"alpha", "beta", "gamma"} {
		a := send(t, base, exchange{method: http.MethodPost, path: "/api/tenants", body: `{"slug":"` + slug + `","name":"Tenant ` + slug + `"}`})
		require.Equal(t, http.StatusCreated, a.status, a.raw)
	}
	a := send(t, base, exchange{method: http.MethodPost, path: "/api/tenants/beta/suspend"})
	require.Equal(t, http.StatusOK, a.status, a.raw)

	slugs := func(path string) ([]string, string) {
		t.Helper()
		a := send(t, base, exchange{method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, a.status, a.raw)
		var out []string
		items, _ := a.body["items"].([]any)
		for _, item := range items {
			out = append(out, item.(map[string]any)["slug"].(string))
		}
		next, _ := a.body["nextCursor"].(string)
		return out, next
	}
	got, next := slugs("/api/tenants")
	require.Equal(t, []string{"alpha", "beta", "gamma"}, got)
	require.Empty(t, next, "one page holds all")
	got, _ = slugs("/api/tenants?status=suspended")
	require.Equal(t, []string{"beta"}, got)
	got, _ = slugs("/api/tenants?q=MM")
	require.Equal(t, []string{"gamma"}, got)
	got, next = slugs("/api/tenants?limit=2")
	require.Equal(t, []string{"alpha", "beta"}, got)
	require.NotEmpty(t, next)
	got, next = slugs("/api/tenants?limit=2&cursor=" + next)
	require.Equal(t, []string{"gamma"}, got)
	require.Empty(t, next)

	a = send(t, base, exchange{method: http.MethodGet, path: "/api/tenants/alpha"})
	require.Equal(t, http.StatusOK, a.status, a.raw)
	require.Equal(t, "application/json", a.header.Get("Content-Type"))
	require.Equal(t, `"1"`, a.header.Get("ETag"))
	require.EqualValues(t, 1, a.body["version"])

	a = send(t, base, exchange{method: http.MethodPatch, path: "/api/tenants/alpha", contentType: "application/merge-patch+json",
		ifMatch: a.header.Get("ETag"), body: `{"name":"Alpha","settings":{"limits":{"users":5}}}`})
	require.Equal(t, http.StatusOK, a.status, a.raw)
	require.Equal(t, "Alpha", a.body["name"])
	require.Equal(t, `"2"`, a.header.Get("ETag"))

	a = send(t, base, exchange{method: http.MethodPatch, path: "/api/tenants/alpha", ifMatch: `"1", "2"`,
		body: `{"settings":{"limits":{"users":null,"projects":3}}}`})
	require.Equal(t, http.StatusOK, a.status, "any listed ETag that is current passes: %s", a.raw)
	require.Equal(t, map[string]any{"limits": map[string]any{"projects": float64(3)}}, a.body["settings"])
	require.Equal(t, `"3"`, a.header.Get("ETag"))

	a = send(t, base, exchange{method: http.MethodGet, path: "/api/tenants/alpha"})
	require.Equal(t, `"3"`, a.header.Get("ETag"), "the change is stored")
	require.Equal(t, "Alpha", a.body["name"])
}
