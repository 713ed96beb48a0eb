// Package mailpittest runs a real Mailpit (SMTP server + HTTP API) for
// tests. Mailpit is pinned as a Go tool of the identity module
// (`go get -tool github.com/axllent/mailpit@v1.33.1`), so `go tool -n
// mailpit` builds it once into the build cache and the tests run that
// binary on free loopback ports, reading received mail through its API.
package mailpittest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running Mailpit.
type Server struct {
	// SMTPURL is the SMTP_URL that delivers to it.
	SMTPURL string
	// SMTPAddr is host:port of its SMTP listener.
	SMTPAddr string
	// API is the base URL of its HTTP API.
	API string
	cmd *exec.Cmd
}

var (
	binOnce sync.Once
	binPath string
	errBin  error
)

// binary returns Mailpit's path: $MAILPIT_BIN when set (`make test` sets
// it to the copy it keeps in its tools cache), else the pinned tool, built
// once per test binary.
func binary() (string, error) {
	if bin := os.Getenv("MAILPIT_BIN"); bin != "" {
		return bin, nil
	}
	binOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", "tool", "-n", "mailpit")
		cmd.Dir = filepath.Dir(file) // inside the identity module, where the tool is pinned
		out, err := cmd.Output()
		if err != nil {
			errBin = fmt.Errorf("go tool -n mailpit: %w (%s)", err, exitStderr(err))
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	return binPath, errBin
}

func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// Start runs a Mailpit for t, stopped in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartAt(t, FreeAddr(t))
}

// StartAt runs a Mailpit whose SMTP listener is smtpAddr, e.g. to bring
// back a server a test had "down".
func StartAt(t testing.TB, smtpAddr string) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("mailpittest: %v", err)
	}
	httpAddr := FreeAddr(t)
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("mailpittest: start: %v", err)
	}
	s := &Server{SMTPURL: "smtp://" + smtpAddr, SMTPAddr: smtpAddr, API: "http://" + httpAddr, cmd: cmd}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.API + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", smtpAddr); err == nil {
				c.Close()
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpittest: mailpit did not come up on %s / %s", smtpAddr, httpAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server; Start registers it in t.Cleanup.
func (s *Server) Stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Summary is one message of GET /api/v1/messages.
type Summary struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
	MessageID string `json:"MessageID"`
}

// Message is GET /api/v1/message/{id}.
type Message struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	Text      string `json:"Text"`
	HTML      string `json:"HTML"`
}

// Messages lists what Mailpit received, newest first.
func (s *Server) Messages(ctx context.Context) ([]Summary, error) {
	var out struct {
		Messages []Summary `json:"messages"`
	}
	return out.Messages, s.get(ctx, "/api/v1/messages", &out)
}

// Message reads one message in full.
func (s *Server) Message(ctx context.Context, id string) (Message, error) {
	var m Message
	return m, s.get(ctx, "/api/v1/message/"+id, &m)
}

// WaitFor polls until count messages to addr whose subject contains
// subject have arrived, and returns the newest, or fails t after timeout.
func (s *Server) WaitFor(t testing.TB, addr, subject string, count int, timeout time.Duration) Message {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := s.Messages(ctx)
		if err != nil {
			t.Fatalf("mailpittest: %v", err)
		}
		var match []Summary
		for _, m := range msgs {
			if len(m.To) > 0 && strings.EqualFold(m.To[0].Address, addr) && strings.Contains(m.Subject, subject) {
				match = append(match, m)
			}
		}
		if len(match) >= count {
			m, err := s.Message(ctx, match[0].ID)
			if err != nil {
				t.Fatalf("mailpittest: %v", err)
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpittest: %d mail(s) %q to %s within %s; have %d", count, subject, addr, timeout, len(match))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.API+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
