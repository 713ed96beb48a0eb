package activities_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/test/internal/tcpproxy"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestRedisOutageBypassesTheCache runs a server of its own whose Redis is
// behind a proxy the test cuts: reads and writes keep working without an
// error while Redis is gone, and once it is back no read serves the copy
// cached before a change made during the outage.
func TestRedisOutageBypassesTheCache(t *testing.T) {
	t.Parallel()
	proxy := tcpproxy.Start(t, zebratest.TargetOf(redistest.URL()))
	zs := zebratest.Start(t, zebratest.WithRedisVia(proxy.Addr()),
		zebratest.WithEnv("RATE_LIMIT_ENABLED=false", "LOG_LEVEL=warn"))
	member := newMemberOn(t, zs.URL(""))
	on := func(method, path string, body any, headers ...string) response {
		t.Helper()
		return call(t, member, method, path, body, headers...)
	}

	a := expect(t, on("POST", "/v1/activities", map[string]any{"title": "Before"}), http.StatusCreated).json(t)
	path := "/v1/activities/" + a["id"].(string)
	expect(t, on("GET", path, nil), http.StatusOK) // cached at version 1
	expect(t, on("GET", path, nil), http.StatusOK)

	proxy.Cut()
	if got := expect(t, on("GET", path, nil), http.StatusOK).json(t); got["title"] != "Before" {
		t.Fatalf("read during the outage: %v", got)
	}
	expect(t, on("PATCH", path, `{"title":"During"}`, "If-Match", `"1"`), http.StatusOK)
	if got := expect(t, on("GET", path, nil), http.StatusOK).json(t); got["title"] != "During" {
		t.Fatalf("read after a change during the outage: %v", got)
	}

	proxy.Restore()
	time.Sleep(1500 * time.Millisecond) // past the cache's backoff
	for range 3 {
		r := expect(t, on("GET", path, nil), http.StatusOK)
		if r.json(t)["title"] != "During" || r.header.Get("ETag") != `"2"` {
			t.Fatalf("after the outage the old copy was served: %s", r.body)
		}
	}
}
