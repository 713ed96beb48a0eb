package httpserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// TestErrorEnvelope checks that every error the platform can produce
// answers with the envelope, the right status and code, the request id of
// the X-Request-Id header in the body, and nothing internal.
func TestErrorEnvelope(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"unknown route", "GET", "/nope", "", nil, 404, "not_found"},
		{"trailing slash is not redirected", "GET", "/test/items/", "", nil, 404, "not_found"},
		{"unknown id", "GET", "/test/items/missing", "", nil, 404, "not_found"},
		{"wrong method", "PUT", "/test/items", `{"title":"x"}`, nil, 405, "method_not_allowed"},
		{"malformed JSON", "POST", "/test/items", `{"title":`, nil, 400, "bad_request"},
		{"JSON array instead of object", "POST", "/test/items", `["title"]`, nil, 400, "bad_request"},
		{"JSON string instead of object", "POST", "/test/items", `"title"`, nil, 400, "bad_request"},
		{"query parameter that does not parse", "GET", "/test/items?limit=ten", "", nil, 400, "bad_request"},
		{"text body", "POST", "/test/items", `{"title":"x"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"body without content type", "POST", "/test/items", `{"title":"x"}`, []string{"Content-Type", ""}, 415, "unsupported_media_type"},
		{"json lookalike", "POST", "/test/items", `{"title":"x"}`, []string{"Content-Type", "application/jsonx"}, 415, "unsupported_media_type"},
		{"field too long", "POST", "/test/items", `{"title":"` + strings.Repeat("a", 201) + `"}`, nil, 422, "validation_failed"},
		{"unknown field", "POST", "/test/items", `{"title":"x","ownerId":"me"}`, nil, 422, "validation_failed"},
		{"limit out of range", "GET", "/test/items?limit=1000", "", nil, 422, "validation_failed"},
		{"panic", "GET", "/test/panic", "", nil, 500, "internal"},
		{"unexpected handler error", "GET", "/test/internal", "", nil, 500, "internal"},
		{"dependency down", "GET", "/test/unavailable", "", nil, 503, "unavailable"},
		{"work stopped by a cancellation", "GET", "/test/stopped", "", nil, 504, "timeout"},
		{"huma error helper", "GET", "/test/conflict", "", nil, 409, "conflict"},
		{"no token on a route that needs one", "GET", "/test/me", "", nil, 401, "unauthorized"},
		{"rate limited", "GET", "/test/items/1", "", []string{"X-Test-Limit", "over"}, 429, "rate_limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, tt.method, tt.path, tt.body, tt.headers...)
			if res.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.status, tt.status, res.body)
			}
			env := res.envelope(t)
			if env.Code != tt.code {
				t.Errorf("code = %q, want %q", env.Code, tt.code)
			}
			if env.Message == "" {
				t.Error("message is empty")
			}
			if rid := res.header.Get("X-Request-Id"); rid == "" || env.RequestID != rid {
				t.Errorf("requestId = %q, X-Request-Id = %q", env.RequestID, rid)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := res.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store on an error", cc)
			}
			for _, leak := range []string{"secret_table", "/srv/zebra", ".go:", "goroutine", "pq:"} {
				if bytes.Contains(res.body, []byte(leak)) {
					t.Errorf("body leaks %q: %s", leak, res.body)
				}
			}
		})
	}
}

func TestMethodNotAllowedSendsAllow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "PATCH", "/test/items/7", `{}`)
	if res.status != 405 {
		t.Fatalf("status = %d", res.status)
	}
	allow := res.header.Get("Allow")
	for _, m := range []string{"GET", "DELETE"} {
		if !strings.Contains(allow, m) {
			t.Errorf("Allow = %q, lacks %s", allow, m)
		}
	}
}

func TestValidationFieldsAreCamelCaseJSONPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name  string
		body  string
		field string
		msg   string
	}{
		{"too long", `{"title":"` + strings.Repeat("a", 201) + `"}`, "title", "must be at most 200 characters"},
		{"missing", `{"description":"d"}`, "title", "is required"},
		{"nested", `{"title":"t","items":[{"name":""}]}`, "items[0].name", "must be at least 1 characters"},
		{"unknown field", `{"title":"t","ownerId":"x"}`, "ownerId", "is not a known field"},
		{"wrong type", `{"title":5}`, "title", "must be a JSON string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, "POST", "/test/items", tt.body)
			if res.status != 422 {
				t.Fatalf("status = %d: %s", res.status, res.body)
			}
			fs := res.envelope(t).fields(t)
			if len(fs) != 1 || fs[0].Field != tt.field || fs[0].Message != tt.msg {
				t.Fatalf("fields = %+v, want [{%s %s}]", fs, tt.field, tt.msg)
			}
		})
	}
}

func TestQueryValidationNamesTheParameter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/items?limit=0", "")
	fs := res.envelope(t).fields(t)
	if res.status != 422 || len(fs) != 1 || fs[0].Field != "limit" {
		t.Fatalf("status %d fields %+v", res.status, fs)
	}
	ok := h.send(t, "GET", "/test/items?limit=5", "")
	if ok.status != 200 || !strings.Contains(string(ok.body), `"limit":5`) {
		t.Fatalf("valid limit: %d %s", ok.status, ok.body)
	}
}

func TestJSONWithParametersIsAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "POST", "/test/items", `{"title":"ok"}`, "Content-Type", "application/json; charset=utf-8")
	if res.status != 201 {
		t.Fatalf("status = %d: %s", res.status, res.body)
	}
}

func TestBodyOverLimitByContentLength(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"title":"` + strings.Repeat("a", 2000) + `"}`
	res := h.send(t, "POST", "/test/items", body)
	if res.status != 413 || res.envelope(t).Code != "payload_too_large" {
		t.Fatalf("status = %d: %s", res.status, res.body)
	}
}

func TestBodyAtLimitIsAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	prefix, suffix := `{"title":"t","description":"`, `"}`
	body := prefix + strings.Repeat("d", 1024-len(prefix)-len(suffix)) + suffix
	if len(body) != 1024 {
		t.Fatalf("body is %d bytes", len(body))
	}
	res := h.send(t, "POST", "/test/items", body)
	if res.status != 201 {
		t.Fatalf("a body of exactly the limit: status %d: %s", res.status, res.body)
	}
}

// TestDefaultLimitAcceptsExactlyOneMiB checks that huma's own limit never
// fires before the middleware's: a body of exactly the default limit
// passes, one byte more is 413.
func TestDefaultLimitAcceptsExactlyOneMiB(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.HTTP) { c.BodyLimit = 1 << 20 })
	prefix, suffix := `{"title":"t","description":"`, `"}`
	filler := strings.Repeat(" ", 1<<20-len(prefix)-len(suffix)-4000)
	body := prefix + strings.Repeat("d", 4000) + suffix + filler
	if len(body) != 1<<20 {
		t.Fatalf("body is %d bytes", len(body))
	}
	if res := h.send(t, "POST", "/test/items", body); res.status != 201 {
		t.Fatalf("exactly 1 MiB: %d %s", res.status, res.body)
	}
	if res := h.send(t, "POST", "/test/items", body+" "); res.status != 413 {
		t.Fatalf("1 MiB + 1: %d %s", res.status, res.body)
	}
}

