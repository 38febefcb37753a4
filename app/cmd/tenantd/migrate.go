package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"
	"golang.org/x/term"

	"github.com/tenancyhq/tenancy/adapters/postgres/schema"
	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
)

// migrate brings the registry and then every tenant schema up to date.
//
//	tenantd migrate [--concurrency N] [--dry-run] [--json]
//	tenantd migrate status [--json]
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	status := len(args) > 0 && args[0] == "status"
	if status {
		args = args[1:]
	}
	flags := flag.NewFlagSet("migrate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	concurrency := flags.Int("concurrency", schema.DefaultConcurrency, "how many tenants migrate at once")
	dryRun := flags.Bool("dry-run", false, "show who is behind, and by how much, without changing anything")
	asJSON := flags.Bool("json", false, "print a JSON summary")
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprintln(stdout, "usage: tenantd migrate [status] [--concurrency N] [--dry-run] [--json] [settings]")
			flags.SetOutput(stdout)
			flags.PrintDefaults()
			config.Usage(stdout)
			return 0
		}
	}
	cfgArgs, err := splitFlags(flags, args)
	if err != nil {
		return 2
	}
	if *concurrency < 1 || *concurrency > 64 {
		fmt.Fprintln(stderr, "tenantd migrate: --concurrency must be between 1 and 64")
		return 2
	}
	var migrator *schema.Migrator
	var provisioner *schema.Provisioner
	app, code := startCore(ctx, cfgArgs, stderr, fx.Populate(&migrator, &provisioner))
	if app == nil {
		return code
	}
	defer stopApp(app, stderr)

	if status {
		return migrationStatus(ctx, migrator, provisioner, *asJSON, stdout, stderr)
	}
	progress := newProgress(stderr)
	summary, err := migrator.Run(ctx, schema.RunParams{Concurrency: *concurrency, DryRun: *dryRun, Progress: progress.report})
	progress.finish()
	if err != nil {
		return fail(stderr, err)
	}
	if *asJSON {
		out, _ := json.MarshalIndent(summary, "", "  ")
		fmt.Fprintln(stdout, string(out))
	} else {
		took := (time.Duration(summary.DurationMs) * time.Millisecond).String()
		if summary.DryRun {
			fmt.Fprintf(stdout, "dry run, nothing changed: %d tenants with a schema, %d behind, %d up to date, %d with changed migrations\n",
				summary.Tenants, len(summary.Behind), summary.UpToDate, len(summary.Failed))
			for _, b := range summary.Behind {
				fmt.Fprintf(stdout, "  %s: %d pending (%s)\n", b.Slug, len(b.Pending), strings.Join(b.Pending, ", "))
			}
		} else {
			fmt.Fprintf(stdout, "%d tenants with a schema: %d migrated, %d up to date, %d failed (%s)\n",
				summary.Tenants, summary.Migrated, summary.UpToDate, len(summary.Failed), took)
		}
		for _, f := range summary.Failed {
			fmt.Fprintf(stdout, "  FAILED %s: %s\n", f.Slug, f.Error)
		}
	}
	if len(summary.Failed) > 0 {
		return 1
	}
	return 0
}

func migrationStatus(ctx context.Context, m *schema.Migrator, p *schema.Provisioner, asJSON bool, stdout, stderr io.Writer) int {
	plans, err := m.Plan(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	shadows, err := p.Shadowing(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	type row struct {
		Slug    string   `json:"slug"`
		Schema  string   `json:"schemaName"`
		Pending []string `json:"pending"`
		Changed []string `json:"changed"`
	}
	rows := make([]row, 0, len(plans))
	behind := 0
	for _, p := range plans {
		r := row{Slug: p.Slug, Schema: p.SchemaName, Pending: []string{}, Changed: []string{}}
		for _, ref := range p.Pending {
			r.Pending = append(r.Pending, ref.Module+"/"+ref.Name)
		}
		for _, ref := range p.Changed {
			r.Changed = append(r.Changed, ref.Module+"/"+ref.Name)
		}
		if !p.UpToDate() {
			behind++
		}
		rows = append(rows, r)
	}
	if asJSON {
		if shadows == nil {
			shadows = []schema.Shadow{}
		}
		out, _ := json.MarshalIndent(map[string]any{"tenants": len(rows), "behind": behind, "items": rows, "shadowing": shadows}, "", "  ")
		fmt.Fprintln(stdout, string(out))
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tSCHEMA\tPENDING\tCHANGED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Slug, r.Schema, listOrDash(r.Pending), listOrDash(r.Changed))
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "%d tenants with a schema, %d behind\n", len(rows), behind)
	for _, sh := range shadows {
		fmt.Fprintf(stdout, "WARNING: %s.%s of tenant %s shadows %s.%s: while the tenant lacks it, its queries read the shared table\n",
			sh.Schema, sh.Table, sh.TenantSlug, sh.SharedSchema, sh.Table)
	}
	return 0
}

func listOrDash(items []string) string {
	if len(items) == 0 {
		return "-"
	}
	return fmt.Sprintf("%d (%s)", len(items), strings.Join(items, ", "))
}

// progress renders migration progress: a bar with rate and ETA on a
// terminal, one line per tenant otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	started  time.Time
	drawn    bool
}

