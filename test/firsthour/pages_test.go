package firsthour

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/browser"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// pageReport is what pages.mjs saw.
type pageReport struct {
	Status     int      `json:"status"`
	Text       string   `json:"text"`
	Fatal      string   `json:"fatal"`
	PageErrors []string `json:"pageErrors"`
	Requests   []string `json:"requests"`
}

// TestMailedLinksOpenWorkingPages clicks the links of the verification and
// the reset mail in headless Chromium, with no frontend: in development
// APP_BASE_URL is zebra itself, whose pages call the API.
func TestMailedLinksOpenWorkingPages(t *testing.T) {
	t.Parallel()
	browser.Require(t)
	mp := startMailpit(t)
	srv := startDev(t, mp.smtpURL, t.TempDir())
	const email, password = "pages@example.com", "correct-horse-battery-staple"
	if status, body := call(t, http.MethodPost, srv.URL("/v1/auth/signup"), "", map[string]string{"email": email, "password": password}); status != http.StatusCreated {
		t.Fatalf("sign up: %d %v", status, body)
	}

	verify := mp.link(t, email, "Confirm your email address")
	if !strings.HasPrefix(verify, srv.URL("/verify-email?token=")) {
		t.Fatalf("the verification link %s does not open zebra's page", verify)
	}
	if r := openPage(t, verify, ""); r.Text != "Your email address is confirmed." ||
		!slices.Contains(r.Requests, "POST "+srv.URL("/v1/auth/verify-email")) {
		t.Fatalf("the verification page: %+v", r)
	}
	access, _ := logIn(t, srv, email, password)["accessToken"].(string)
	if status, me := call(t, http.MethodGet, srv.URL("/v1/me"), access, nil); status != http.StatusOK || me["emailVerified"] != true {
		t.Errorf("after the page: GET /v1/me = %d %v, want emailVerified true", status, me)
	}
	if r := openPage(t, verify, ""); !strings.HasPrefix(r.Text, "Not confirmed: ") {
		t.Errorf("the spent link opened again: %q, want it to say it did not confirm", r.Text)
	}

	if status, body := call(t, http.MethodPost, srv.URL("/v1/auth/password-reset"), "", map[string]string{"email": email}); status != http.StatusAccepted {
		t.Fatalf("password reset: %d %v", status, body)
	}
	reset := mp.link(t, email, "Reset your password")
	if r := openPage(t, reset, "a-brand-new-password"); r.Text != "Your password is changed: log in with the new one." {
		t.Fatalf("the reset page: %+v", r)
	}
	logIn(t, srv, email, "a-brand-new-password")
}

// TestDevPagesOnlyInDev: outside APP_ENV=dev the pages do not exist, and
// they never are part of the OpenAPI document.
func TestDevPagesOnlyInDev(t *testing.T) {
	t.Parallel()
	srv := zebratest.Start(t) // APP_ENV=test
	for _, path := range []string{"/verify-email", "/reset-password"} {
		resp, err := http.Get(srv.URL(path + "?token=x"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with APP_ENV=test: %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(srv.URL("/openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if bytes.Contains(doc, []byte(`"/verify-email"`)) || bytes.Contains(doc, []byte(`"/reset-password"`)) {
		t.Error("the OpenAPI document lists a development page")
	}
}

// openPage runs pages.mjs on link.
func openPage(t *testing.T, link, password string) pageReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"pages.mjs", link}
	if password != "" {
		args = append(args, password)
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser.Chromium())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node pages.mjs: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	var r pageReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("pages.mjs printed no report (%v):\n%s%s", err, stdout.String(), stderr.String())
	}
	if r.Fatal != "" || r.Status != http.StatusOK || len(r.PageErrors) > 0 {
		t.Fatalf("opening %s: %+v\n%s", link, r, stderr.String())
	}
	return r
}
