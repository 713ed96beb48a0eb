package health_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/httpserver"
)

func newHandler(t *testing.T, r *health.Readiness) http.Handler {
	t.Helper()
	c, err := config.LoadEnv(map[string]string{})
	require.NoError(t, err)
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: c.HTTP})
	require.NoError(t, err)
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: c.HTTP.BodyLimit}, health.NewRoutes(r))
	return engine
}

func get(t *testing.T, h http.Handler, path string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, path, nil))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	return rec, body
}

func TestRoutes_Healthz(t *testing.T) {
	t.Parallel()
	h := newHandler(t, health.NewReadiness(zap.NewNop(), time.Second))
	rec, body := get(t, h, "/healthz")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, map[string]any{"status": "ok"}, body)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.NotEmpty(t, rec.Header().Get("X-Request-Id"))
}

func TestRoutes_ReadyzFollowsTheChecks(t *testing.T) {
	t.Parallel()
	r := health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, errDown), check("redis", false, nil))
	h := newHandler(t, r)
	rec, body := get(t, h, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, map[string]any{"status": "unavailable", "checks": map[string]any{"postgres": "unavailable", "redis": "ok"}}, body)
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")

	r = health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, nil), check("redis", false, errDown))
	rec, body = get(t, newHandler(t, r), "/readyz")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, map[string]any{"status": "degraded", "checks": map[string]any{"postgres": "ok", "redis": "unavailable"}}, body)

	r.ShutDown()
	rec, body = get(t, newHandler(t, r), "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "shutting_down", body["status"])
}

func TestRoutes_InTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	h := newHandler(t, health.NewReadiness(zap.NewNop(), time.Second))
	rec, doc := get(t, h, "/openapi.json")
	require.Equal(t, http.StatusOK, rec.Code)
	paths := doc["paths"].(map[string]any)
	ready := paths["/readyz"].(map[string]any)["get"].(map[string]any)
	assert.Equal(t, "readyz", ready["operationId"])
	responses := ready["responses"].(map[string]any)
	assert.Contains(t, responses["503"].(map[string]any)["description"], "Not ready")
	assert.Contains(t, paths, "/healthz")
}

func TestRoutes_ReadyzReportsMaintenance(t *testing.T) {
	t.Parallel()
	r := health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, nil))
	r.ReportMaintenance(func(context.Context) bool { return true })
	rec, body := get(t, newHandler(t, r), "/readyz")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, map[string]any{"status": "ready", "checks": map[string]any{"postgres": "ok"}, "maintenance": "on"}, body)

	// Without a maintenance mode plugged in, the field is absent.
	rec, body = get(t, newHandler(t, health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, nil))), "/readyz")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, body, "maintenance")
}
