package e2e

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestWorker_ServesOnlyProbes: `zebra worker` runs the jobs and answers
// the orchestrator's probes, but serves no API route.
func TestWorker_ServesOnlyProbes(t *testing.T) {
	t.Parallel()
	srv := zebratest.Start(t, zebratest.WithArgs("worker"))

	r := do(t, http.MethodGet, srv.URL("/readyz"))
	assertStatus(t, r, http.StatusOK)
	r = do(t, http.MethodPost, srv.URL("/v1/auth/signup"))
	assertStatus(t, r, http.StatusNotFound)
	assertEnvelope(t, r, "not_found")
	paths, _ := do(t, http.MethodGet, srv.URL("/openapi.json")).object(t)["paths"].(map[string]any)
	for p := range paths {
		if p != "/healthz" && p != "/readyz" {
			t.Errorf("the worker documents %s", p)
		}
	}

	srv.Signal(t, syscall.SIGTERM)
	if code := srv.ExitCode(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
}
