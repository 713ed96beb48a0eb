package telemetry_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/telemetry"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

func TestRegistryHasRuntimeAndProcessMetrics(t *testing.T) {
	t.Parallel()
	families, err := telemetry.NewRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		if !names[want] {
			t.Errorf("no %s", want)
		}
	}
}

func TestNoEndpointRecordsNothingButKeepsTraceIDs(t *testing.T) {
	t.Parallel()
	tr, err := telemetry.NewTracing(config.Config{ServiceName: "zebra"})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "x")
	defer span.End()
	if span.IsRecording() || span.SpanContext().IsSampled() {
		t.Fatal("without an endpoint nothing may be recorded")
	}
	if !span.SpanContext().HasTraceID() {
		t.Fatal("spans must still carry a trace id for the logs")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSpansAreExportedOverOTLPHTTP points the exporter at a real HTTP
// server standing in for the collector and sees the spans arrive.
func TestSpansAreExportedOverOTLPHTTP(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	var path atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		path.Store(r.URL.Path)
		posts.Add(1)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	cfg := config.Config{ServiceName: "zebra", Env: "test"}
	cfg.Telemetry.OTLPEndpoint = collector.URL
	cfg.Telemetry.SampleRatio = 1
	tr, err := telemetry.NewTracing(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "exported")
	if !span.IsRecording() {
		t.Fatal("span is not recording")
	}
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if posts.Load() == 0 || path.Load() != "/v1/traces" {
		t.Fatalf("collector got %d posts, last path %v", posts.Load(), path.Load())
	}
}

func TestBadEndpointIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := config.Config{}
	cfg.Telemetry.OTLPEndpoint = "ftp://collector"
	if _, err := telemetry.NewTracing(cfg); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Fatalf("err = %v", err)
	}
}

func TestModuleInstallsGlobalsAndServesMetricsOnTheEngine(t *testing.T) {
	engine := gin.New()
	app := fxtest.New(t, fx.NopLogger,
		fx.Supply(config.Config{ServiceName: "zebra"}, zap.NewNop(), engine),
		telemetry.Module,
	)
	app.RequireStart()
	defer app.RequireStop()
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	carrier := propagation.MapCarrier{}
	ctx := otel.GetTextMapPropagator().Extract(context.Background(),
		propagation.MapCarrier{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if !strings.Contains(carrier["traceparent"], "4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Fatalf("global propagator is not W3C: %v", carrier)
	}
}

func TestMetricsAddrServesMetricsSeparately(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	engine := gin.New()
	cfg := config.Config{ServiceName: "zebra"}
	cfg.HTTP.MetricsAddr = addr
	app := fxtest.New(t, fx.NopLogger, fx.Supply(cfg, zap.NewNop(), engine), telemetry.Module)
	app.RequireStart()
	defer app.RequireStop()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "process_cpu_seconds_total") {
		t.Fatalf("metrics addr: %d", res.StatusCode)
	}
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("/metrics must leave the main router when METRICS_ADDR is set: %d", rec.Code)
	}
}
