package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenancyhq/tenancy/app/tenants"
	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

type reported struct {
	op  string
	err error
}

func observed(t *testing.T, next ports.Tenants, counter tenants.StatusCounter) (*tenants.Observed, *observer.ObservedLogs, *prometheus.Registry, *[]reported) {
	t.Helper()
	logCore, logs := observer.New(zapcore.DebugLevel)
	reg := prometheus.NewRegistry()
	var reports []reported
	opts := []tenants.ObserveOption{tenants.WithErrorReporter(func(_ context.Context, op string, err error) {
		reports = append(reports, reported{op, err})
	})}
	if counter != nil {
		opts = append(opts, tenants.WithTenantGauge(counter, 0))
	}
	o, err := tenants.NewObserved(next, zap.New(logCore), reg, opts...)
	require.NoError(t, err)
	return o, logs, reg, &reports
}

func TestObservedLogsAndMeasuresEveryCall(t *testing.T) {
	t.Parallel()
	svc, b := setup(t, nil)
	o, logs, reg, reports := observed(t, svc, b.registry)
	ctx := context.Background()

	_, err := o.Create(ctx, ports.CreateParams{Slug: "observed", Name: "Observed",
		Settings: core.Settings{"apiToken": "s3cr3t-token"}, Actor: "alice"})
	require.NoError(t, err)
	_, err = o.Get(ctx, "observed")
	require.NoError(t, err)
	_, err = o.Get(ctx, "missing")
	requireKind(t, err, ports.KindNotFound)
	_, err = o.Suspend(ctx, "observed", "alice")
	require.NoError(t, err)
	_, err = o.List(ctx, ports.ListParams{})
	require.NoError(t, err)

	entries := logs.All()
	require.Len(t, entries, 5, "one log line per call")
	want := []struct{ op, tenant, outcome, kind string }{
		{"create", "observed", "ok", ""},
		{"get", "observed", "ok", ""},
		{"get", "missing", "error", "not_found"},
		{"suspend", "observed", "ok", ""},
		{"list", "", "ok", ""},
	}
	for i, w := range want {
		e := entries[i]
		fields := e.ContextMap()
		require.Equal(t, "tenant operation", e.Message)
		require.Equal(t, zapcore.InfoLevel, e.Level, "ok and client errors log at info")
		require.Equal(t, w.op, fields["operation"])
		require.Equal(t, w.outcome, fields["outcome"])
		require.Contains(t, fields, "duration")
		if w.tenant != "" {
			require.Equal(t, w.tenant, fields["tenant"])
		} else {
			require.NotContains(t, fields, "tenant")
		}
		if w.kind != "" {
			require.Equal(t, w.kind, fields["error_kind"])
			require.Equal(t, `no tenant with id or slug "missing"`, fields["error"])
		} else {
			require.NotContains(t, fields, "error_kind")
		}
		require.NotContains(t, fmt.Sprint(fields), "s3cr3t", "settings are never logged")
	}
	require.Empty(t, *reports, "client errors are not reported")

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tenancy_operations_total Tenant operations by operation and outcome (ok or error).
# TYPE tenancy_operations_total counter
tenancy_operations_total{operation="create",outcome="ok"} 1
tenancy_operations_total{operation="get",outcome="error"} 1
tenancy_operations_total{operation="get",outcome="ok"} 1
tenancy_operations_total{operation="list",outcome="ok"} 1
tenancy_operations_total{operation="suspend",outcome="ok"} 1
# HELP tenancy_tenants Tenants by lifecycle status.
# TYPE tenancy_tenants gauge
tenancy_tenants{status="active"} 0
tenancy_tenants{status="deleted"} 0
tenancy_tenants{status="provisioned"} 0
tenancy_tenants{status="suspended"} 1
`), "tenancy_operations_total", "tenancy_tenants"))

	counts := histogramCounts(t, reg)
	require.Equal(t, map[string]uint64{"create": 1, "get": 2, "suspend": 1, "list": 1}, counts)
}

// histogramCounts returns the number of observations of the duration
// histogram per operation.
func histogramCounts(t *testing.T, reg *prometheus.Registry) map[string]uint64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "tenancy_operation_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" {
					out[l.GetValue()] = m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return out
}

// failing is a ports.Tenants whose Get fails the way a bug would.
type failing struct{ ports.Tenants }

var errBug = errors.New("pq: syntax error at or near \"SELEC\"")

func (failing) Get(context.Context, string) (core.Tenant, error) { return core.Tenant{}, errBug }

func TestObservedReportsInternalErrors(t *testing.T) {
	t.Parallel()
	o, logs, reg, reports := observed(t, failing{}, nil)

	_, err := o.Get(context.Background(), "acme")
	require.ErrorIs(t, err, errBug, "the error comes back unchanged")

	entries := logs.All()
	require.Len(t, entries, 1)
	require.Equal(t, zapcore.ErrorLevel, entries[0].Level)
	require.Equal(t, "internal", entries[0].ContextMap()["error_kind"])
	require.Equal(t, []reported{{"get", errBug}}, *reports)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tenancy_operations_total Tenant operations by operation and outcome (ok or error).
# TYPE tenancy_operations_total counter
tenancy_operations_total{operation="get",outcome="error"} 1
`), "tenancy_operations_total"))
}

func TestTwoObservedServicesShareTheirMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	a, err := tenants.NewObserved(failing{}, nil, reg)
	require.NoError(t, err)
	b, err := tenants.NewObserved(failing{}, nil, reg)
	require.NoError(t, err)
	_, _ = a.Get(context.Background(), "x")
	_, _ = b.Get(context.Background(), "x")
	n, err := testutil.GatherAndCount(reg, "tenancy_operations_total")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tenancy_operations_total Tenant operations by operation and outcome (ok or error).
# TYPE tenancy_operations_total counter
tenancy_operations_total{operation="get",outcome="error"} 2
`), "tenancy_operations_total"))
}

type requestKey struct{}

func TestObservedAddsFieldsFromTheCallsContext(t *testing.T) {
	t.Parallel()
	logCore, logs := observer.New(zapcore.DebugLevel)
	o, err := tenants.NewObserved(failing{}, zap.New(logCore), nil, tenants.WithContextFields(func(ctx context.Context) []zap.Field {
		if id, ok := ctx.Value(requestKey{}).(string); ok {
			return []zap.Field{zap.String("request_id", id)}
		}
		return nil
	}))
	require.NoError(t, err)
	_, _ = o.Get(context.WithValue(context.Background(), requestKey{}, "req-42"), "acme")
	_, _ = o.Get(context.Background(), "acme")
	entries := logs.All()
	require.Len(t, entries, 2)
	require.Equal(t, "req-42", entries[0].ContextMap()["request_id"])
	require.NotContains(t, entries[1].ContextMap(), "request_id")
}
