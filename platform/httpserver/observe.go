package httpserver

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/requestid"
	"github.com/zebralabs/zebra/platform/telemetry"
)

// unmatchedRoute labels requests no route matched (404, 405), so that
// scanners probing random paths cannot explode the metrics' cardinality.
const unmatchedRoute = "unmatched"

// routeOf is the route template of the request in OpenAPI form
// ("/v1/orders/{id}"), the same name the document uses.
func routeOf(c *gin.Context) string {
	full := c.FullPath()
	if full == "" {
		return unmatchedRoute
	}
	if !strings.ContainsAny(full, ":*") {
		return full
	}
	parts := strings.Split(full, "/")
	for i, p := range parts {
		if len(p) > 1 && (p[0] == ':' || p[0] == '*') {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// requestIDAttr is the span attribute carrying the request id.
const requestIDAttr = attribute.Key("http.request.id")

// metrics are the HTTP server's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route template and status.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served right now.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// statusClientClosed is the status recorded, as nginx records it, for a
// request whose client closed the connection before it was answered: the
// answer went nowhere, and the failure, if there was one, is the client's
// leaving, not the server's. It is never sent, stays out of the 5xx
// error rate (deployments/observability/METRICS.md) and is logged at info.
const statusClientClosed = 499

// outcome is the status to record for the request of c, whose context
// was conn before the chain ran: the one written; 500 while a panic
// unwinds (recovery answers it); 499 when the client has hung up, with
// unsent the status that went nowhere.
func outcome(c *gin.Context, conn context.Context, completed bool) (status, unsent int) {
	switch {
	case !completed:
		return http.StatusInternalServerError, 0
	case conn.Err() != nil: // net/http cancels it when the connection ends
		return statusClientClosed, c.Writer.Status()
	}
	return c.Writer.Status(), 0
}

// observe follows a request from end to end. It starts its server span,
// named by method and route template and continuing a W3C traceparent
// sent by the caller; when the request is answered it ends the span with
// the status, records the metrics and writes the access-log line: one
// line per request, at error level for 5xx, carrying the internal errors
// handlers and recovery attached to the gin context. A request whose
// client hung up is recorded as 499 (outcome). A mutation refused by
// read-only mode is the 503 the operator asked for: counted as such in the
// metrics, but neither a failed span nor an error line.
func observe(tp trace.TracerProvider, m *metrics, log *zap.Logger) gin.HandlerFunc {
	tracer := tp.Tracer("github.com/zebralabs/zebra/platform/httpserver")
	prop := telemetry.Propagator()
	return func(c *gin.Context) {
		start := time.Now()
		m.inFlight.Inc()
		conn := c.Request.Context()
		route := routeOf(c)
		name := c.Request.Method
		if route != unmatchedRoute {
			name += " " + route
		}
		ctx := prop.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		ctx, span := tracer.Start(ctx, name,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				semconv.HTTPRequestMethodKey.String(c.Request.Method),
				semconv.URLPath(c.Request.URL.Path),
				semconv.HTTPRoute(route),
				requestIDAttr.String(requestid.From(c.Request.Context())),
			))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		completed := false
		defer func() {
			m.inFlight.Dec()
			status, unsent := outcome(c, conn, completed)
			elapsed := time.Since(start)
			code := strconv.Itoa(status)
			m.requests.WithLabelValues(c.Request.Method, route, code).Inc()
			m.duration.WithLabelValues(c.Request.Method, route, code).Observe(elapsed.Seconds())
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if p, ok := auth.FromContext(c.Request.Context()); ok {
				span.SetAttributes(semconv.EnduserID(p.UserID.String()))
			}
			if status >= 500 && !c.GetBool(readOnlyRefusal) {
				span.SetStatus(codes.Error, code)
			}
			accessLog(c, log, route, status, unsent, elapsed)
		}()
		c.Next()
		completed = true
	}
}

func accessLog(c *gin.Context, log *zap.Logger, route string, status, unsent int, elapsed time.Duration) {
	level := zapcore.InfoLevel
	if status >= 500 && !c.GetBool(readOnlyRefusal) {
		level = zapcore.ErrorLevel
	}
	ce := log.Check(level, "request")
	if ce == nil {
		return
	}
	ctx := c.Request.Context()
	fields := make([]zap.Field, 0, 14)
	fields = append(fields,
		zap.String("method", c.Request.Method),
		zap.String("route", route),
		zap.String("path", c.Request.URL.Path),
		zap.Int("status", status),
		// Milliseconds with microsecond precision, the unit of every
		// duration in our logs (a zap.Duration would round to whole ms).
		zap.Float64("latency", float64(elapsed.Microseconds())/1000),
		zap.Int("bytes", max(c.Writer.Size(), 0)),
		zap.String("requestId", requestid.From(ctx)),
		zap.String("clientIp", c.ClientIP()),
	)
	if status == statusClientClosed {
		fields = append(fields, zap.String("reason", "client closed request"), zap.Int("unsentStatus", unsent))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		fields = append(fields, zap.String("traceId", sc.TraceID().String()))
	}
	if p, ok := auth.FromContext(ctx); ok {
		fields = append(fields, zap.String("userId", p.UserID.String()))
	}
	if len(c.Errors) > 0 {
		fields = append(fields, zap.Strings("errors", c.Errors.Errors()))
	}
	ce.Write(fields...)
}
