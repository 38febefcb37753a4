package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/config"
)

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestDefaultsNeedNothingSet(t *testing.T) {
	cfg, rest, err := config.Load(config.Source{})
	require.NoError(t, err)
	require.Empty(t, rest)
	require.Equal(t, ":8080", cfg.HTTPAddr)
	require.Equal(t, "", cfg.DatabaseURL)
	require.True(t, cfg.DevMode(), "no DATABASE_URL means the local PostgreSQL")
	require.Equal(t, filepath.Join(".tenancy", "pgdata"), cfg.PGDataDir())
	require.Equal(t, "info", cfg.LogLevel)
	require.Equal(t, "auto", cfg.LogFormat)
	require.Equal(t, "tenancy", cfg.RegistrySchema)
	require.Equal(t, []string{"public"}, cfg.SharedSchemas)
	require.Equal(t, 15*time.Second, cfg.ShutdownTimeout)
	require.Empty(t, cfg.AdminTokens)
}

func TestEnvironmentOverridesFileAndFlagsOverrideEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenancy.env")
	require.NoError(t, os.WriteFile(file, []byte("# comment\nTENANCY_HTTP_ADDR=:7000\nTENANCY_LOG_LEVEL=debug\nTENANCY_REGISTRY_SCHEMA=\"from_file\"\n"), 0o600))
	cfg, rest, err := config.Load(config.Source{
		Args: []string{"--config", file, "--log-level", "warn", "extra"},
		Lookup: envOf(map[string]string{
			"TENANCY_HTTP_ADDR":        "127.0.0.1:9000",
			"TENANCY_LOG_LEVEL":        "error",
			"DATABASE_URL":             "postgres://u:p@db:5432/app",
			"TENANCY_ADMIN_TOKENS":     "admin:aaaaaaaaaaaaaaaaaaaa, read:bbbbbbbbbbbbbbbbbbbb",
			"TENANCY_SHUTDOWN_TIMEOUT": "3s",
			"TENANCY_RESOLVE":          "header, subdomain",
			"TENANCY_BASE_DOMAINS":     "app.example.com",
		}),
	})
	require.NoError(t, err)
	require.Equal(t, []string{"extra"}, rest)
	require.Equal(t, "127.0.0.1:9000", cfg.HTTPAddr, "environment beats the file")
	require.Equal(t, "warn", cfg.LogLevel, "flags beat the environment")
	require.Equal(t, "from_file", cfg.RegistrySchema, "the file beats the defaults")
	require.False(t, cfg.DevMode())
	require.Equal(t, []config.Token{{Scope: "admin", Value: "aaaaaaaaaaaaaaaaaaaa"}, {Scope: "read", Value: "bbbbbbbbbbbbbbbbbbbb"}}, cfg.AdminTokens)
	require.Equal(t, 3*time.Second, cfg.ShutdownTimeout)
	require.Equal(t, []string{"header", "subdomain"}, cfg.Resolve)
	require.Equal(t, []string{"app.example.com"}, cfg.BaseDomains)
}

