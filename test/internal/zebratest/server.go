package zebratest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
)

// readyTimeout bounds waiting for /readyz after the process started (the
// machine may be busy with other tests).
const readyTimeout = 90 * time.Second

// Option adjusts Start.
type Option func(*options)

type options struct {
	addr      string
	env       []string
	args      []string
	dbVia     string
	redisVia  string
	waitReady bool
}

// WithEnv adds KEY=VALUE pairs to the server's environment; they win over
// Start's own.
func WithEnv(kv ...string) Option { return func(o *options) { o.env = append(o.env, kv...) } }

// WithAddr makes the server listen on addr (host:port) instead of a free
// port of its own choosing, for settings that must name it in advance
// (e.g. APP_BASE_URL).
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithArgs runs `zebra args...` instead of `zebra serve`.
func WithArgs(args ...string) Option { return func(o *options) { o.args = args } }

// WithDatabaseVia makes the server reach Postgres at addr (a proxy)
// instead of the test server's own address; the schema is still applied
// directly.
func WithDatabaseVia(addr string) Option { return func(o *options) { o.dbVia = addr } }

// WithRedisVia makes the server reach Redis at addr (a proxy).
func WithRedisVia(addr string) Option { return func(o *options) { o.redisVia = addr } }

// Server is a running zebra process.
type Server struct {
	// Addr is host:port of HTTP_ADDR.
	Addr string
	// DatabaseURL is the server's fresh database, reached directly.
	DatabaseURL string
	// RedisPrefix is the server's REDIS_PREFIX.
	RedisPrefix string
	// Env is the environment the process runs with (after os.Environ).
	Env []string

	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error // of cmd.Wait, once done is closed
}

// Start starts `zebra serve` (or WithArgs) on a free port with a fresh
// database (schema applied with `zebra schema apply`) and a fresh Redis
// prefix, APP_ENV=test, LOG_LEVEL=info, and waits until GET /readyz
// answers 200. The process is stopped with SIGTERM in t.Cleanup (killed
// if it does not exit in time), and its log is printed if t failed.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{args: []string{"serve"}, waitReady: true}
	for _, opt := range opts {
		opt(&o)
	}
	bin := Binary(t)
	rcfg := redistest.Config(t)
	s := &Server{
		Addr:        FreeAddr(t),
		DatabaseURL: dbtest.EmptyURL(t),
		RedisPrefix: rcfg.Prefix,
		logs:        &syncBuffer{},
		done:        make(chan struct{}),
	}
	if o.addr != "" {
		s.Addr = o.addr
	}
	if code, out, errOut := Run(t, []string{"APP_ENV=test", "DATABASE_CREATE=false", "DATABASE_URL=" + s.DatabaseURL}, "schema", "apply"); code != 0 {
		t.Fatalf("zebratest: zebra schema apply exited %d:\n%s%s", code, out, errOut)
	}
	s.Env = append([]string{
		"APP_ENV=test",
		"LOG_LEVEL=info",
		"HTTP_ADDR=" + s.Addr,
		"METRICS_ADDR=",
		"DATABASE_URL=" + via(s.DatabaseURL, o.dbVia),
		"DATABASE_CREATE=false",
		"REDIS_URL=" + via(rcfg.URL, o.redisVia),
		"REDIS_PREFIX=" + s.RedisPrefix,
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
	}, o.env...)

	s.cmd = exec.Command(bin, o.args...)
	s.cmd.Env = append(os.Environ(), s.Env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("zebratest: start zebra: %v", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.Stop(t, 30*time.Second)
		if t.Failed() {
			t.Logf("zebra %s log:\n%s", strings.Join(o.args, " "), s.Logs())
		}
	})
	if o.waitReady {
		s.waitReady(t)
	}
	return s
}

// URL is the server's base URL joined with path.
func (s *Server) URL(path string) string { return "http://" + s.Addr + path }

// Logs is everything the process printed so far.
func (s *Server) Logs() string { return s.logs.String() }

// Signal sends sig to the process.
func (s *Server) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("zebratest: signal %v: %v", sig, err)
	}
}

// Exited returns a channel closed when the process has exited.
func (s *Server) Exited() <-chan struct{} { return s.done }

// ExitCode waits up to timeout for the process to exit and returns its
// exit code (-1 when it was killed by a signal).
func (s *Server) ExitCode(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		t.Fatalf("zebratest: zebra did not exit within %s", timeout)
	}
	var exit *exec.ExitError
	if errors.As(s.err, &exit) {
		return exit.ExitCode()
	}
	if s.err != nil {
		t.Fatalf("zebratest: wait: %v", s.err)
	}
	return 0
}

// Stop sends SIGTERM and waits up to timeout, then kills the process. It
// is a no-op once the process has exited.
func (s *Server) Stop(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("zebratest: zebra did not stop within %s of SIGTERM; killed", timeout)
	}
}

func (s *Server) waitReady(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("zebratest: zebra exited before it was ready (%v); its log:\n%s", s.err, s.Logs())
		default:
		}
		resp, err := client.Get(s.URL("/readyz"))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("zebratest: zebra not ready after %s; its log:\n%s", readyTimeout, s.Logs())
}

// via replaces the host:port of rawURL by addr, when addr is set.
func via(rawURL, addr string) string {
	if addr == "" {
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("zebratest: %v", err))
	}
	u.Host = addr
	return u.String()
}

// TargetOf is the host:port a URL points at, e.g. the Postgres server of
// dbtest.ServerURL() for a proxy to forward to.
func TargetOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("zebratest: %v", err))
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), map[string]string{"postgres": "5432", "postgresql": "5432", "redis": "6379"}[u.Scheme])
	}
	return u.Host
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams
// and the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
