// Package httpclient builds the *http.Client every outbound call of the
// service uses (OIDC discovery and JWKS, webhooks later), so that none of
// them can hang a request: connect, TLS, response-header and total
// timeouts; retries by github.com/hashicorp/go-retryablehttp with
// exponential backoff and full jitter, only for requests that are safe to
// repeat; and an OpenTelemetry client span per attempt (otelhttp), with the
// trace context propagated to the callee. The retry policy and backoff
// are ours because retryablehttp's defaults retry every 5xx and POST, and
// back off without jitter.
package httpclient

import (
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/telemetry"
)

// Option adjusts New.
type Option func(*options)

type options struct {
	tracer trace.TracerProvider
	base   http.RoundTripper
	log    *zap.Logger
}

// WithTracerProvider makes the spans with tp (the otel global provider
// otherwise).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// WithLogger receives the retries at debug level and each failed attempt
// as a warning (nothing is logged otherwise).
func WithLogger(log *zap.Logger) Option {
	return func(o *options) { o.log = log }
}

// WithTransport replaces the underlying transport (tests); the timeouts of
// cfg other than Timeout are then the transport's business.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.base = rt }
}

// New returns a client configured by cfg. Each call is bounded by
// cfg.Timeout as a whole; the request's context may end it sooner.
func New(cfg Config, opts ...Option) *http.Client {
	o := options{log: zap.NewNop()}
	for _, opt := range opts {
		opt(&o)
	}
	base := o.base
	if base == nil {
		base = newTransport(cfg)
	}
	// W3C trace context and baggage, as the server side extracts them;
	// explicit so the client does not depend on a global being installed.
	otelOpts := []otelhttp.Option{otelhttp.WithPropagators(telemetry.Propagator())}
	if o.tracer != nil {
		otelOpts = append(otelOpts, otelhttp.WithTracerProvider(o.tracer))
	}
	return &http.Client{
		Timeout:   cfg.Timeout,
		Transport: newRetrying(cfg, otelhttp.NewTransport(base, otelOpts...), o.log),
	}
}

func newTransport(cfg Config) *http.Transport {
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}
