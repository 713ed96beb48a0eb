package httpserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zebralabs/zebra/platform/httpserver"
)

// BenchmarkMiddleware measures the platform's cost per request: the whole
// chain (JSON access log to io.Discard, metrics, a non-recording span,
// CORS, limits, authentication with a trivial verifier) around a huma
// operation, in process, without the network.
func BenchmarkMiddleware(b *testing.B) {
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{
		HTTP:           testHTTPConfig(),
		Logger:         log,
		Registerer:     prometheus.NewRegistry(),
		TracerProvider: trace.NewTracerProvider(trace.WithSampler(trace.NeverSample())),
		Verifier:       verifier{},
	})
	if err != nil {
		b.Fatal(err)
	}
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: 1 << 20}, httpserver.RoutesFunc(testRoutes))
	b.Run("GET authenticated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/test/me", nil)
			req.Header.Set("Authorization", "Bearer "+goodToken)
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatal(rec.Code)
			}
		}
	})
	b.Run("POST with body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/test/items", strings.NewReader(`{"title":"a title","description":"some words"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)
			if rec.Code != 201 {
				b.Fatal(rec.Code)
			}
		}
	})
}
