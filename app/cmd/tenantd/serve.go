package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, _, err := config.Load(config.FromOS(args))
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprintln(stdout, "usage: tenantd [serve] [flags]")
		config.Usage(stdout)
		return 0
	}
	if err == nil {
		err = cfg.CheckServe()
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("configuration: %w", err))
	}
	var listener host.Listener
	app := fx.New(host.Module(cfg), modulesFor(cfg), fx.Populate(&listener))
	if err := app.Err(); err != nil {
		return fail(stderr, dig.RootCause(err))
	}
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return fail(stderr, dig.RootCause(err))
	}
	base := baseURL(listener.Addr())
	fmt.Fprintf(stdout, "Tenancy is serving the admin API at %s/api and its docs at %s/docs (Ctrl-C stops it)\n", base, base)
	<-ctx.Done()
	stopCtx, cancelStop := context.WithTimeout(context.Background(), cfg.ShutdownTimeout+30*time.Second)
	defer cancelStop()
	if err := app.Stop(stopCtx); err != nil {
		return fail(stderr, fmt.Errorf("stop: %w", err))
	}
	return 0
}

// baseURL is a URL a person can open for the listener's address.
func baseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(tcp.Port)))
}