// chunked hides the length of r from net/http, so the body is sent with
// Transfer-Encoding: chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestChunkedBodyOverLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"title":"` + strings.Repeat("a", 4000) + `"}`
	req := h.request(t, "POST", "/test/items", "")
	req.Body = io.NopCloser(chunked{strings.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	res := h.do(t, req)
	if res.status != 413 {
		t.Fatalf("status = %d: %s", res.status, res.body)
	}
	if env := res.envelope(t); env.Code != "payload_too_large" {
		t.Fatalf("code = %s", env.Code)
	}
}

// countingReader is an endless body that counts what the server read.
type countingReader struct{ n atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// TestChunkedBodyIsNotReadPastTheLimit gives the engine an endless body
// of unknown length: it must stop reading right after the limit.
func TestChunkedBodyIsNotReadPastTheLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := &countingReader{}
	req := httptest.NewRequest(http.MethodPost, "/test/items", io.MultiReader(strings.NewReader(`{"title":"`), body))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.engine.ServeHTTP(rec, req)
	if rec.Code != 413 {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	// MaxBytesReader asks for at most limit+1 bytes; a read buffer may
	// be filled once, so allow one buffer of slack but not the stream.
	if n := body.n.Load(); n > 64*1024 {
		t.Fatalf("read %d bytes of an endless body with a 1 KiB limit", n)
	}
}

func TestDeadlineAnswers504(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.HTTP) { c.RequestTimeout = 100 * time.Millisecond })
	start := time.Now()
	res := h.send(t, "GET", "/test/slow", "")
	if res.status != 504 || res.envelope(t).Code != "timeout" {
		t.Fatalf("status = %d: %s", res.status, res.body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("answered after %s", d)
	}
}

func TestPanicIsLoggedWithStackAndRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/panic", "", "X-Request-Id", "panic-req-1")
	if res.status != 500 {
		t.Fatalf("status = %d", res.status)
	}
	entries := h.logs.FilterMessage("panic recovered").AllUntimed()
	if len(entries) != 1 {
		t.Fatalf("%d panic log lines", len(entries))
	}
	ctx := entries[0].ContextMap()
	if ctx["requestId"] != "panic-req-1" || !strings.Contains(ctx["stack"].(string), "goroutine") {
		t.Fatalf("panic log lacks request id or stack: %v", ctx)
	}
}

func TestInternalErrorIsLoggedNotSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/internal", "", "X-Request-Id", "internal-req-1")
	if res.status != 500 {
		t.Fatalf("status = %d", res.status)
	}
	lines := h.logs.FilterMessage("request").FilterField(zap.String("requestId", "internal-req-1")).AllUntimed()
	if len(lines) != 1 {
		t.Fatalf("%d access log lines", len(lines))
	}
	errs, _ := lines[0].ContextMap()["errors"].([]any)
	if len(errs) == 0 || !strings.Contains(errs[0].(string), "secret_table") {
		t.Fatalf("the cause is not in the log line: %v", lines[0].ContextMap())
	}
}

func TestServerAtCapacityAnswers503(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.HTTP) {
		c.MaxInFlight = 1
		c.RequestTimeout = 500 * time.Millisecond
	})
	// The probe below may hold the only slot at the moment the slow
	// request arrives, which then gets the 503 itself: send it again
	// until it is admitted and runs into its deadline.
	done := make(chan response)
	go func() {
		for {
			res := h.send(t, "GET", "/test/slow", "")
			if res.status != 503 {
				done <- res
				return
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	var res response
	for time.Now().Before(deadline) {
		res = h.send(t, "GET", "/test/items/1", "")
		if res.status == 503 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if res.status != 503 || res.envelope(t).Code != "unavailable" || res.header.Get("Retry-After") == "" {
		t.Fatalf("status %d Retry-After %q: %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if health := h.send(t, "GET", "/healthz", ""); health.status == 503 {
		t.Fatal("/healthz must be exempt from the concurrency limit")
	}
	<-done
	if after := h.send(t, "GET", "/test/items/1", ""); after.status != 200 {
		t.Fatalf("after the slow request: %d", after.status)
	}
}

func TestEveryResponseIsJSONWithCharset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/items/1", "")
	if res.status != 200 || res.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	if _, err := http.ParseTime(res.header.Get("Date")); err != nil {
		t.Fatalf("Date: %v", err)
	}
}

func TestBadRequestMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, method, path, body string
		message                  string
		fields                   []field
	}{
		{"top-level array", "POST", "/test/items", `["x"]`, "the request body must be a JSON object", nil},
		{"not JSON", "POST", "/test/items", `title=x`, "the request body is not valid JSON", nil},
		{"no body", "POST", "/test/items", "", "a JSON request body is required", nil},
		{"integer that is not", "GET", "/test/items?limit=ten", "", "the request is malformed", []field{{"limit", "must be an integer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, tt.method, tt.path, tt.body)
			env := res.envelope(t)
			if res.status != 400 || env.Code != "bad_request" || env.Message != tt.message {
				t.Fatalf("%d %s %q", res.status, env.Code, env.Message)
			}
			if fs := env.fields(t); len(fs) != len(tt.fields) || (len(fs) > 0 && fs[0] != tt.fields[0]) {
				t.Fatalf("fields = %+v, want %+v", fs, tt.fields)
			}
		})
	}
}
