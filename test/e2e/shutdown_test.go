package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestSIGTERM_DrainsARequestInFlight sends SIGTERM while a request's body
// is still being trickled in, and checks the order docs/api.md and
// docs/architecture.md ask for: readiness answers 503 at once, the request in flight still
// completes (after the listener has closed), and the process exits 0.
func TestSIGTERM_DrainsARequestInFlight(t *testing.T) {
	t.Parallel()
	const delay = 3 * time.Second
	srv := zebratest.Start(t, zebratest.WithEnv(
		fmt.Sprintf("SHUTDOWN_DELAY=%s", delay),
		"SHUTDOWN_TIMEOUT=15s",
	))

	body := fmt.Sprintf(`{"email":"drain-%d@example.com","password":"correct horse battery staple","displayName":"Drain"}`, time.Now().UnixNano())
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /v1/auth/signup HTTP/1.1\r\nHost: " + srv.Addr + "\r\nContent-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\nX-Request-Id: e2e-drain\r\n\r\n", len(body))
	write(t, conn, head+body[:5])
	time.Sleep(300 * time.Millisecond) // the server has read the headers and waits for the body

	srv.Signal(t, syscall.SIGTERM)
	sigterm := time.Now()
	waitFor(t, 2500*time.Millisecond, "readiness to answer 503 shutting_down", func() bool {
		r, err := client.Get(srv.URL("/readyz"))
		if err != nil {
			return false
		}
		defer r.Body.Close()
		return r.StatusCode == http.StatusServiceUnavailable
	})

	// Trickle the rest past the moment the server stops accepting
	// (SHUTDOWN_DELAY after the signal), so the drain has to wait for it.
	rest := body[5:]
	step := (delay + time.Second) / time.Duration(len(rest))
	for i := range len(rest) {
		write(t, conn, rest[i:i+1])
		time.Sleep(step)
	}
	if time.Since(sigterm) < delay {
		t.Fatal("the body was complete before the listener closed; the test proves nothing")
	}
	if _, err := net.DialTimeout("tcp", srv.Addr, time.Second); err == nil {
		t.Error("the server still accepts new connections after SHUTDOWN_DELAY")
	}

	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("in-flight sign-up answered %d, want 201", resp.StatusCode)
	}
	if id := resp.Header.Get("X-Request-Id"); id != "e2e-drain" {
		t.Errorf("X-Request-Id = %q, want e2e-drain", id)
	}

	if code := srv.ExitCode(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	for _, line := range strings.Split(srv.Logs(), "\n") {
		// The access log line of the 503 /readyz above is level error too.
		isAccessLog := strings.Contains(line, `"msg":"request"`)
		if (strings.Contains(line, `"level":"error"`) && !isAccessLog) || strings.Contains(line, "panic") {
			t.Errorf("error logged during a clean shutdown: %s", line)
		}
	}
}

// TestSIGINT_ExitsZero: Fly.io and a developer's Ctrl-C send SIGINT.
func TestSIGINT_ExitsZero(t *testing.T) {
	t.Parallel()
	srv := zebratest.Start(t)
	srv.Signal(t, syscall.SIGINT)
	if code := srv.ExitCode(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGINT, want 0", code)
	}
}

func write(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := conn.Write([]byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// waitFor polls cond every 50ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
