package httpserver_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func TestMetricsUseRouteTemplates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, id := range []string{"1", "2", "missing"} {
		h.send(t, "GET", "/test/items/"+id, "")
	}
	h.send(t, "GET", "/random/scanner/path", "")
	expected := `
# HELP http_requests_total HTTP requests answered, by method, route template and status.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/test/items/{id}",status="200"} 2
http_requests_total{method="GET",route="/test/items/{id}",status="404"} 1
http_requests_total{method="GET",route="unmatched",status="404"} 1
`
	if err := testutil.GatherAndCompare(h.registry, strings.NewReader(expected), "http_requests_total"); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(h.registry, "http_request_duration_seconds", "http_requests_in_flight")
	if err != nil || n != 4 { // 3 histogram series + 1 gauge
		t.Fatalf("series = %d, err = %v", n, err)
	}
}

func TestTracingSpanPerRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	res := h.send(t, "GET", "/test/items/42", "",
		"traceparent", "00-"+parentTrace+"-00f067aa0ba902b7-01", "X-Request-Id", "trace-req-1")
	if res.status != 200 {
		t.Fatalf("status = %d", res.status)
	}
	spans := h.spans.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Name != "GET /test/items/{id}" || s.SpanKind != trace.SpanKindServer {
		t.Fatalf("span %q kind %v", s.Name, s.SpanKind)
	}
	if s.SpanContext.TraceID().String() != parentTrace {
		t.Fatalf("trace id %s, want the caller's %s", s.SpanContext.TraceID(), parentTrace)
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, a := range s.Attributes {
		attrs[a.Key] = a.Value
	}
	if attrs["http.request.id"].AsString() != "trace-req-1" || attrs["http.route"].AsString() != "/test/items/{id}" ||
		attrs["http.response.status_code"].AsInt64() != 200 {
		t.Fatalf("attributes: %v", attrs)
	}
}

func TestAccessLogLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const parentTrace = "0af7651916cd43dd8448eb211c80319c"
	h.send(t, "GET", "/test/me", "", "Authorization", "Bearer "+goodToken, "X-Request-Id", "log-req-1",
		"traceparent", "00-"+parentTrace+"-b7ad6b7169203331-01")
	lines := h.logs.FilterMessage("request").AllUntimed()
	if len(lines) != 1 {
		t.Fatalf("%d access log lines, want 1", len(lines))
	}
	f := lines[0].ContextMap()
	want := map[string]any{
		"method": "GET", "route": "/test/me", "status": int64(200), "requestId": "log-req-1",
		"userId": testUser.String(), "traceId": parentTrace,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %v (%T), want %v", k, f[k], f[k], v)
		}
	}
	if ms, ok := f["latency"].(float64); !ok || ms <= 0 {
		t.Errorf("latency = %v, want milliseconds > 0", f["latency"])
	}
	if b, _ := f["bytes"].(int64); b <= 0 {
		t.Errorf("bytes = %v", f["bytes"])
	}
	// Every access line would name the same caller; finding it costs a
	// stack walk per request, so the access log does without.
	if lines[0].Caller.Defined {
		t.Errorf("access log line has caller %s, want none", lines[0].Caller)
	}
}
