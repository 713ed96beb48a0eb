package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/config"
)

// Module provides *prometheus.Registry, also as prometheus.Registerer and
// prometheus.Gatherer (httpserver.Module serves it as GET /metrics), and
// the trace.TracerProvider, installed as the global provider with the W3C
// propagator and flushed in OnStop.
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
)

func newTracerProvider(lc fx.Lifecycle, cfg config.Config) (trace.TracerProvider, error) {
	tp, err := NewTracerProvider(cfg)
	if err != nil {
		return nil, err
	}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator())
	lc.Append(fx.Hook{OnStop: tp.Shutdown})
	return tp, nil
}
