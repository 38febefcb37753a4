package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/test/pgtest"
)

// tenantd runs the command in-process on the test's database.
func tenantd(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), append(args, "--database-url", url), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTheTenantCommandsDriveTheWholeLifecycle(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)

	code, out, errOut := tenantd(t, url, "tenants", "create", "acme-corp", "--name", "Acme", "--settings", `{"limits":{"users":5}}`)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "tenant_acme_corp")
	require.Contains(t, out, "active")

	code, out, errOut = tenantd(t, url, "tenants", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "SLUG")
	require.Contains(t, out, "acme-corp")

	code, out, errOut = tenantd(t, url, "tenants", "get", "acme-corp", "--json")
	require.Equal(t, 0, code, errOut)
	var tenant map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &tenant), out)
	require.Equal(t, "acme-corp", tenant["slug"])
	require.Equal(t, "tenant_acme_corp", tenant["schemaName"], "the JSON is the API's")

	code, out, errOut = tenantd(t, url, "tenants", "update", "acme-corp", "--name", "Acme Corp", "--if-version", "1", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"name": "Acme Corp"`)

	code, out, errOut = tenantd(t, url, "tenants", "provision", "acme-corp", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"alreadyProvisioned": false`)

	code, _, errOut = tenantd(t, url, "tenants", "suspend", "acme-corp")
	require.Equal(t, 2, code, "without a terminal a destructive command needs --yes")
	require.Contains(t, errOut, "--yes")

	code, out, errOut = tenantd(t, url, "tenants", "suspend", "acme-corp", "--yes")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "suspended")
	code, out, errOut = tenantd(t, url, "tenants", "activate", "acme-corp")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "provisioned")

	code, _, errOut = tenantd(t, url, "tenants", "deprovision", "acme-corp", "--yes")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "provisioned", "the refusal names the current state")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %s", errOut)

	code, _, errOut = tenantd(t, url, "tenants", "delete", "acme-corp", "--yes")
	require.Equal(t, 0, code, errOut)
	code, out, errOut = tenantd(t, url, "tenants", "deprovision", "acme-corp", "--yes", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"dropped": true`)

	code, out, errOut = tenantd(t, url, "tenants", "events", "acme-corp", "--limit", "3")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Contains(t, lines[0], "ACTION")
	require.Contains(t, lines[1], "deprovision", "newest first")
	require.Contains(t, out, "more: --cursor", "a further page is announced")

	code, out, errOut = tenantd(t, url, "tenants", "events", "acme-corp", "--json", "--limit", "100")
	require.Equal(t, 0, code, errOut)
	var events struct {
		Items []map[string]any `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &events))
	require.Len(t, events.Items, 7)
	require.True(t, strings.HasPrefix(events.Items[0]["actor"].(string), "cli"), "the CLI is the actor")

	code, out, errOut = tenantd(t, url, "tenants", "list", "--status", "deleted", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "acme-corp")
}

func TestTheTenantCommandsRefuseBadInputWithOneLine(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a bad slug", []string{"tenants", "create", "Bad_Slug", "--name", "x"}, 1, "slug"},
		{"a missing name", []string{"tenants", "create", "good-slug"}, 2, "--name"},
		{"an unknown tenant", []string{"tenants", "get", "nobody"}, 1, "nobody"},
		{"no tenant named", []string{"tenants", "get"}, 2, "exactly one"},
		{"an unknown subcommand", []string{"tenants", "frobnicate"}, 2, "unknown command"},
		{"an unknown flag", []string{"tenants", "list", "--colour"}, 2, "colour"},
		{"settings that are no object", []string{"tenants", "create", "good-slug", "--name", "x", "--settings", "[1]"}, 1, "settings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := tenantd(t, url, c.args...)
			require.Equal(t, c.code, code, errOut)
			require.Contains(t, errOut, c.want)
		})
	}
	code, _, errOut := tenantd(t, url, "tenants", "create", "Bad_Slug", "--name", "x")
	require.Equal(t, 1, code)
	require.Len(t, strings.Split(strings.TrimSpace(errOut), "\n"), 1, errOut)
}
