package firsthour

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestRestartKeepsTheSession: in development zebra signs with a key it
// keeps in the user's cache directory, so an access token issued before a
// restart still works after it. It also checks that serve says where the
// API reference is once it is ready.
func TestRestartKeepsTheSession(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	srv := startDev(t, "smtp://127.0.0.1:1", cache) // mail is not needed here
	if want := "ready: API reference at http://" + srv.Addr + "/docs"; !strings.Contains(srv.Logs(), want) {
		t.Errorf("serve did not print %q; its log:\n%s", want, srv.Logs())
	}
	tokens := signUpAndLogIn(t, srv, "restart@example.com", "correct-horse-battery-staple")
	access, _ := tokens["accessToken"].(string)
	srv.Stop(t, 30*time.Second)

	key := filepath.Join(cache, "zebra", "dev-signing-key-eddsa.pem")
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("development key %s: %v (mode %v), want a 0600 file", key, err, info)
	}

	// The second run of `make run`: the same environment, a new process.
	log, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zebratest.Binary(t), "serve")
	cmd.Env = append(os.Environ(), srv.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(log.Name())
			t.Logf("second zebra serve log:\n%s", out)
		}
	})
	waitReady(t, srv.URL("/readyz"))

	status, me := call(t, http.MethodGet, srv.URL("/v1/me"), access, nil)
	if status != http.StatusOK || me["email"] != "restart@example.com" {
		t.Fatalf("GET /v1/me with the token of the first run: %d %v, want 200: a restart must keep the session", status, me)
	}
}

// waitReady polls u until it answers 200, for up to 90 s (the machine may
// be busy with other tests).
func waitReady(t *testing.T, u string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(u); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 90 s", u)
}
