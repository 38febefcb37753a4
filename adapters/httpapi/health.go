package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Pinger checks that a dependency answers; *sql.DB and *bun.DB satisfy it.
type Pinger interface {
	PingContext(ctx context.Context) error
}

// HealthOutput is the body of the health endpoints.
type HealthOutput struct {
	Body struct {
		Status string `json:"status" enum:"ok" example:"ok" doc:"Always ok when the endpoint answers 200."`
	}
}

// noCredential declares an operation that needs no credential: an empty
// security requirement, which tells clients and linters so explicitly.
func noCredential() []map[string][]string { return []map[string][]string{{}} }

// RegisterHealth adds /healthz (liveness: the process serves requests) and
// /readyz (readiness: the database answers within two seconds, else 503).
func RegisterHealth(api huma.API, db Pinger) {
	huma.Register(api, huma.Operation{
		OperationID: "healthz",
		Method:      http.MethodGet,
		Path:        "/healthz",
		Summary:     "Liveness",
		Description: "Answers 200 while the process serves requests. It does not check the database; use /readyz for that.",
		Tags:        []string{"health"},
		Security:    noCredential(),
	}, func(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "readyz",
		Method:      http.MethodGet,
		Path:        "/readyz",
		Summary:     "Readiness",
		Description: "Answers 200 when the database answers within two seconds, and 503 otherwise, so a load balancer stops sending traffic to an instance that cannot serve it.",
		Tags:        []string{"health"},
		Errors:      []int{http.StatusServiceUnavailable},
		Security:    noCredential(),
	}, func(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if db == nil || db.PingContext(pingCtx) != nil {
			return nil, huma.Error503ServiceUnavailable("the database does not answer; check DATABASE_URL and that the server is running")
		}
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
}
