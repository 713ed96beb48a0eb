package httpserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/httpserver"
)

// serveReal runs the engine behind the real http.Server (so net/http's own
// header limit applies too) and returns its address.
func serveReal(t *testing.T) string {
	t.Helper()
	cfg := testHTTPConfig()
	e, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg})
	if err != nil {
		t.Fatal(err)
	}
	e.GET("/ok", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	srv := httpserver.NewServer(cfg, e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// rawGet sends GET /ok with one extra header of n bytes over a raw
// connection and returns the response.
func rawGet(t *testing.T, addr string, n int) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		_, _ = fmt.Fprintf(conn, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", n))
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

func TestOversizedHeadersGetTheEnvelope(t *testing.T) {
	t.Parallel()
	addr := serveReal(t) // HTTP_MAX_HEADER_BYTES = 64 KiB
	tests := []struct {
		name     string
		size     int
		status   int
		envelope bool
	}{
		{"under the limit", 60 << 10, http.StatusOK, false},
		{"over the limit", 100 << 10, http.StatusRequestHeaderFieldsTooLarge, true},
		{"far over the parser's hard limit", 2 << 20, http.StatusRequestHeaderFieldsTooLarge, false},
	}
	for _, tt := range tests {
		res := rawGet(t, addr, tt.size)
		if res.StatusCode != tt.status {
			t.Fatalf("%s: status %d, want %d", tt.name, res.StatusCode, tt.status)
		}
		if !tt.envelope {
			continue
		}
		body, _ := io.ReadAll(res.Body)
		var env struct {
			Code      string         `json:"code"`
			Message   string         `json:"message"`
			Details   map[string]any `json:"details"`
			RequestID string         `json:"requestId"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Code != "bad_request" || env.Details == nil ||
			env.RequestID == "" || env.RequestID != res.Header.Get("X-Request-Id") {
			t.Fatalf("%s: body %s (%v)", tt.name, body, err)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
	}
}