func newProgress(out io.Writer) *progress {
	f, ok := out.(*os.File)
	return &progress{out: out, terminal: ok && term.IsTerminal(int(f.Fd())), started: time.Now()}
}

func (p *progress) report(e schema.ProgressEvent) {
	if !p.terminal {
		switch {
		case e.Err != nil:
			fmt.Fprintf(p.out, "[%d/%d] %s FAILED: %v\n", e.Done, e.Total, e.Slug, e.Err)
		default:
			fmt.Fprintf(p.out, "[%d/%d] %s: %s\n", e.Done, e.Total, e.Slug, strings.Join(e.Applied, ", "))
		}
		return
	}
	if e.Err != nil {
		fmt.Fprintf(p.out, "\r\033[K%s FAILED: %v\n", e.Slug, e.Err)
	}
	elapsed := time.Since(p.started)
	rate := float64(e.Done) / elapsed.Seconds()
	eta := time.Duration(0)
	if rate > 0 {
		eta = time.Duration(float64(e.Total-e.Done)/rate) * time.Second
	}
	const width = 30
	filled := width * e.Done / max(e.Total, 1)
	fmt.Fprintf(p.out, "\r\033[K[%s%s] %d/%d tenants  %.1f/s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), e.Done, e.Total, rate, eta.Round(time.Second))
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.out)
	}
}

// splitFlags parses the command's own flags and returns the rest for the
// configuration loader (e.g. --database-url).
func splitFlags(flags *flag.FlagSet, args []string) ([]string, error) {
	var own, rest []string
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(strings.SplitN(args[i], "=", 2)[0], "-")
		if f := flags.Lookup(name); f != nil && strings.HasPrefix(args[i], "-") {
			own = append(own, args[i])
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && !strings.Contains(args[i], "=") && i+1 < len(args) {
				i++
				own = append(own, args[i])
			}
			continue
		}
		rest = append(rest, args[i])
	}
	return rest, flags.Parse(own)
}

// startCore loads the configuration and starts the non-HTTP part of the
// app (database, registry, services), populating targets. On failure it
// prints one line and returns a nil app and the exit code.
func startCore(ctx context.Context, args []string, stderr io.Writer, opts ...fx.Option) (*fx.App, int) {
	cfg, rest, err := config.Load(config.FromOS(args))
	if errors.Is(err, config.ErrHelp) {
		config.Usage(stderr)
		return nil, 0
	}
	if err != nil {
		return nil, fail(stderr, fmt.Errorf("configuration: %w", err))
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "tenantd: unexpected arguments %q\n", rest)
		return nil, 2
	}
	if cfg.LogLevel == config.Default().LogLevel {
		// Operator commands print their results; routine logs would clutter them.
		cfg.LogLevel = "warn"
	}
	app := fx.New(append([]fx.Option{host.Core(cfg), modulesFor(cfg)}, opts...)...)
	if err := app.Err(); err != nil {
		return nil, fail(stderr, dig.RootCause(err))
	}
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return nil, fail(stderr, dig.RootCause(err))
	}
	return app, 0
}

func stopApp(app *fx.App, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := app.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "tenantd: stop: %v\n", err)
	}
}
