package httpserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/telemetry"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func moduleApp(t *testing.T, addr string, metricsAddr ...string) *fxtest.App {
	t.Helper()
	cfg := config.Config{ServiceName: "zebra-test", HTTP: testHTTPConfig()}
	cfg.HTTP.Addr = addr
	if len(metricsAddr) > 0 {
		cfg.HTTP.MetricsAddr = metricsAddr[0]
	}
	return fxtest.New(t,
		fx.NopLogger,
		fx.Supply(cfg, zap.NewNop()),
		telemetry.Module,
		auth.Module,
		httpserver.Module,
		fx.Provide(httpserver.AsRoutes(func() httpserver.Routes { return httpserver.RoutesFunc(testRoutes) })),
	)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestModuleServesAndStops starts the module on a real port, serves the
// routes group, /openapi.json and /metrics, and drains on stop.
func TestModuleServesAndStops(t *testing.T) {
	addr := freeAddr(t)
	app := moduleApp(t, addr)
	app.RequireStart()
	base := "http://" + addr
	if status, _ := get(t, base+"/test/items/7"); status != 200 {
		t.Fatalf("route from the group: %d", status)
	}
	if status, body := get(t, base+"/openapi.json"); status != 200 || !strings.Contains(body, `"/test/items/{id}"`) {
		t.Fatalf("openapi: %d", status)
	}
	status, body := get(t, base+"/metrics")
	if status != 200 || !strings.Contains(body, `http_requests_total{method="GET",route="/test/items/{id}",status="200"} 1`) ||
		!strings.Contains(body, "go_goroutines") || !strings.Contains(body, "process_cpu_seconds_total") {
		t.Fatalf("metrics: %d\n%s", status, body)
	}

	// A request in flight when the server stops still completes.
	done := make(chan int)
	go func() {
		s, _ := get(t, base+"/test/slow")
		done <- s
	}()
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { app.RequireStop(); close(stopped) }()
	if s := <-done; s != 504 {
		t.Fatalf("in-flight request during shutdown: %d", s)
	}
	<-stopped
	if _, err := http.Get(base + "/test/items/7"); err == nil {
		t.Fatal("still serving after stop")
	}
}

func TestMetricsAddrServesMetricsSeparately(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	app := moduleApp(t, addr, metricsAddr)
	app.RequireStart()
	defer app.RequireStop()
	if status, body := get(t, "http://"+metricsAddr+"/metrics"); status != 200 || !strings.Contains(body, "process_cpu_seconds_total") {
		t.Fatalf("metrics addr: %d", status)
	}
	if status, _ := get(t, "http://"+addr+"/metrics"); status != http.StatusNotFound {
		t.Fatalf("/metrics must leave the main router when METRICS_ADDR is set: %d", status)
	}
}

func TestModuleFailsClearlyWhenTheAddressIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	app := moduleApp(t, ln.Addr().String())
	err = app.Start(context.Background())
	if err == nil {
		app.RequireStop()
		t.Fatal("started on a taken address")
	}
	if !strings.Contains(err.Error(), "HTTP_ADDR") || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("error does not say what to change: %v", err)
	}
}

func TestServerTimeoutsComeFromConfig(t *testing.T) {
	t.Parallel()
	cfg := testHTTPConfig()
	srv := httpserver.NewServer(cfg, http.NotFoundHandler())
	if srv.ReadHeaderTimeout != cfg.ReadHeaderTimeout || srv.ReadTimeout != cfg.ReadTimeout ||
		srv.WriteTimeout != cfg.WriteTimeout || srv.IdleTimeout != cfg.IdleTimeout || srv.MaxHeaderBytes < cfg.MaxHeaderBytes {
		t.Fatalf("server = %+v", srv)
	}
}

// TestSlowHeadersAreCut opens a connection that never finishes its
// headers: the server must hang up after ReadHeaderTimeout.
func TestSlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	cfg := testHTTPConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.ReadHeaderTimeout = 200 * time.Millisecond
	srv := httpserver.NewServer(cfg, http.NotFoundHandler())
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.ReadAll(conn)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("connection held for %s", d)
	}
}
