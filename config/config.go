// Package config is tenantd's typed configuration: defaults, loading from a
// file, the environment and flags (in that order of precedence, last wins),
// and validation that reports every bad value by name before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// Config is everything tenantd can be told. The environment names in the
// `env` tags are a public interface: scripts and deployments rely on them.
type Config struct {
	HTTPAddr         string
	DatabaseURL      string
	DataDir          string
	PGBin            string
	LogLevel         string
	LogFormat        string
	AdminTokens      []Token
	RegistrySchema   string
	TenantMigrations string
	TemplateSchema   string
	BackupDir        string
	SharedSchemas    []string
	ShutdownTimeout  time.Duration
	Modules          []string
	Resolve          []string
	BaseDomains      []string
}

// Token is an API credential with the scope it grants.
type Token struct {
	Scope string
	Value string
}

// The token scopes: read allows GET routes, admin allows everything.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
)

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		HTTPAddr:        ":8080",
		DataDir:         ".tenancy",
		LogLevel:        "info",
		LogFormat:       "auto",
		RegistrySchema:  "tenancy",
		SharedSchemas:   []string{"public"},
		ShutdownTimeout: 15 * time.Second,
		Resolve:         []string{"subdomain"},
	}
}

// DevMode reports whether tenantd runs its own local PostgreSQL: it does when
// no DATABASE_URL is given.
func (c Config) DevMode() bool { return c.DatabaseURL == "" }

// CheckServe reports what the service needs beyond a valid configuration:
// an API token, except in dev mode, where one is generated.
func (c Config) CheckServe() error {
	if len(c.AdminTokens) == 0 && !c.DevMode() {
		return errors.New("TENANCY_ADMIN_TOKENS: no API token is configured; set at least one, e.g. TENANCY_ADMIN_TOKENS=admin:<a random token of 16+ characters>")
	}
	return nil
}

// PGDataDir is where the local PostgreSQL keeps its cluster.
func (c Config) PGDataDir() string { return c.DataDir + string(os.PathSeparator) + "pgdata" }

var (
	identifierRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	tokenRe      = regexp.MustCompile(`^[A-Za-z0-9._~+/=-]{16,}$`)
	hostnameRe   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
)

var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"auto", "console", "json"}
	strategies = []string{"subdomain", "header", "path"}
	modules    = []string{"notes"}
)

// Validate reports every bad value at once, each by its environment name with
// what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
		bad("TENANCY_HTTP_ADDR", "%q is not a listen address; use host:port or :port, e.g. :8080", c.HTTPAddr)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("DATABASE_URL", "must be a postgres:// or postgresql:// URL, or empty to run a local PostgreSQL")
	}
	if c.DataDir == "" {
		bad("TENANCY_DATA_DIR", "must not be empty; it holds the local PostgreSQL's data (default .tenancy)")
	}
	if !contains(logLevels, c.LogLevel) {
		bad("TENANCY_LOG_LEVEL", "%q is not allowed; use one of %s", c.LogLevel, strings.Join(logLevels, ", "))
	}
	if !contains(logFormats, c.LogFormat) {
		bad("TENANCY_LOG_FORMAT", "%q is not allowed; use one of %s", c.LogFormat, strings.Join(logFormats, ", "))
	}
	for i, t := range c.AdminTokens {
		if t.Scope != ScopeAdmin && t.Scope != ScopeRead {
			bad("TENANCY_ADMIN_TOKENS", "entry %d has scope %q; use admin or read", i+1, t.Scope)
		}
		if !tokenRe.MatchString(t.Value) {
			bad("TENANCY_ADMIN_TOKENS", "entry %d: a token must be at least 16 characters of letters, digits and ._~+/=-", i+1)
		}
	}
	if !identifierRe.MatchString(c.RegistrySchema) || strings.HasPrefix(c.RegistrySchema, "pg_") || strings.HasPrefix(c.RegistrySchema, "tenant_") {
		bad("TENANCY_REGISTRY_SCHEMA", "%q is not allowed; use a lowercase identifier (letters, digits, _; at most 63) not starting with pg_ or tenant_", c.RegistrySchema)
	}
	if c.TenantMigrations != "" {
		if st, err := os.Stat(c.TenantMigrations); err != nil || !st.IsDir() {
			bad("TENANCY_TENANT_MIGRATIONS", "%q is not a readable directory of tenant migration .sql files", c.TenantMigrations)
		}
	}
	if c.TemplateSchema != "" && !identifierRe.MatchString(c.TemplateSchema) {
		bad("TENANCY_TEMPLATE_SCHEMA", "%q is not a lowercase schema identifier", c.TemplateSchema)
	}
	if len(c.SharedSchemas) == 0 {
		bad("TENANCY_SHARED_SCHEMAS", "must name at least one schema (default public)")
	}
	for _, s := range c.SharedSchemas {
		if !identifierRe.MatchString(s) || strings.HasPrefix(s, "tenant_") || strings.HasPrefix(s, "pg_") {
			bad("TENANCY_SHARED_SCHEMAS", "%q is not a lowercase schema identifier outside tenant_* and pg_*", s)
		}
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > 10*time.Minute {
		bad("TENANCY_SHUTDOWN_TIMEOUT", "%s is out of range; use a duration between 1ms and 10m, e.g. 15s", c.ShutdownTimeout)
	}
	for _, m := range c.Modules {
		if !contains(modules, m) {
			bad("TENANCY_MODULES", "unknown module %q; known modules: %s", m, strings.Join(modules, ", "))
		}
	}
	for _, s := range c.Resolve {
		if !contains(strategies, s) {
			bad("TENANCY_RESOLVE", "unknown strategy %q; use a comma-separated list of %s", s, strings.Join(strategies, ", "))
		}
	}
	if len(c.Modules) > 0 && contains(c.Resolve, "subdomain") && len(c.BaseDomains) == 0 {
		bad("TENANCY_BASE_DOMAINS", "subdomain resolution (TENANCY_RESOLVE) needs at least one base domain, e.g. app.example.com; or leave subdomain out of TENANCY_RESOLVE")
	}
	for _, d := range c.BaseDomains {
		if !hostnameRe.MatchString(d) {
			bad("TENANCY_BASE_DOMAINS", "%q is not a lowercase domain name such as app.example.com", d)
		}
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
