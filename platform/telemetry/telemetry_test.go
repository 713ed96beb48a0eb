package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/telemetry"
)

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
	tp, err := telemetry.NewTracerProvider(config.Config{ServiceName: "zebra"})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "x")
	defer span.End()
	if span.IsRecording() || span.SpanContext().IsSampled() {
		t.Fatal("without an endpoint nothing may be recorded")
	}
	if !span.SpanContext().HasTraceID() {
		t.Fatal("spans must still carry a trace id for the logs")
	}
	if err := tp.Shutdown(context.Background()); err != nil {
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
	tp, err := telemetry.NewTracerProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "exported")
	if !span.IsRecording() {
		t.Fatal("span is not recording")
	}
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if posts.Load() == 0 || path.Load() != "/v1/traces" {
		t.Fatalf("collector got %d posts, last path %v", posts.Load(), path.Load())
	}
}

// TestHeadersFromTheEnvironmentReachTheCollector: a hosted OTLP endpoint
// (the Fly deployment's, set as secrets) needs an API key header and often
// a path prefix. OTEL_EXPORTER_OTLP_HEADERS is read by the exporter itself
// (URL-encoded values, as the OTLP exporter specification says), and a base
// URL with a path gets /v1/traces appended to it.
func TestHeadersFromTheEnvironmentReachTheCollector(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Basic%20dTpw,x-team=zebra")
	got := make(chan *http.Request, 8)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	cfg := config.Config{ServiceName: "zebra", Env: "test"}
	cfg.Telemetry.OTLPEndpoint = collector.URL + "/otlp"
	cfg.Telemetry.SampleRatio = 1
	tp, err := telemetry.NewTracerProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "exported")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	select {
	case r := <-got:
		if r.URL.Path != "/otlp/v1/traces" {
			t.Errorf("path = %s, want /otlp/v1/traces", r.URL.Path)
		}
		if a := r.Header.Get("Authorization"); a != "Basic dTpw" {
			t.Errorf("Authorization = %q, want the decoded header value %q", a, "Basic dTpw")
		}
		if x := r.Header.Get("X-Team"); x != "zebra" {
			t.Errorf("X-Team = %q", x)
		}
	default:
		t.Fatal("no export reached the collector")
	}
}

func TestBadEndpointIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := config.Config{}
	cfg.Telemetry.OTLPEndpoint = "ftp://collector"
	if _, err := telemetry.NewTracerProvider(cfg); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Fatalf("err = %v", err)
	}
}

func TestModuleInstallsTheGlobalPropagator(t *testing.T) {
	app := fxtest.New(t, fx.NopLogger, fx.Supply(config.Config{ServiceName: "zebra"}), telemetry.Module)
	app.RequireStart()
	defer app.RequireStop()
	carrier := propagation.MapCarrier{}
	ctx := otel.GetTextMapPropagator().Extract(context.Background(),
		propagation.MapCarrier{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if !strings.Contains(carrier["traceparent"], "4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Fatalf("global propagator is not W3C: %v", carrier)
	}
}
