package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestMaintenanceMode drives the read-only window as the runbook does:
// `zebra maintenance on` beside a running `zebra serve` (same REDIS_URL
// and REDIS_PREFIX), a mutation refused with 503 maintenance, reads and
// /readyz working, `status`, then `off` and writes back.
func TestMaintenanceMode(t *testing.T) {
	t.Parallel()
	srv := zebratest.Start(t, zebratest.WithEnv("RATE_LIMIT_ENABLED=false"))
	login := func() response {
		t.Helper()
		return post(t, srv.URL("/v1/auth/login"), `{"email":"nobody@example.com","password":"not the password at all"}`)
	}
	if r := login(); r.status != http.StatusUnauthorized {
		t.Fatalf("login before: %d, want 401", r.status)
	}

	code, out, errOut := zebratest.Run(t, srv.Env, "maintenance", "on", "--reason", "e2e window", "--retry-after", "2m", "--by", "e2e")
	if code != 0 || !strings.HasPrefix(out, `{"enabled":true,"retryAfterSeconds":120,"reason":"e2e window","changedBy":"cli:e2e","changedAt":"`) {
		t.Fatalf("maintenance on exited %d:\n%s%s", code, out, errOut)
	}

	refused := login()
	assertStatus(t, refused, http.StatusServiceUnavailable)
	assertEnvelope(t, refused, "maintenance")
	if got := refused.header.Get("Retry-After"); got != "120" {
		t.Errorf("Retry-After %q, want 120", got)
	}

	ready := do(t, http.MethodGet, srv.URL("/readyz"))
	assertStatus(t, ready, http.StatusOK)
	assertEqual(t, ready.object(t), map[string]any{"status": "ready", "checks": map[string]any{"postgres": "ok", "redis": "ok"}, "maintenance": "on"})
	assertStatus(t, do(t, http.MethodGet, srv.URL("/openapi.json")), http.StatusOK)

	if code, status, errOut := zebratest.Run(t, srv.Env, "maintenance", "status"); code != 0 || status != out {
		t.Fatalf("status exited %d, printed %q (on printed %q)\n%s", code, status, out, errOut)
	}
	if code, _, errOut := zebratest.Run(t, srv.Env, "maintenance", "on"); code != 1 || !strings.Contains(errOut, "--reason: is required") {
		t.Fatalf("on without a reason exited %d: %s", code, errOut)
	}
	if code, out, errOut := zebratest.Run(t, srv.Env, "maintenance", "off", "--by", "e2e"); code != 0 || !strings.HasPrefix(out, `{"enabled":false`) {
		t.Fatalf("maintenance off exited %d:\n%s%s", code, out, errOut)
	}
	if r := login(); r.status != http.StatusUnauthorized {
		t.Fatalf("login after off: %d, want 401 (wrong password)", r.status)
	}
	ready = do(t, http.MethodGet, srv.URL("/readyz"))
	if m := ready.object(t)["maintenance"]; m != "off" {
		t.Errorf("/readyz after off: maintenance %v", m)
	}
}

// post sends body as JSON and reads the whole answer.
func post(t *testing.T, url, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}
