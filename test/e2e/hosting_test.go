package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

const adminToken = "e2e-admin-token-0123456789"

// instance is one running tenantd serving the notes module.
type instance struct {
	t    *testing.T
	addr string
}

func startHosting(t *testing.T, url string) *instance {
	t.Helper()
	_, addr, _ := startTenantd(t, []string{
		"DATABASE_URL=" + url,
		"TENANCY_MODULES=notes",
		"TENANCY_RESOLVE=subdomain,header",
		"TENANCY_BASE_DOMAINS=app.example.com",
		"TENANCY_ADMIN_TOKENS=admin:" + adminToken,
	}, 20*time.Second)
	return &instance{t: t, addr: addr}
}

// do sends a request; host sets the Host header, header an X-Tenant-Slug.
func (in *instance) do(method, path, host, tenantHeader, body string) (int, string) {
	in.t.Helper()
	req, err := http.NewRequest(method, "http://"+in.addr+path, strings.NewReader(body))
	require.NoError(in.t, err)
	if host != "" {
		req.Host = host
	}
	if tenantHeader != "" {
		req.Header.Set("X-Tenant-Slug", tenantHeader)
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(in.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (in *instance) admin(method, path, body string, want int) string {
	in.t.Helper()
	code, out := in.do(method, path, "", "", body)
	require.Equal(in.t, want, code, "%s %s: %s", method, path, out)
	return out
}

func (in *instance) createTenant(slug string, provision bool) {
	in.t.Helper()
	in.admin(http.MethodPost, "/api/tenants", fmt.Sprintf(`{"slug":%q,"name":"%s Inc."}`, slug, slug), http.StatusCreated)
	if provision {
		in.admin(http.MethodPost, "/api/tenants/"+slug+"/provision", "", http.StatusOK)
	}
}

func noteTitles(t *testing.T, body string) []string {
	t.Helper()
	var list struct {
		Items []struct{ Title string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list), body)
	var titles []string
	for _, n := range list.Items {
		titles = append(titles, n.Title)
	}
	return titles
}

func TestHostedModuleServesEachTenantOnlyItsOwnData(t *testing.T) {
	t.Parallel()
	a := startHosting(t, dbURL(t))
	a.createTenant("acme", true)
	a.createTenant("globex", true)

	code, body := a.do(http.MethodPost, "/notes", "acme.app.example.com", "", `{"title":"acme plan","body":"secret A"}`)
	require.Equal(t, http.StatusCreated, code, body)
	code, body = a.do(http.MethodPost, "/notes", "localhost", "globex", `{"title":"globex plan"}`)
	require.Equal(t, http.StatusCreated, code, body)

	code, body = a.do(http.MethodGet, "/notes", "acme.app.example.com:8080", "", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, []string{"acme plan"}, noteTitles(t, body), "by subdomain, acme sees only its notes")
	code, body = a.do(http.MethodGet, "/notes", "localhost", "globex", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, []string{"globex plan"}, noteTitles(t, body), "by header, globex sees only its notes")
	code, body = a.do(http.MethodGet, "/notes/1", "globex.app.example.com", "", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "globex plan", "ids are per tenant: note 1 of globex is globex's")
	require.NotContains(t, body, "secret A")

	code, body = a.do(http.MethodPost, "/notes", "acme.app.example.com", "", `{"title":""}`)
	require.Equal(t, http.StatusUnprocessableEntity, code, "an empty title is refused: %s", body)
	require.Contains(t, body, "title")
	code, body = a.do(http.MethodDelete, "/notes/1", "acme.app.example.com", "", "")
	require.Equal(t, http.StatusNoContent, code, body)
	code, body = a.do(http.MethodGet, "/notes/1", "acme.app.example.com", "", "")
	require.Equal(t, http.StatusNotFound, code, "a deleted note is gone: %s", body)
	code, _ = a.do(http.MethodGet, "/notes/1", "globex.app.example.com", "", "")
	require.Equal(t, http.StatusOK, code, "deleting acme's note 1 left globex's note 1 alone")

	a.createTenant("fresh", false)
	a.createTenant("paused", true)
	a.admin(http.MethodPost, "/api/tenants/paused/suspend", "", http.StatusOK)
	a.createTenant("gone", true)
	a.admin(http.MethodDelete, "/api/tenants/gone", "", http.StatusOK)
	refusals := []struct {
		host   string
		status int
		words  string
	}{
		{"nobody.app.example.com", http.StatusNotFound, "nobody"},
		{"fresh.app.example.com", http.StatusConflict, "not provisioned"},
		{"paused.app.example.com", http.StatusForbidden, "suspended"},
		{"gone.app.example.com", http.StatusGone, "deleted"},
	}
	for _, r := range refusals {
		code, body := a.do(http.MethodGet, "/notes", r.host, "", "")
		require.Equal(t, r.status, code, "%s: %s", r.host, body)
		require.Contains(t, body, r.words)
		require.Contains(t, body, `"status":`, "a problem body")
		require.NotContains(t, body, "items", "never data")
	}
	code, body = a.do(http.MethodGet, "/notes", "localhost", "", "")
	require.Equal(t, http.StatusBadRequest, code, "notes needs a tenant: %s", body)
}

func TestASuspensionReachesEveryInstanceWithinASecond(t *testing.T) {
	t.Parallel()
	url := dbURL(t)
	a := startHosting(t, url)
	b := startHosting(t, url+"&application_name=tenantd-b")
	a.createTenant("acme", true)

	serves := func(in *instance) int {
		code, _ := in.do(http.MethodGet, "/notes", "acme.app.example.com", "", "")
		return code
	}
	require.Equal(t, http.StatusOK, serves(b), "b serves acme (and caches it)")

	waitFor := func(want int) time.Duration {
		t.Helper()
		start := time.Now()
		for serves(b) != want {
			require.Less(t, time.Since(start), 3*time.Second, "b never answered %d", want)
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	a.admin(http.MethodPost, "/api/tenants/acme/suspend", "", http.StatusOK)
	took := waitFor(http.StatusForbidden)
	t.Logf("b refused acme %s after a suspended it", took)
	require.Less(t, took, time.Second, "b refuses acme within 1 s of its suspension through a")
	a.admin(http.MethodPost, "/api/tenants/acme/activate", "", http.StatusOK)
	require.Less(t, waitFor(http.StatusOK), time.Second, "b serves acme again within 1 s")

	killListener(t, url, "tenantd-b")
	a.admin(http.MethodPost, "/api/tenants/acme/suspend", "", http.StatusOK)
	require.Less(t, waitFor(http.StatusForbidden), time.Second, "after its listening connection was killed, b still refuses within 1 s")
	a.admin(http.MethodPost, "/api/tenants/acme/activate", "", http.StatusOK)
	require.Less(t, waitFor(http.StatusOK), time.Second)
}

// killListener terminates the LISTEN connection of the instance with the
// given application_name and waits until it has listened again.
func killListener(t *testing.T, url, app string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	listeners := func() []int32 {
		rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'listen%'", app)
		require.NoError(t, err)
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		require.NoError(t, err)
		return pids
	}
	old := listeners()
	require.Len(t, old, 1, "one listening connection")
	_, err = conn.Exec(ctx, "SELECT pg_terminate_backend($1)", old[0])
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		now := listeners()
		return len(now) == 1 && now[0] != old[0]
	}, 10*time.Second, 20*time.Millisecond, "the listener reconnected")
}
