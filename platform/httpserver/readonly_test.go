package httpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zebralabs/zebra/platform/httpserver"
)

// switchMode is a ReadOnlyMode the test turns on and off; it counts its
// calls to show reads never consult it. platform/maintenance tests the
// Redis-backed one through this same middleware.
type switchMode struct {
	on         atomic.Bool
	retryAfter time.Duration
	calls      atomic.Int64
}

func (m *switchMode) ReadOnly(context.Context) (bool, time.Duration) {
	m.calls.Add(1)
	return m.on.Load(), m.retryAfter
}

type readOnlyHarness struct {
	*harness
	mode *switchMode
}

// writableRoute is the test route that stays writable, as the switch's
// own endpoint does.
var writableRoute = httpserver.WritableRoute{Method: http.MethodPut, Path: "/test/items/{id}"}

func newReadOnlyHarness(t *testing.T, retryAfter time.Duration) *readOnlyHarness {
	t.Helper()
	cfg := testHTTPConfig()
	core, logs := observer.New(zap.DebugLevel)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mode := &switchMode{retryAfter: retryAfter}
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{
		HTTP:           cfg,
		Logger:         zap.New(core),
		TracerProvider: tp,
		Verifier:       verifier{},
		ReadOnly:       mode,
		Writable:       []httpserver.WritableRoute{writableRoute},
	})
	if err != nil {
		t.Fatal(err)
	}
	api := httpserver.NewAPI(engine, httpserver.APIConfig{
		BodyLimit: cfg.BodyLimit, ReadOnly: true, Writable: []httpserver.WritableRoute{writableRoute},
	}, httpserver.RoutesFunc(testRoutes))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return &readOnlyHarness{harness: &harness{srv: srv, engine: engine, api: api, spans: spans, logs: logs}, mode: mode}
}

func TestReadOnly_RefusesMutationsOnly(t *testing.T) {
	t.Parallel()
	h := newReadOnlyHarness(t, 10*time.Minute)
	auth := []string{"Authorization", "Bearer " + goodToken}

	if r := h.send(t, http.MethodPost, "/test/items", `{"title":"before"}`); r.status != http.StatusCreated {
		t.Fatalf("off: POST answered %d: %s", r.status, r.body)
	}
	h.mode.on.Store(true)

	for _, req := range []*http.Request{
		h.request(t, http.MethodPost, "/test/items", `{"title":"during"}`, "X-Request-Id", "maint-1"),
		h.request(t, http.MethodDelete, "/test/items/1", "", append(auth, "X-Request-Id", "maint-2")...),
		// Refused before its body is read: even an invalid one gets 503.
		h.request(t, http.MethodPost, "/test/items", `{"title":""}`, "X-Request-Id", "maint-3"),
	} {
		r := h.do(t, req)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: status %d, want 503: %s", req.Method, req.URL.Path, r.status, r.body)
		}
		env := r.envelope(t)
		if env.Code != "maintenance" || !strings.Contains(env.Message, "read-only maintenance mode") {
			t.Errorf("%s: envelope %+v", req.Method, env)
		}
		if env.RequestID != req.Header.Get("X-Request-Id") || r.header.Get("X-Request-Id") != env.RequestID {
			t.Errorf("%s: request id %q in the body, %q in the header, sent %q", req.Method, env.RequestID, r.header.Get("X-Request-Id"), req.Header.Get("X-Request-Id"))
		}
		if got := r.header.Get("Retry-After"); got != "600" {
			t.Errorf("%s: Retry-After %q, want 600", req.Method, got)
		}
		if got := env.Details["retryAfter"]; got != float64(600) {
			t.Errorf("%s: details.retryAfter %v, want 600", req.Method, got)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", req.Method, cc)
		}
	}

	calls := h.mode.calls.Load()
	if r := h.send(t, http.MethodGet, "/test/items/7", ""); r.status != http.StatusOK {
		t.Errorf("GET in read-only mode: %d %s", r.status, r.body)
	}
	if r := h.send(t, http.MethodGet, "/test/items?limit=5", ""); r.status != http.StatusOK {
		t.Errorf("list in read-only mode: %d %s", r.status, r.body)
	}
	if r := h.send(t, http.MethodHead, "/test/items/7", ""); r.status == http.StatusServiceUnavailable {
		t.Errorf("HEAD in read-only mode: 503")
	}
	if r := h.send(t, http.MethodOptions, "/test/items", ""); r.status == http.StatusServiceUnavailable {
		t.Errorf("OPTIONS in read-only mode: 503")
	}
	if got := h.mode.calls.Load(); got != calls {
		t.Errorf("reads consulted the mode %d times", got-calls)
	}

	// The switch's own route stays writable; unknown routes and bad tokens
	// answer as always.
	if r := h.send(t, http.MethodPut, "/test/items/1", `{"title":"allowed"}`, auth...); r.status != http.StatusOK {
		t.Errorf("writable route in read-only mode: %d %s", r.status, r.body)
	}
	if r := h.send(t, http.MethodPost, "/no/such/route", `{}`); r.status != http.StatusNotFound {
		t.Errorf("unknown route: %d, want 404", r.status)
	}
	if r := h.send(t, http.MethodDelete, "/test/items/1", "", "Authorization", "Bearer forged"); r.status != http.StatusUnauthorized {
		t.Errorf("forged token: %d, want 401 before the maintenance refusal", r.status)
	}

	h.mode.on.Store(false)
	if r := h.send(t, http.MethodPost, "/test/items", `{"title":"after"}`); r.status != http.StatusCreated {
		t.Fatalf("off again: POST answered %d: %s", r.status, r.body)
	}
}