func TestEveryBadValueIsReportedByName(t *testing.T) {
	cases := []struct {
		name, env, value, want string
	}{
		{"a listen address without a port", "TENANCY_HTTP_ADDR", "localhost", "TENANCY_HTTP_ADDR"},
		{"a database url of another scheme", "DATABASE_URL", "mysql://x", "postgres://"},
		{"an empty data dir", "TENANCY_DATA_DIR", "", "TENANCY_DATA_DIR"},
		{"an unknown log level", "TENANCY_LOG_LEVEL", "loud", "debug, info, warn, error"},
		{"an unknown log format", "TENANCY_LOG_FORMAT", "xml", "auto, console, json"},
		{"a token pair without a colon", "TENANCY_ADMIN_TOKENS", "justatoken", "scope:token"},
		{"a token of an unknown scope", "TENANCY_ADMIN_TOKENS", "root:aaaaaaaaaaaaaaaaaaaa", "use admin or read"},
		{"a token too short to be safe", "TENANCY_ADMIN_TOKENS", "admin:short", "at least 16"},
		{"a registry schema that is no identifier", "TENANCY_REGISTRY_SCHEMA", "Bad-Schema", "TENANCY_REGISTRY_SCHEMA"},
		{"a registry schema in the tenant namespace", "TENANCY_REGISTRY_SCHEMA", "tenant_x", "tenant_"},
		{"a missing tenant migrations directory", "TENANCY_TENANT_MIGRATIONS", "/does/not/exist", "TENANCY_TENANT_MIGRATIONS"},
		{"a shutdown timeout that is no duration", "TENANCY_SHUTDOWN_TIMEOUT", "soon", "not a duration"},
		{"a negative shutdown timeout", "TENANCY_SHUTDOWN_TIMEOUT", "-1s", "between 1ms and 10m"},
		{"an unknown module", "TENANCY_MODULES", "billing", "known modules: notes"},
		{"an unknown resolution strategy", "TENANCY_RESOLVE", "cookie", "subdomain, header, path"},
		{"a claim strategy, which only host applications can supply in code", "TENANCY_RESOLVE", "claim", "subdomain, header, path"},
		{"a base domain with a scheme", "TENANCY_BASE_DOMAINS", "https://app.example.com", "TENANCY_BASE_DOMAINS"},
		{"no shared schema", "TENANCY_SHARED_SCHEMAS", " , ", "TENANCY_SHARED_SCHEMAS"},
		{"a system schema as a shared schema", "TENANCY_SHARED_SCHEMAS", "public,pg_catalog", "pg_*"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := config.Load(config.Source{Lookup: envOf(map[string]string{tc.env: tc.value})})
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.env)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSeveralBadValuesAreReportedTogether(t *testing.T) {
	_, _, err := config.Load(config.Source{Lookup: envOf(map[string]string{
		"TENANCY_LOG_LEVEL": "loud", "TENANCY_LOG_FORMAT": "xml",
	})})
	require.Error(t, err)
	require.Equal(t, 2, strings.Count(err.Error(), "TENANCY_LOG_"))
}

func TestSubdomainResolutionOfHostedModulesNeedsABaseDomain(t *testing.T) {
	_, _, err := config.Load(config.Source{Lookup: envOf(map[string]string{"TENANCY_MODULES": "notes"})})
	require.ErrorContains(t, err, "TENANCY_BASE_DOMAINS")
	_, _, err = config.Load(config.Source{Lookup: envOf(map[string]string{"TENANCY_MODULES": "notes", "TENANCY_RESOLVE": "header"})})
	require.NoError(t, err, "header resolution needs no base domain")
}

func TestAnUnknownFlagIsAnError(t *testing.T) {
	_, _, err := config.Load(config.Source{Args: []string{"--no-such-flag"}})
	require.ErrorContains(t, err, "no-such-flag")
}

func TestAMissingConfigFileIsAnError(t *testing.T) {
	_, _, err := config.Load(config.Source{Args: []string{"--config", "/does/not/exist.env"}})
	require.ErrorContains(t, err, "config file")
}

func TestServingOutsideDevModeNeedsAToken(t *testing.T) {
	cfg := config.Default()
	require.NoError(t, cfg.CheckServe(), "dev mode generates a token")
	cfg.DatabaseURL = "postgres://db/app"
	require.ErrorContains(t, cfg.CheckServe(), "TENANCY_ADMIN_TOKENS")
	cfg.AdminTokens = []config.Token{{Scope: config.ScopeRead, Value: "rrrrrrrrrrrrrrrrrrrr"}}
	require.NoError(t, cfg.CheckServe())
}

func TestHelpIsNotAnError(t *testing.T) {
	_, _, err := config.Load(config.Source{Args: []string{"--help"}})
	require.ErrorIs(t, err, config.ErrHelp)
	var out strings.Builder
	config.Usage(&out)
	require.Contains(t, out.String(), "--http-addr")
	require.Contains(t, out.String(), "TENANCY_HTTP_ADDR")
}
