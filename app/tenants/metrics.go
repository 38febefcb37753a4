package tenants

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/core"
)

// defaultCountTimeout bounds the registry query behind the tenant gauge.
const defaultCountTimeout = 2 * time.Second

type metrics struct {
	operations *prometheus.CounterVec
	durations  *prometheus.HistogramVec
}

func newMetrics(registerer prometheus.Registerer, counter StatusCounter, timeout time.Duration, logger *zap.Logger) (*metrics, error) {
	m := &metrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenancy_operations_total",
			Help: "Tenant operations by operation and outcome (ok or error).",
		}, []string{"operation", "outcome"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenancy_operation_duration_seconds",
			Help:    "Duration of tenant operations, in seconds.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
	}
	if registerer == nil {
		return m, nil
	}
	var err error
	if m.operations, err = register(registerer, m.operations); err != nil {
		return nil, err
	}
	if m.durations, err = register(registerer, m.durations); err != nil {
		return nil, err
	}
	if counter != nil {
		if timeout <= 0 {
			timeout = defaultCountTimeout
		}
		if _, err := register(registerer, prometheus.Collector(&tenantGauge{counter: counter, timeout: timeout, logger: logger})); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// register registers c, or returns the collector of the same description
// registered before, so two wrapped services in one process share metrics.
func register[C prometheus.Collector](registerer prometheus.Registerer, c C) (C, error) {
	err := registerer.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

var tenantsDesc = prometheus.NewDesc("tenancy_tenants", "Tenants by lifecycle status.", []string{"status"}, nil)

// tenantGauge reads the tenant counts from the registry at scrape time, so
// the gauge is right across instances and restarts, which counting changes
// in one process could not be. A failed read is logged and the gauge left
// out of that scrape rather than failing the whole scrape.
type tenantGauge struct {
	counter StatusCounter
	timeout time.Duration
	logger  *zap.Logger
}

func (g *tenantGauge) Describe(ch chan<- *prometheus.Desc) { ch <- tenantsDesc }

func (g *tenantGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	counts, err := g.counter.CountByStatus(ctx)
	if err != nil {
		g.logger.Warn("count tenants for metrics", zap.Error(err))
		return
	}
	for _, status := range core.Statuses {
		ch <- prometheus.MustNewConstMetric(tenantsDesc, prometheus.GaugeValue, float64(counts[status]), string(status))
	}
}