// TestReadOnly_RefusalIsNoServerError: the 503 is what the operator asked
// for: the access log says so at info level and the span is not failed.
func TestReadOnly_RefusalIsNoServerError(t *testing.T) {
	t.Parallel()
	h := newReadOnlyHarness(t, 0)
	h.mode.on.Store(true)
	r := h.send(t, http.MethodPost, "/test/items", `{"title":"x"}`, "X-Request-Id", "refused-1")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q (a zero delay is sent as 1)", r.status, r.header.Get("Retry-After"))
	}
	var line *observer.LoggedEntry
	for _, e := range h.logs.FilterMessage("request").All() {
		if e.ContextMap()["requestId"] == "refused-1" {
			line = &e
		}
	}
	if line == nil {
		t.Fatal("no access-log line for the refused request")
	}
	if line.Level != zapcore.InfoLevel || line.ContextMap()["status"] != int64(503) {
		t.Errorf("access log at %s with status %v, want info and 503", line.Level, line.ContextMap()["status"])
	}
	for _, s := range h.spans.GetSpans() {
		if s.Name == "POST /test/items" && s.Status.Code == codes.Error {
			t.Errorf("the refused request's span is marked failed")
		}
	}
}

// TestReadOnly_InTheDocument: the mutations document the maintenance
// refusal in their 503, the reads and the writable route do not.
func TestReadOnly_InTheDocument(t *testing.T) {
	t.Parallel()
	h := newReadOnlyHarness(t, time.Minute)
	b, err := httpserver.Document(h.api)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Description string                     `json:"description"`
				Headers     map[string]json.RawMessage `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, method string
		want         bool
	}{
		{"/test/items", "post", true},
		{"/test/items/{id}", "delete", true},
		{"/test/items/{id}", "put", false},
		{"/test/items/{id}", "get", false},
		{"/test/items", "get", false},
	} {
		r := doc.Paths[tt.path][tt.method].Responses["503"]
		if got := strings.Contains(r.Description, "`maintenance`"); got != tt.want {
			t.Errorf("%s %s: 503 documents maintenance: %v, want %v (%q)", tt.method, tt.path, got, tt.want, r.Description)
		}
		if _, ok := r.Headers["Retry-After"]; !ok {
			t.Errorf("%s %s: 503 without Retry-After", tt.method, tt.path)
		}
	}

	// Without a mode plugged in, nothing mentions it.
	plain := newHarness(t)
	b, err = httpserver.Document(plain.api)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "`maintenance`") {
		t.Error("a server without a ReadOnlyMode documents the maintenance refusal")
	}
}
