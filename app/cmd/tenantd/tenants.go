package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"
	"golang.org/x/term"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
	"github.com/tenancyhq/tenancy/ports"
)

// errUsage marks a mistake in the command line: exit code 2.
var errUsage = errors.New("usage")

// tenantsCommand is one `tenantd tenants` subcommand.
type tenantsCommand struct {
	name, args, summary string
	// destructive commands ask before they act, or need --yes.
	destructive bool
	run         func(ctx context.Context, c *cli, svc ports.Tenants) error
}

func tenantsCommands() []tenantsCommand {
	return []tenantsCommand{
		{"create", "SLUG --name NAME [--settings JSON]", "create a tenant", false, cmdCreate},
		{"list", "[--status S] [--q TEXT] [--limit N] [--cursor C]", "list tenants", false, cmdList},
		{"get", "REF", "show a tenant (REF is its slug or id)", false, cmdGet},
		{"update", "REF [--name NAME] [--settings PATCH] [--if-version N]", "change a tenant's name or settings (a JSON merge patch)", false, cmdUpdate},
		{"provision", "REF", "create the tenant's schema", false, cmdProvision},
		{"suspend", "REF", "disable a tenant, keeping its data", true, cmdTransition(ports.Tenants.Suspend)},
		{"activate", "REF", "lift a suspension", false, cmdTransition(ports.Tenants.Activate)},
		{"delete", "REF", "soft-delete a tenant (its schema stays)", true, cmdTransition(ports.Tenants.Delete)},
		{"deprovision", "REF", "drop the schema of a deleted tenant, and all its data", true, cmdDeprovision},
		{"events", "REF [--limit N] [--cursor C]", "show a tenant's audit trail, newest first", false, cmdEvents},
	}
}

// cli is one parsed `tenantd tenants` command line.
type cli struct {
	stdout, stderr io.Writer
	args           []string
	asJSON, yes    bool
	name, settings string
	status, query  string
	cursor         string
	limit          int
	ifVersion      int64
	nameSet        bool
	actor          string
}

// tenantsMain runs `tenantd tenants SUBCOMMAND …` on the database directly,
// through the same tenant service as the API, without the HTTP server.
func tenantsMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		tenantsUsage(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		tenantsUsage(stdout)
		return 0
	}
	var cmd *tenantsCommand
	for _, c := range tenantsCommands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "tenantd tenants: unknown command %q\n", args[0])
		tenantsUsage(stderr)
		return 2
	}
	c, cfgArgs, err := parseTenantsFlags(cmd.name, args[1:], stdout, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "tenantd tenants %s: %v\nusage: tenantd tenants %s %s\n", cmd.name, err, cmd.name, cmd.args)
		return 2
	}
	if cmd.destructive && !c.yes {
		if err := confirm(cmd.name, c); err != nil {
			fmt.Fprintf(stderr, "tenantd: %v\n", err)
			return 2
		}
	}
	cfg, _, err := config.Load(config.Source{Args: cfgArgs, Lookup: os.LookupEnv})
	if err != nil {
		return fail(stderr, fmt.Errorf("configuration: %w", err))
	}
	if _, set := os.LookupEnv("TENANCY_LOG_LEVEL"); !set {
		// The operator reads the command's output; the service's logs would
		// only repeat it.
		cfg.LogLevel = "fatal"
	}
	err = withTenants(ctx, cfg, func(svc ports.Tenants) error { return cmd.run(ctx, c, svc) })
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "tenantd tenants %s: %v\nusage: tenantd tenants %s %s\n", cmd.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "), cmd.name, cmd.args)
		return 2
	case err != nil:
		return fail(stderr, err)
	}
	return 0
}

func tenantsUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: tenantd tenants COMMAND [ARGS] [--json] [--yes] [--database-url URL] [--config FILE]")
	fmt.Fprintln(w, "commands:")
	for _, c := range tenantsCommands() {
		fmt.Fprintf(w, "  %-12s %s\n               %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "They work on the database directly (DATABASE_URL, or the local PostgreSQL in dev mode).")
	fmt.Fprintln(w, "suspend, delete and deprovision ask for confirmation on a terminal; pass --yes otherwise.")
}

// parseTenantsFlags reads flags wherever they appear among the positional
// arguments, and returns the configuration flags to pass on to config.Load.
func parseTenantsFlags(name string, args []string, stdout, stderr io.Writer) (*cli, []string, error) {
	c := &cli{stdout: stdout, stderr: stderr}
	flags := flag.NewFlagSet("tenantd tenants "+name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.BoolVar(&c.asJSON, "json", false, "print JSON instead of a table")
	flags.BoolVar(&c.yes, "yes", false, "do not ask for confirmation")
	flags.Func("name", "the tenant's display name", func(v string) error { c.name, c.nameSet = v, true; return nil })
	flags.StringVar(&c.settings, "settings", "", "settings as a JSON object (update: a JSON merge patch)")
	flags.StringVar(&c.status, "status", "", "only tenants in this status: active, provisioned, suspended, deleted")
	flags.StringVar(&c.query, "q", "", "only tenants whose slug or name contains this text")
	flags.IntVar(&c.limit, "limit", ports.DefaultPageSize, "page size, 1–100")
	flags.StringVar(&c.cursor, "cursor", "", "the next-page cursor a previous call printed")
	flags.Int64Var(&c.ifVersion, "if-version", 0, "update only if the tenant is still at this version")
	flags.StringVar(&c.actor, "actor", "", "who to record in the audit trail (default cli:<user>)")
	configFile := flags.String("config", "", "file of KEY=VALUE lines, using the environment names")
	databaseURL := flags.String("database-url", "", "PostgreSQL URL (DATABASE_URL); empty runs the local PostgreSQL")
	for len(args) > 0 {
		if err := flags.Parse(args); err != nil {
			return nil, nil, err
		}
		args = flags.Args()
		if len(args) > 0 {
			c.args = append(c.args, args[0])
			args = args[1:]
		}
	}
	if c.actor == "" {
		c.actor = "cli"
		if u, err := user.Current(); err == nil && u.Username != "" {
			c.actor = "cli:" + u.Username
		}
	}
	var cfgArgs []string
	if *configFile != "" {
		cfgArgs = append(cfgArgs, "--config", *configFile)
	}
	if *databaseURL != "" {
		cfgArgs = append(cfgArgs, "--database-url", *databaseURL)
	}
	return c, cfgArgs, nil
}

// confirm asks on a terminal before a destructive command; elsewhere it
// refuses, because nobody is there to answer.
func confirm(name string, c *cli) error {
	ref := "the tenant"
	if len(c.args) > 0 {
		ref = fmt.Sprintf("tenant %q", c.args[0])
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return fmt.Errorf("%s %s needs confirmation: pass --yes to run it without a terminal", name, ref)
	}
	fmt.Fprintf(c.stderr, "%s %s? [y/N] ", name, ref)
	answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return fmt.Errorf("%s cancelled; nothing changed", name)
	}
	return nil
}

// withTenants starts the tenancy core (database, registry, provisioner,
// service) without the HTTP server, runs fn with the Tenants port and stops.
func withTenants(ctx context.Context, cfg config.Config, fn func(ports.Tenants) error) error {
	var svc ports.Tenants
	app := fx.New(host.Core(cfg), fx.Populate(&svc))
	if err := app.Err(); err != nil {
		return dig.RootCause(err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return dig.RootCause(err)
	}
	runErr := fn(svc)
	stopCtx, cancelStop := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelStop()
	return errors.Join(runErr, app.Stop(stopCtx))
}

// ref is the one positional argument naming a tenant.
func (c *cli) ref() (string, error) {
	if len(c.args) != 1 {
		return "", fmt.Errorf("%w: give exactly one tenant slug or id, got %d arguments", errUsage, len(c.args))
	}
	return c.args[0], nil
}
