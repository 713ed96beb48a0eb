package e2e

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestPlatformRoutes(t *testing.T) {
	t.Parallel()
	srv := zebratest.Start(t)

	t.Run("healthz", func(t *testing.T) {
		r := do(t, http.MethodGet, srv.URL("/healthz"))
		assertStatus(t, r, http.StatusOK)
		assertEqual(t, r.object(t), map[string]any{"status": "ok"})
		assertJSON(t, r)
		assertRequestID(t, r)
	})

	t.Run("readyz", func(t *testing.T) {
		r := do(t, http.MethodGet, srv.URL("/readyz"))
		assertStatus(t, r, http.StatusOK)
		assertEqual(t, r.object(t), map[string]any{"status": "ready", "checks": map[string]any{"postgres": "ok", "redis": "ok"}, "maintenance": "off"})
		assertRequestID(t, r)
	})

	t.Run("openapi.json", func(t *testing.T) {
		r := do(t, http.MethodGet, srv.URL("/openapi.json"))
		assertStatus(t, r, http.StatusOK)
		assertJSON(t, r)
		doc := r.object(t)
		if doc["openapi"] != "3.1.0" {
			t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
		}
		paths, _ := doc["paths"].(map[string]any)
		for _, p := range []string{"/healthz", "/readyz"} {
			if _, ok := paths[p]; !ok {
				t.Errorf("the document has no %s", p)
			}
		}
	})

	t.Run("docs", func(t *testing.T) {
		r := do(t, http.MethodGet, srv.URL("/docs"))
		assertStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q, want text/html", ct)
		}
		if !strings.Contains(strings.ToLower(string(r.body)), "<html") {
			t.Errorf("not an HTML page:\n%.300s", r.body)
		}
		assertRequestID(t, r)
	})

	t.Run("unknown route is a 404 envelope", func(t *testing.T) {
		r := do(t, http.MethodGet, srv.URL("/no/such/route"))
		assertStatus(t, r, http.StatusNotFound)
		assertEnvelope(t, r, "not_found")
	})

	t.Run("wrong method is a 405 envelope with Allow", func(t *testing.T) {
		r := do(t, http.MethodDelete, srv.URL("/healthz"))
		assertStatus(t, r, http.StatusMethodNotAllowed)
		assertEnvelope(t, r, "method_not_allowed")
		if allow := r.header.Get("Allow"); !strings.Contains(allow, http.MethodGet) {
			t.Errorf("Allow = %q, want it to list GET", allow)
		}
	})
}

func assertStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.body)
	}
}

func assertEqual(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func assertJSON(t *testing.T, r response) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
	}
}

func assertRequestID(t *testing.T, r response) string {
	t.Helper()
	id := r.header.Get("X-Request-Id")
	if id == "" {
		t.Errorf("no X-Request-Id")
	}
	return id
}

// assertEnvelope checks docs/api.md's error envelope: exactly code, message,
// details (an object) and requestId, the same id as the header.
func assertEnvelope(t *testing.T, r response, code string) {
	t.Helper()
	assertJSON(t, r)
	id := assertRequestID(t, r)
	env := r.object(t)
	if len(env) != 4 {
		t.Errorf("envelope has fields %v, want code, message, details, requestId", keys(env))
	}
	if env["code"] != code {
		t.Errorf("code = %v, want %s", env["code"], code)
	}
	if msg, _ := env["message"].(string); msg == "" {
		t.Errorf("empty message")
	}
	if _, ok := env["details"].(map[string]any); !ok {
		t.Errorf("details = %#v, want an object", env["details"])
	}
	if env["requestId"] != id {
		t.Errorf("requestId = %v, X-Request-Id = %s", env["requestId"], id)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
