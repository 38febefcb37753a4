package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/tenancyhq/tenancy/app/host"
)

func printOpenAPI(_ context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("openapi", flag.ContinueOnError)
	flags.SetOutput(stderr)
	asYAML := flags.Bool("yaml", false, "print YAML instead of JSON")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	api := host.NewAPI(host.APIParams{Mux: http.NewServeMux(), Routes: host.SpecRoutes()})
	if *asYAML {
		out, err := api.OpenAPI().YAML()
		if err != nil {
			return fail(stderr, err)
		}
		_, _ = stdout.Write(out)
		return 0
	}
	out, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}
