package identity_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/mailpittest"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
)

var (
	buildOnce sync.Once
	binary    string
	errBuild  error
)

// zebraBinary is $ZEBRA_BIN when set (the binary `make test` builds once
// for every black-box suite, or the -cover build of `make cover`, whose
// counters then include these tests), else the real zebra command built
// once per test run.
func zebraBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("ZEBRA_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		dir, err := os.MkdirTemp("", "identity-e2e-")
		if err != nil {
			errBuild = err
			return
		}
		binary = filepath.Join(dir, "zebra")
		cmd := exec.Command("go", "build", "-o", binary, ".")
		cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "app")
		if out, err := cmd.CombinedOutput(); err != nil {
			errBuild = &buildError{out: string(out), err: err}
		}
	})
	if errBuild != nil {
		t.Fatalf("build zebra: %v", errBuild)
	}
	return binary
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// stack is a running zebra with its own database, Redis prefix and Mailpit.
type stack struct {
	t       *testing.T
	base    string
	env     []string
	mail    *mailpittest.Server
	signKey ed25519.PrivateKey
	kid     string
	logs    *bytes.Buffer
}

// startStack applies the schema with `zebra schema apply`, then runs
// `zebra serve` until the test ends. extra adds environment variables.
func startStack(t *testing.T, extra ...string) *stack {
	t.Helper()
	zebraBinary(t)
	dbURL := dbtest.EmptyURL(t)
	rcfg := redistest.Config(t)
	mail := mailpittest.Start(t)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"kid": "e2e-1"}, Bytes: der})
	addr := mailpittest.FreeAddr(t)
	s := &stack{t: t, base: "http://" + addr, mail: mail, signKey: priv, kid: "e2e-1", logs: &bytes.Buffer{}}
	s.env = append(os.Environ(),
		"APP_ENV=test", "LOG_LEVEL=info", "HTTP_ADDR="+addr,
		"DATABASE_URL="+dbURL, "REDIS_URL="+rcfg.URL, "REDIS_PREFIX="+rcfg.Prefix,
		"SMTP_URL="+mail.SMTPURL, "APP_BASE_URL=http://app.zebra.test",
		"JWT_SIGNING_KEYS="+string(keyPEM), "JWT_ISSUER=https://zebra.test", "JWT_AUDIENCE=zebra-api",
		"OUTBOX_POLL_INTERVAL=100ms", "RATE_LIMIT_ENABLED=false",
		"LOGIN_MAX_FAILURES=3", "LOGIN_LOCKOUT=1m", "MAIL_RETRY_AFTER=2s",
		"CURSOR_SECRET=e2e-cursor-secret-e2e-cursor-secret",
	)
	s.env = append(s.env, extra...)
	if out, err := s.command("schema", "apply").CombinedOutput(); err != nil {
		t.Fatalf("zebra schema apply: %v\n%s", err, out)
	}
	cmd := s.command("serve")
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("zebra serve logs:\n%s", s.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("zebra serve did not become ready:\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *stack) command(args ...string) *exec.Cmd {
	cmd := exec.Command(zebraBinary(s.t), args...)
	cmd.Env = s.env
	return cmd
}

// response is an HTTP answer with its decoded JSON body.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request; body is marshalled as JSON when not nil.
func (s *stack) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, s.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &r.body)
	}
	return r
}

// expect fails the test unless r has status.
func (r response) expect(t *testing.T, status int, what string) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.raw)
	}
	return r
}

func (r response) str(key string) string {
	v, _ := r.body[key].(string)
	return v
}
