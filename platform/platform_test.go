package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/redistest"
)

// setEnv points the platform at a fresh database, a fresh Redis prefix
// and a free port, and returns the server's base URL. It uses t.Setenv:
// config.Load reads the process environment.
func setEnv(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	redisCfg := redistest.Config(t)
	t.Setenv("APP_ENV", "test")
	t.Setenv("LOG_LEVEL", "warn")
	t.Setenv("DATABASE_URL", dbtest.URL(t))
	t.Setenv("REDIS_URL", redisCfg.URL)
	t.Setenv("REDIS_PREFIX", redisCfg.Prefix)
	t.Setenv("HTTP_ADDR", addr)
	t.Setenv("METRICS_ADDR", "")
	return "http://" + addr
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // test
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestModule_Validates(t *testing.T) {
	assert.NoError(t, fx.ValidateApp(platform.Module, platform.ServeJobs))
	assert.NoError(t, fx.ValidateApp(platform.WorkerJobs, platform.Module, platform.ProbesOnly))
}

// stopRecorder is a job that records, when it is stopped, whether the
// HTTP server still accepted connections.
type stopRecorder struct {
	addr          string
	serverStopped chan bool
}

func (j *stopRecorder) Name() string { return "stop-recorder" }

func (j *stopRecorder) Run(ctx context.Context) error {
	<-ctx.Done()
	c, err := net.DialTimeout("tcp", j.addr, time.Second)
	if err == nil {
		_ = c.Close()
	}
	j.serverStopped <- err != nil
	return nil
}

func TestModule_ServesProbesAndStopsInOrder(t *testing.T) {
	base := setEnv(t)
	job := &stopRecorder{addr: base[len("http://"):], serverStopped: make(chan bool, 1)}
	var readiness *health.Readiness
	app := fx.New(
		fx.WithLogger(platform.FxLogger),
		fx.Supply(platform.BuildInfo{Version: "test"}),
		fx.Provide(background.AsJob(func() *stopRecorder { return job })),
		platform.ServeJobs,
		platform.Module,
		fx.Populate(&readiness),
	)
	require.NoError(t, app.Err())
	require.NoError(t, app.Start(context.Background()))

	status, body := getJSON(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", body["status"])
	status, body = getJSON(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"status": "ready", "checks": map[string]any{"postgres": "ok", "redis": "ok"}, "maintenance": "off"}, body)

	require.NoError(t, app.Stop(context.Background()))
	_, rep := readiness.Evaluate(context.Background())
	assert.Equal(t, health.StatusShuttingDown, rep.Status)
	select {
	case stopped := <-job.serverStopped:
		assert.True(t, stopped, "jobs stop after the HTTP server has drained and closed")
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not stopped")
	}
}

func TestProbesOnly_DropsTheAPIRoutes(t *testing.T) {
	base := setEnv(t)
	ping := httpserver.AsRoutes(func() httpserver.Routes {
		return httpserver.RoutesFunc(func(api huma.API) {
			huma.Get(api, "/v1/ping", func(context.Context, *struct{}) (*struct{ Body string }, error) {
				return &struct{ Body string }{Body: "pong"}, nil
			})
		})
	})
	app := fx.New(fx.NopLogger, platform.WorkerJobs, platform.Module, fx.Provide(ping), platform.ProbesOnly)
	require.NoError(t, app.Start(context.Background()))
	t.Cleanup(func() { _ = app.Stop(context.Background()) })

	status, body := getJSON(t, base+"/v1/ping")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", body["code"])
	status, _ = getJSON(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, status)
}

func TestModule_UnreachablePostgresIsTheRootCause(t *testing.T) {
	setEnv(t)
	t.Setenv("DATABASE_URL", fmt.Sprintf("postgres://postgres@%s/zebra?sslmode=disable", freeAddr(t)))
	t.Setenv("DATABASE_CONNECT_TIMEOUT", "1s")
	app := fx.New(fx.NopLogger, platform.Module)
	require.Error(t, app.Err())
	var unreachable *database.UnreachableError
	assert.True(t, errors.As(dig.RootCause(app.Err()), &unreachable), "got %v", app.Err())
}
