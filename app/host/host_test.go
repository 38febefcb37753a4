package host_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenancyhq/tenancy/adapters/postgres"
	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/config"
	"github.com/tenancyhq/tenancy/test/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func get(t *testing.T, h http.Handler, path string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header().Get("Content-Type"), string(body)
}

func TestHealthAndReadinessWithTheDatabaseUp(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	host.NewAPI(host.APIParams{Mux: mux, DB: pgtest.DB(t)})
	code, _, body := get(t, mux, "/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"status":"ok"`)
	code, _, body = get(t, mux, "/readyz")
	require.Equal(t, http.StatusOK, code, body)
}

func TestReadinessAnswers503WhenTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	require.NoError(t, db.Close(), "a closed pool cannot reach the database")
	mux := http.NewServeMux()
	host.NewAPI(host.APIParams{Mux: mux, DB: db})
	code, contentType, body := get(t, mux, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "application/problem+json", contentType)
	require.Contains(t, body, "database")
	code, _, _ = get(t, mux, "/healthz")
	require.Equal(t, http.StatusOK, code, "liveness does not depend on the database")
}

func TestTheAPIDocumentAndDocsAreServed(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	host.NewAPI(host.APIParams{Mux: mux})
	for _, path := range []string{"/openapi.json", "/openapi.yaml", "/docs"} {
		code, _, body := get(t, mux, path)
		require.Equal(t, http.StatusOK, code, path)
		require.NotEmpty(t, body, path)
	}
}

func TestTheServiceStartsServesAndStopsOnAnExistingDatabase(t *testing.T) {
	t.Parallel()
	cfg := serverConfig(t)
	var listener host.Listener
	app := fxtest.New(t, host.Module(cfg), fx.Populate(&listener))
	app.RequireStart()
	resp, err := http.Get("http://" + listener.Addr().String() + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	app.RequireStop()
	_, err = http.Get("http://" + listener.Addr().String() + "/healthz")
	require.Error(t, err, "nothing listens after stop")
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	cfg := serverConfig(t)
	started := make(chan struct{})
	var listener host.Listener
	app := fxtest.New(t, host.Module(cfg), fx.Populate(&listener),
		fx.Invoke(func(mux *http.ServeMux) {
			mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
				close(started)
				time.Sleep(300 * time.Millisecond)
				_, _ = io.WriteString(w, "finished")
			})
		}))
	app.RequireStart()
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + listener.Addr().String() + "/slow")
		if err != nil {
			result <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		result <- string(body)
	}()
	<-started
	app.RequireStop()
	require.Equal(t, "finished", <-result, "the request in flight when shutdown began completed")
}

func TestTheRegistryIsMigratedAtStartUp(t *testing.T) {
	t.Parallel()
	cfg := serverConfig(t)
	url := cfg.DatabaseURL
	cfg.RegistrySchema = "registry_at_startup"
	app := fxtest.New(t, host.Module(cfg))
	app.RequireStart()
	app.RequireStop()
	db, err := postgres.Open(context.Background(), url, postgres.PoolOptions{})
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.DB.QueryRow("SELECT count(*) FROM registry_at_startup.schema_migrations").Scan(&n))
	require.Positive(t, n)
}

func openURL(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.PoolOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db.DB
}

// serverConfig runs the whole host on a fresh database and a free port.
func serverConfig(t *testing.T) config.Config {
	cfg := coreConfig(t)
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.AdminTokens = []config.Token{{Scope: config.ScopeAdmin, Value: "host-test-admin-token"}}
	return cfg
}
