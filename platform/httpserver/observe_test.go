package httpserver_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
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

// TestBodyReadDeadlineDoesNotEndTheRequest: huma would bound the reading
// of this route's body to 100ms; once the body is read, no such deadline
// may cancel the request while its client waits for the answer (1s).
func TestBodyReadDeadlineDoesNotEndTheRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if res := h.send(t, "POST", "/test/slow-items", `{"title":"x"}`); res.status != 201 {
		t.Fatalf("status = %d, want 201: %s", res.status, res.body)
	}
}

// TestClientThatHangsUpIsRecordedAs499: a request whose client closes the
// connection before the answer is counted and logged with status 499 (as
// nginx does), at info level, with the status that went nowhere: not as a
// 5xx of the server, and its span is no error.
func TestClientThatHangsUpIsRecordedAs499(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		route                    string
	}{
		{"read", "GET", "/test/slow", "", "/test/slow"},
		{"write with a body", "POST", "/test/slow-items", `{"title":"x"}`, "/test/slow-items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			rid := "hangup-" + strings.ReplaceAll(tt.name, " ", "-")
			conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: test\r\nX-Request-Id: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				tt.method, tt.path, rid, len(tt.body), tt.body)
			time.Sleep(300 * time.Millisecond) // past the body's read deadline, before the answer
			_ = conn.Close()

			var lines []observer.LoggedEntry
			deadline := time.Now().Add(5 * time.Second)
			for len(lines) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				lines = h.logs.FilterMessage("request").FilterField(zap.String("requestId", rid)).AllUntimed()
			}
			if len(lines) != 1 {
				t.Fatalf("%d access log lines for the request", len(lines))
			}
			f := lines[0].ContextMap()
			if f["status"] != int64(499) || f["reason"] != "client closed request" || f["unsentStatus"] != int64(504) {
				t.Errorf("access log line: %v", f)
			}
			if lines[0].Level != zapcore.InfoLevel {
				t.Errorf("logged at %s, want info", lines[0].Level)
			}
			expected := fmt.Sprintf(`
# HELP http_requests_total HTTP requests answered, by method, route template and status.
# TYPE http_requests_total counter
http_requests_total{method=%q,route=%q,status="499"} 1
`, tt.method, tt.route)
			if err := testutil.GatherAndCompare(h.registry, strings.NewReader(expected), "http_requests_total"); err != nil {
				t.Error(err)
			}
			for _, s := range h.spans.GetSpans() {
				if s.Status.Code == codes.Error {
					t.Errorf("span %s has status error", s.Name)
				}
			}
		})
	}
}
