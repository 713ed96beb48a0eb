package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// Module provides *prometheus.Registry, also as prometheus.Registerer and
// prometheus.Gatherer, and the trace.TracerProvider (installed as the
// global provider, flushed in OnStop). It serves GET /metrics on the main
// *gin.Engine when there is one, or on METRICS_ADDR when that is set.
var Module = fx.Module("telemetry",
	fx.Provide(
		NewRegistry,
		func(r *prometheus.Registry) prometheus.Registerer { return r },
		func(r *prometheus.Registry) prometheus.Gatherer { return r },
		newTracerProvider,
	),
	// Installing the tracer provider is a side effect that libraries using
	// the otel globals (gorm, Redis) rely on, whether or not anything asks
	// for the provider itself.
	fx.Invoke(func(trace.TracerProvider) {}),
	fx.Invoke(serveMetrics),
)

func newTracerProvider(lc fx.Lifecycle, cfg config.Config) (trace.TracerProvider, error) {
	t, err := NewTracing(cfg)
	if err != nil {
		return nil, err
	}
	t.Install()
	lc.Append(fx.Hook{OnStop: t.Shutdown})
	return t.Provider, nil
}

// MetricsHandler serves the registry in the Prometheus text format.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

type metricsParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Logger    *zap.Logger
	Gatherer  prometheus.Gatherer
	Engine    *gin.Engine `optional:"true"`
}

func serveMetrics(p metricsParams) {
	h := MetricsHandler(p.Gatherer)
	if p.Config.HTTP.MetricsAddr == "" {
		if p.Engine != nil {
			p.Engine.GET("/metrics", gin.WrapH(h))
		}
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Addr: p.Config.HTTP.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", srv.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s (METRICS_ADDR): %w", srv.Addr, err)
			}
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					p.Logger.Error("metrics server stopped", zap.Error(err))
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}
