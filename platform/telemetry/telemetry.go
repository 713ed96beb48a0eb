// Package telemetry gives the process its Prometheus registry (with the Go
// runtime and process collectors; httpserver serves it as GET /metrics)
// and sets up OpenTelemetry tracing: an OTLP/HTTP exporter when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing is recorded or
// exported and spans only carry trace ids for the logs. W3C trace-context
// propagation either way. The exporter could read the endpoint from the
// environment itself; it is given the configuration's value instead, so
// `zebra config` shows and validates the one the process uses.
package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry with the Go runtime and process
// collectors. Everything of this process registers here rather than in the
// global default registry, so tests can build as many as they like.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}
