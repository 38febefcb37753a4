// Command tenantd is the Tenancy service: the tenant registry with its admin
// REST API, and the operator commands that work on the same database.
//
//	tenantd [serve]      run the service (the default)
//	tenantd openapi      print the OpenAPI document
//	tenantd tenants …    manage tenants on the database directly
//	tenantd help         list the commands
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one tenantd subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the service (the default)", serve},
		{"migrate", "apply registry migrations, then pending tenant migrations to every tenant (`migrate status` lists who is behind)", migrate},
		{"openapi", "print the OpenAPI document (JSON; --yaml for YAML) without starting anything", printOpenAPI},
		{"tenants", "manage tenants on the database directly: create, list, get, update, provision, suspend, activate, delete, deprovision, events", tenantsMain},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "--help" || name == "-h" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tenantd: unknown command %q\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tenantd [command] [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "Configuration comes from TENANCY_* environment variables, flags and --config FILE; see the README.")
}

// fail prints err on one line (joined errors separated by "; ") and returns
// the exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "tenantd: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	return 1
}
