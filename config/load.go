package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// setting binds one environment name to a flag and a field of Config.
type setting struct {
	env   string
	flag  string
	usage string
	set   func(c *Config, v string) error
}

func settings() []setting {
	str := func(f func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = strings.TrimSpace(v); return nil }
	}
	list := func(f func(*Config) *[]string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = splitList(v); return nil }
	}
	return []setting{
		{"TENANCY_HTTP_ADDR", "http-addr", "address the HTTP API listens on", str(func(c *Config) *string { return &c.HTTPAddr })},
		{"DATABASE_URL", "database-url", "PostgreSQL URL; empty runs a local PostgreSQL", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"TENANCY_DATA_DIR", "data-dir", "directory for local state (the local PostgreSQL's cluster)", str(func(c *Config) *string { return &c.DataDir })},
		{"TENANCY_PG_BIN", "pg-bin", "directory of the PostgreSQL server binaries for the local server", str(func(c *Config) *string { return &c.PGBin })},
		{"TENANCY_LOG_LEVEL", "log-level", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
		{"TENANCY_LOG_FORMAT", "log-format", "auto (console on a terminal, else json), console or json", str(func(c *Config) *string { return &c.LogFormat })},
		{"TENANCY_ADMIN_TOKENS", "admin-tokens", "comma-separated scope:token pairs, scope admin or read", setTokens},
		{"TENANCY_REGISTRY_SCHEMA", "registry-schema", "schema of the tenant registry", str(func(c *Config) *string { return &c.RegistrySchema })},
		{"TENANCY_TENANT_MIGRATIONS", "tenant-migrations", "directory of tenant migration SQL files", str(func(c *Config) *string { return &c.TenantMigrations })},
		{"TENANCY_TEMPLATE_SCHEMA", "template-schema", "provision by copying this schema's structure instead of running migrations", str(func(c *Config) *string { return &c.TemplateSchema })},
		{"TENANCY_BACKUP_DIR", "backup-dir", "write a pg_dump of a tenant schema here before deprovisioning it", str(func(c *Config) *string { return &c.BackupDir })},
		{"TENANCY_SHARED_SCHEMAS", "shared-schemas", "comma-separated shared schemas after the tenant's on the search path", list(func(c *Config) *[]string { return &c.SharedSchemas })},
		{"TENANCY_SHUTDOWN_TIMEOUT", "shutdown-timeout", "how long shutdown waits for in-flight requests, e.g. 15s", setShutdown},
		{"TENANCY_MODULES", "modules", "comma-separated hosted modules to enable (notes)", list(func(c *Config) *[]string { return &c.Modules })},
		{"TENANCY_RESOLVE", "resolve", "ordered tenant resolution strategies: subdomain, header, path", list(func(c *Config) *[]string { return &c.Resolve })},
		{"TENANCY_BASE_DOMAINS", "base-domains", "comma-separated base domains for subdomain resolution", list(func(c *Config) *[]string { return &c.BaseDomains })},
	}
}

func setTokens(c *Config, v string) error {
	c.AdminTokens = nil
	for i, pair := range splitList(v) {
		scope, token, ok := strings.Cut(pair, ":")
		if !ok {
			return fmt.Errorf("entry %d is not scope:token (e.g. admin:s3cret-token-value)", i+1)
		}
		c.AdminTokens = append(c.AdminTokens, Token{Scope: strings.TrimSpace(scope), Value: strings.TrimSpace(token)})
	}
	return nil
}

func setShutdown(c *Config, v string) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a duration; use e.g. 15s or 1m", v)
	}
	c.ShutdownTimeout = d
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ErrHelp is what Load returns when the flags ask for help (-h, --help);
// the caller prints Usage and exits successfully.
var ErrHelp = errors.New("help requested")

// Usage writes every setting: its flag, its environment name and what it
// means.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "settings (flag, environment variable; flags beat the environment, which beats --config FILE):")
	fmt.Fprintf(w, "  --%-20s %s\n", "config FILE", "KEY=VALUE lines using the environment names (TENANCY_CONFIG)")
	for _, s := range settings() {
		fmt.Fprintf(w, "  --%-20s %s (%s)\n", s.flag, s.usage, s.env)
	}
}

// Source is where Load reads from; tests pass their own.
type Source struct {
	// Args are the command-line flags (without the program name).
	Args []string
	// Lookup reads an environment variable.
	Lookup func(string) (string, bool)
}

// FromOS reads flags from args and the process environment.
func FromOS(args []string) Source { return Source{Args: args, Lookup: os.LookupEnv} }

// Load builds a Config from defaults, then the file named by --config or
// TENANCY_CONFIG (KEY=VALUE lines with the environment names), then the
// environment, then flags, and validates it. It returns the remaining
// positional arguments.
func Load(src Source) (Config, []string, error) {
	cfg := Default()
	all := settings()
	flags := flag.NewFlagSet("tenantd", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	configFile := flags.String("config", "", "file of KEY=VALUE lines, using the environment names")
	flagValues := make(map[string]*string, len(all))
	for _, s := range all {
		flagValues[s.env] = flags.String(s.flag, "", s.usage+" ("+s.env+")")
	}
	if err := flags.Parse(src.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, nil, ErrHelp
		}
		return cfg, nil, fmt.Errorf("flags: %w", err)
	}
	lookup := src.Lookup
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	if *configFile == "" {
		*configFile, _ = lookup("TENANCY_CONFIG")
	}
	var errs []error
	apply := func(s setting, v string) {
		if err := s.set(&cfg, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if *configFile != "" {
		values, err := readFile(*configFile)
		if err != nil {
			return cfg, nil, err
		}
		for _, s := range all {
			if v, ok := values[s.env]; ok {
				apply(s, v)
			}
		}
	}
	for _, s := range all {
		if v, ok := lookup(s.env); ok {
			apply(s, v)
		}
	}
	flags.Visit(func(f *flag.Flag) {
		for _, s := range all {
			if s.flag == f.Name {
				apply(s, f.Value.String())
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return cfg, nil, err
	}
	return cfg, flags.Args(), cfg.Validate()
}

func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	values := map[string]string{}
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s:%d: expected KEY=VALUE", path, line)
		}
		values[strings.TrimSpace(key)] = strings.Trim(strings.TrimSpace(value), `"'`)
	}
	return values, scanner.Err()
}
