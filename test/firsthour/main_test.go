// Package firsthour checks a new developer's first hour against the real
// binary: the README's "First five minutes" commands run as written, the
// mailed links open pages that work in a browser, a restart keeps the
// session, and every relative link of every Markdown file resolves.
package firsthour

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }

// repoRoot is the repository's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// startDev runs `zebra serve` as `make run` does (APP_ENV=dev, mail to
// smtpURL, the mailed links pointing at zebra itself) on a fresh database,
// with the development signing key kept in cacheDir instead of the user's
// cache.
func startDev(t *testing.T, smtpURL, cacheDir string) *zebratest.Server {
	t.Helper()
	addr := zebratest.FreeAddr(t)
	return zebratest.Start(t, zebratest.WithAddr(addr), zebratest.WithEnv(
		"APP_ENV=dev",
		"APP_BASE_URL=http://"+addr,
		"SMTP_URL="+smtpURL,
		"XDG_CACHE_HOME="+cacheDir,
	))
}

// mailpit is a Mailpit on free loopback ports.
type mailpit struct {
	smtpURL string
	api     string
}

// startMailpit runs the Mailpit `make test` built ($MAILPIT_BIN), else the
// tool pinned in modules/identity, until t ends.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	bin := os.Getenv("MAILPIT_BIN")
	if bin == "" {
		cmd := exec.Command("go", "tool", "-n", "mailpit")
		cmd.Dir = filepath.Join(repoRoot(t), "modules", "identity")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go tool -n mailpit: %v", err)
		}
		bin = strings.TrimSpace(string(out))
	}
	smtpAddr, httpAddr := zebratest.FreeAddr(t), zebratest.FreeAddr(t)
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	mp := &mailpit{smtpURL: "smtp://" + smtpAddr, api: "http://" + httpAddr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", smtpAddr)
		if err == nil {
			_ = c.Close()
			if resp, err := http.Get(mp.api + "/readyz"); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return mp
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not come up on %s / %s", smtpAddr, httpAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// linkRE finds the link of a mail: APP_BASE_URL/<page>?token=<secret>.
var linkRE = regexp.MustCompile(`https?://[^\s"<>]+\?token=[A-Za-z0-9_-]+`)

// link waits for the newest mail to `to` whose subject contains subject
// and returns the link in its text.
func (mp *mailpit) link(t *testing.T, to, subject string) string {
	t.Helper()
	q := url.Values{"query": {"to:" + to + ` subject:"` + subject + `"`}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(mp.api + "/api/v1/message/latest?" + q.Encode())
		if err == nil {
			var m struct{ Text string }
			decodeErr := json.NewDecoder(resp.Body).Decode(&m)
			_ = resp.Body.Close()
			if l := linkRE.FindString(m.Text); resp.StatusCode == http.StatusOK && decodeErr == nil && l != "" {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail %q to %s within a minute", subject, to)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// call sends a JSON request (body nil: none) with an optional bearer
// token and returns the status and the decoded JSON answer (nil if none).
func call(t *testing.T, method, u, token string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s %s: %d with a body that is not JSON: %v", method, u, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// signUpAndLogIn creates a user and returns its login answer.
func signUpAndLogIn(t *testing.T, srv *zebratest.Server, email, password string) map[string]any {
	t.Helper()
	if status, body := call(t, http.MethodPost, srv.URL("/v1/auth/signup"), "", map[string]string{"email": email, "password": password}); status != http.StatusCreated {
		t.Fatalf("sign up: %d %v", status, body)
	}
	return logIn(t, srv, email, password)
}

// logIn returns the login answer of email and password, failing t unless 200.
func logIn(t *testing.T, srv *zebratest.Server, email, password string) map[string]any {
	t.Helper()
	status, body := call(t, http.MethodPost, srv.URL("/v1/auth/login"), "", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("log in as %s: %d %v", email, status, body)
	}
	return body
}
