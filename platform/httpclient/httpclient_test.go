package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpclient"
)

// fastConfig retries quickly so the tests stay short.
func fastConfig() httpclient.Config {
	var c httpclient.Config
	if err := config.ParseEnv(&c, map[string]string{}); err != nil {
		panic(err)
	}
	c.BackoffBase = 5 * time.Millisecond
	c.BackoffMax = 20 * time.Millisecond
	c.Timeout = 3 * time.Second
	return c
}

// flaky answers fail with status for the first n requests, then 200. It
// records each request body.
type flaky struct {
	fail   int32
	status int
	calls  atomic.Int32
	mu     sync.Mutex
	bodies []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
	if f.calls.Add(1) <= f.fail {
		w.WriteHeader(f.status)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func TestRetriesOnlyWhatIsSafeToRepeat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		key       string
		status    int
		wantCalls int32
		wantCode  int
	}{
		{"GET 503 is retried", http.MethodGet, "", 503, 2, 200},
		{"HEAD 502 is retried", http.MethodHead, "", 502, 2, 200},
		{"PUT 504 is retried", http.MethodPut, "", 504, 2, 200},
		{"DELETE 429 is retried", http.MethodDelete, "", 429, 2, 200},
		{"OPTIONS 503 is retried", http.MethodOptions, "", 503, 2, 200},
		{"POST is not retried", http.MethodPost, "", 503, 1, 503},
		{"PATCH is not retried", http.MethodPatch, "", 503, 1, 503},
		{"POST with an Idempotency-Key is retried", http.MethodPost, "k1", 503, 2, 200},
		{"a 500 is not retried", http.MethodGet, "", 500, 1, 500},
		{"a 4xx is not retried", http.MethodGet, "", 409, 1, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{fail: 1, status: tt.status}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			req, err := http.NewRequest(tt.method, srv.URL, strings.NewReader(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if tt.key != "" {
				req.Header.Set("Idempotency-Key", tt.key)
			}
			res, err := httpclient.New(fastConfig()).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = res.Body.Close()
			if res.StatusCode != tt.wantCode || f.calls.Load() != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", res.StatusCode, f.calls.Load(), tt.wantCode, tt.wantCalls)
			}
			for i, b := range f.bodies {
				if tt.method != http.MethodHead && b != `{"a":1}` {
					t.Errorf("attempt %d sent body %q", i, b)
				}
			}
		})
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	f := &flaky{fail: 100, status: 503}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := fastConfig()
	cfg.MaxRetries = 3
	res, err := httpclient.New(cfg).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || f.calls.Load() != 4 {
		t.Fatalf("status %d after %d calls, want 503 after 4", res.StatusCode, f.calls.Load())
	}
}

func TestRetriesRefusedConnections(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	_ = l.Close()
	var attempts atomic.Int32
	dial := &net.Dialer{Timeout: time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		attempts.Add(1)
		return dial.DialContext(ctx, network, addr)
	}}
	core, logs := observer.New(zap.DebugLevel)
	_, err = httpclient.New(fastConfig(), httpclient.WithTransport(tr), httpclient.WithLogger(zap.New(core))).Get(url)
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if attempts.Load() != 3 {
		t.Fatalf("dialed %d times, want 3 (1 + 2 retries)", attempts.Load())
	}
	if n := logs.FilterLevelExact(zap.WarnLevel).FilterMessage("request failed").Len(); n != 3 {
		t.Fatalf("%d failed attempts logged as warnings, want 3", n)
	}
}

func TestRetryAfterBeyondTheCapIsHandedBack(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	res, err := httpclient.New(fastConfig()).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || calls.Load() != 1 || time.Since(start) > time.Second {
		t.Fatalf("status %d after %d calls in %s", res.StatusCode, calls.Load(), time.Since(start))
	}
}

// hang accepts connections and never answers.
func hang(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL
}

func TestTotalTimeoutBoundsTheWholeCall(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := httpclient.New(cfg).Get(hang(t))
	elapsed := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if elapsed < 250*time.Millisecond || elapsed > time.Second {
		t.Fatalf("call took %s, want about 300ms", elapsed)
	}
}

func TestResponseHeaderTimeoutBoundsEachAttempt(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.ResponseHeaderTimeout = 100 * time.Millisecond
	cfg.MaxRetries = 2
	start := time.Now()
	_, err := httpclient.New(cfg).Get(hang(t))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error from a server that never answers")
	}
	// Three attempts of 100ms plus two short waits.
	if elapsed < 300*time.Millisecond || elapsed > 1500*time.Millisecond {
		t.Fatalf("call took %s, want about 3 x 100ms", elapsed)
	}
}

func TestCallerContextStopsTheRetries(t *testing.T) {
	t.Parallel()
	f := &flaky{fail: 100, status: 503}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := fastConfig()
	cfg.BackoffBase, cfg.BackoffMax, cfg.MaxRetries = time.Second, time.Second, 10
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	res, err := httpclient.New(cfg).Do(req)
	if err == nil {
		_ = res.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("err = %v after %s, want the caller's deadline", err, time.Since(start))
	}
}

func TestEachAttemptIsTracedAndPropagated(t *testing.T) {
	t.Parallel()
	var traceparents []string
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		traceparents = append(traceparents, r.Header.Get("traceparent"))
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := httpclient.New(fastConfig(), httpclient.WithTracerProvider(tp)).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	parent.End()

	var clientSpans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			clientSpans = append(clientSpans, s)
		}
	}
	if len(clientSpans) != 2 {
		t.Fatalf("%d client spans, want one per attempt (2)", len(clientSpans))
	}
	for _, s := range clientSpans {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %s is not a child of the caller's span", s.Name())
		}
	}
	if len(traceparents) != 2 || !strings.Contains(traceparents[0], parent.SpanContext().TraceID().String()) {
		t.Errorf("traceparent headers %v do not carry trace %s", traceparents, parent.SpanContext().TraceID())
	}
}
