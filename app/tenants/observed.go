package tenants

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// Observed wraps the tenant use cases with logs, metrics and error reports,
// written once in observe and applied to every method, so a new use case
// cannot forget them and every operation is measured the same way. It logs
// the operation, the tenant reference, the duration and the outcome, never
// the settings or any credential.
type Observed struct {
	next    ports.Tenants
	logger  *zap.Logger
	metrics *metrics
	report  func(ctx context.Context, op string, err error)
	fields  func(ctx context.Context) []zap.Field
}

var _ ports.Tenants = (*Observed)(nil)

// ObserveOption configures an Observed.
type ObserveOption func(*observeConfig)

type observeConfig struct {
	report       func(ctx context.Context, op string, err error)
	counter      StatusCounter
	countTimeout time.Duration
	fields       func(ctx context.Context) []zap.Field
}

// StatusCounter counts tenants by status; ports.Registry is one.
type StatusCounter interface {
	CountByStatus(ctx context.Context) (map[core.Status]int64, error)
}

// WithErrorReporter sets a function called with every server-side failure
// (KindInternal or KindUnavailable), for an error tracker. Client errors are
// not reported: they are the caller's to fix.
func WithErrorReporter(report func(ctx context.Context, op string, err error)) ObserveOption {
	return func(c *observeConfig) { c.report = report }
}

// WithTenantGauge exports the tenancy_tenants{status} gauge, read from
// counter at each scrape with the given timeout (0: two seconds), so a slow
// database delays a scrape by at most that long.
func WithTenantGauge(counter StatusCounter, timeout time.Duration) ObserveOption {
	return func(c *observeConfig) { c.counter, c.countTimeout = counter, timeout }
}

// WithContextFields adds fields drawn from the call's context to every log
// line, such as the id of the HTTP request that made the call, so a use
// case's line joins its request's access line.
func WithContextFields(fields func(ctx context.Context) []zap.Field) ObserveOption {
	return func(c *observeConfig) { c.fields = fields }
}

// NewObserved wraps next. Its metrics are registered with registerer (nil:
// not registered); metrics another Observed registered there already are
// shared. A nil logger discards the log lines.
func NewObserved(next ports.Tenants, logger *zap.Logger, registerer prometheus.Registerer, opts ...ObserveOption) (*Observed, error) {
	var cfg observeConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	m, err := newMetrics(registerer, cfg.counter, cfg.countTimeout, logger)
	if err != nil {
		return nil, err
	}
	return &Observed{next: next, logger: logger, metrics: m, report: cfg.report, fields: cfg.fields}, nil
}

// observe runs one use case and records it: one log line, the operation
// counter and duration histogram, and a report of a server-side failure.
// tenant is the slug or ref the call names, empty when it names none.
func observe[T any](ctx context.Context, o *Observed, op, tenant string, fn func() (T, error)) (T, error) {
	start := time.Now()
	result, err := fn()
	elapsed := time.Since(start)

	outcome, kind, level := "ok", "", zapcore.InfoLevel
	if err != nil {
		outcome, kind = "error", ports.KindOf(err).String()
		if errors.Is(err, context.Canceled) {
			kind = "canceled"
		} else if serverSide(err) {
			level = zapcore.ErrorLevel
		}
	}
	o.metrics.operations.WithLabelValues(op, outcome).Inc()
	o.metrics.durations.WithLabelValues(op).Observe(elapsed.Seconds())

	fields := []zap.Field{
		zap.String("operation", op),
		zap.Duration("duration", elapsed),
		zap.String("outcome", outcome),
	}
	if tenant != "" {
		fields = append(fields, zap.String("tenant", tenant))
	}
	if o.fields != nil {
		fields = append(fields, o.fields(ctx)...)
	}
	if err != nil {
		fields = append(fields, zap.String("error_kind", kind))
		if level == zapcore.ErrorLevel {
			// The full chain, SQL included, is for operators only.
			fields = append(fields, zap.Error(err))
		} else {
			fields = append(fields, zap.String("error", ports.PublicMessage(err)))
		}
	}
	if ce := o.logger.Check(level, "tenant operation"); ce != nil {
		ce.Write(fields...)
	}
	if level == zapcore.ErrorLevel && o.report != nil {
		o.report(ctx, op, err)
	}
	return result, err
}

// serverSide reports whether err is the server's fault rather than the caller's.
func serverSide(err error) bool {
	kind := ports.KindOf(err)
	return kind == ports.KindInternal || kind == ports.KindUnavailable
}

// Create observes Service.Create.
func (o *Observed) Create(ctx context.Context, params ports.CreateParams) (core.Tenant, error) {
	return observe(ctx, o, "create", params.Slug, func() (core.Tenant, error) { return o.next.Create(ctx, params) })
}

// Get observes Service.Get.
func (o *Observed) Get(ctx context.Context, ref string) (core.Tenant, error) {
	return observe(ctx, o, "get", ref, func() (core.Tenant, error) { return o.next.Get(ctx, ref) })
}

// List observes Service.List.
func (o *Observed) List(ctx context.Context, params ports.ListParams) (ports.TenantPage, error) {
	return observe(ctx, o, "list", "", func() (ports.TenantPage, error) { return o.next.List(ctx, params) })
}

// Update observes Service.Update.
func (o *Observed) Update(ctx context.Context, params ports.UpdateTenantParams) (core.Tenant, error) {
	return observe(ctx, o, "update", params.Ref, func() (core.Tenant, error) { return o.next.Update(ctx, params) })
}

// Provision observes Service.Provision.
func (o *Observed) Provision(ctx context.Context, ref, actor string) (ports.ProvisionResult, error) {
	return observe(ctx, o, "provision", ref, func() (ports.ProvisionResult, error) { return o.next.Provision(ctx, ref, actor) })
}

// Suspend observes Service.Suspend.
func (o *Observed) Suspend(ctx context.Context, ref, actor string) (core.Tenant, error) {
	return observe(ctx, o, "suspend", ref, func() (core.Tenant, error) { return o.next.Suspend(ctx, ref, actor) })
}

// Activate observes Service.Activate.
func (o *Observed) Activate(ctx context.Context, ref, actor string) (core.Tenant, error) {
	return observe(ctx, o, "activate", ref, func() (core.Tenant, error) { return o.next.Activate(ctx, ref, actor) })
}

// Delete observes Service.Delete.
func (o *Observed) Delete(ctx context.Context, ref, actor string) (core.Tenant, error) {
	return observe(ctx, o, "delete", ref, func() (core.Tenant, error) { return o.next.Delete(ctx, ref, actor) })
}

// Deprovision observes Service.Deprovision.
func (o *Observed) Deprovision(ctx context.Context, ref, actor string) (ports.DeprovisionResult, error) {
	return observe(ctx, o, "deprovision", ref, func() (ports.DeprovisionResult, error) { return o.next.Deprovision(ctx, ref, actor) })
}

// Events observes Service.Events.
func (o *Observed) Events(ctx context.Context, ref string, params ports.EventListParams) (ports.EventPage, error) {
	return observe(ctx, o, "events", ref, func() (ports.EventPage, error) { return o.next.Events(ctx, ref, params) })
}
