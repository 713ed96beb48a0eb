package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/zebralabs/zebra/platform/config"
)

// Propagator is the W3C trace-context and baggage propagator used for
// inbound and outbound requests.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// NewTracerProvider builds the tracer provider: OTLP over HTTP to
// cfg.Telemetry.OTLPEndpoint when set (sampling cfg.Telemetry.SampleRatio
// of new traces, following the caller's decision for continued ones).
// Without an endpoint nothing is recorded or exported, but spans still get
// trace ids (an SDK provider that samples nothing and has no exporter),
// so that access-log lines carry a trace id and outbound calls propagate
// one. It does not touch the globals; Module installs it. Shutdown flushes
// pending spans and stops the exporter.
func NewTracerProvider(cfg config.Config) (*sdktrace.TracerProvider, error) {
	if cfg.Telemetry.OTLPEndpoint == "" {
		return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())), nil
	}
	endpoint, err := tracesURL(cfg.Telemetry.OTLPEndpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: create exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(cfg.ServiceName),
		semconv.DeploymentEnvironmentNameKey.String(cfg.Env),
	))
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.Telemetry.SampleRatio))),
	), nil
}

// tracesURL turns OTEL_EXPORTER_OTLP_ENDPOINT (a base URL, per the OTLP
// exporter specification) into the traces endpoint: base + "/v1/traces".
func tracesURL(base string) (string, error) {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %q is not an http(s) URL", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String(), nil
}
