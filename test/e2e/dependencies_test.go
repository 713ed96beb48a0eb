package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/test/internal/tcpproxy"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// recovery bounds how long readiness may take to follow a dependency going
// away or coming back (a probe is bounded by HEALTH_CHECK_TIMEOUT=1s).
const recovery = 20 * time.Second

// TestReadyz_PostgresCut puts a proxy between the binary and Postgres,
// cuts it, and expects 503 naming postgres while the process stays up,
// then 200 once the proxy is restored, without a restart.
func TestReadyz_PostgresCut(t *testing.T) {
	t.Parallel()
	proxy := tcpproxy.Start(t, zebratest.TargetOf(dbtest.ServerURL()))
	srv := zebratest.Start(t, zebratest.WithDatabaseVia(proxy.Addr()), zebratest.WithEnv("HEALTH_CHECK_TIMEOUT=1s"))
	expectReadiness(t, srv, http.StatusOK, "ready", "ok", "ok")

	proxy.Cut()
	expectReadiness(t, srv, http.StatusServiceUnavailable, "unavailable", "unavailable", "ok")
	if r := do(t, http.MethodGet, srv.URL("/healthz")); r.status != http.StatusOK {
		t.Errorf("/healthz answered %d while Postgres was down: the process must stay up", r.status)
	}

	proxy.Restore()
	expectReadiness(t, srv, http.StatusOK, "ready", "ok", "ok")
}

// TestReadyz_RedisCut: Redis down degrades the replica but keeps it in the
// load balancer (200 "degraded"), and it recovers by itself.
func TestReadyz_RedisCut(t *testing.T) {
	t.Parallel()
	proxy := tcpproxy.Start(t, zebratest.TargetOf(redistest.URL()))
	srv := zebratest.Start(t, zebratest.WithRedisVia(proxy.Addr()), zebratest.WithEnv("HEALTH_CHECK_TIMEOUT=1s"))
	expectReadiness(t, srv, http.StatusOK, "ready", "ok", "ok")

	proxy.Cut()
	expectReadiness(t, srv, http.StatusOK, "degraded", "ok", "unavailable")

	proxy.Restore()
	expectReadiness(t, srv, http.StatusOK, "ready", "ok", "ok")
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// expectReadiness polls GET /readyz until it answers status with the
// given body, or fails with the last answer.
func expectReadiness(t *testing.T, srv *zebratest.Server, status int, state, postgres, redis string) {
	t.Helper()
	want := readiness{Status: state, Checks: map[string]string{"postgres": postgres, "redis": redis}}
	var lastStatus int
	var last readiness
	deadline := time.Now().Add(recovery)
	for time.Now().Before(deadline) {
		resp, err := client.Get(srv.URL("/readyz"))
		if err != nil {
			t.Fatalf("GET /readyz: %v (the process must stay up)", err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		lastStatus, last = resp.StatusCode, readiness{}
		_ = json.Unmarshal(b, &last)
		if lastStatus == status && reflect.DeepEqual(last, want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("/readyz after %s: %d %+v, want %d %+v", recovery, lastStatus, last, status, want)
}
