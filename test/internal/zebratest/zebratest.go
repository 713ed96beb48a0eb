// Package zebratest runs the real zebra binary for black-box suites: it
// builds the binary once per test process, gives each server a fresh
// database (schema applied by the binary's own `schema apply`) and a Redis
// prefix of its own on a free port, waits until it is ready, and stops it
// with SIGTERM when the test ends, showing its log if the test failed.
//
//	func TestMain(m *testing.M) { zebratest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		srv := zebratest.Start(t, zebratest.WithEnv("RATE_LIMIT_ENABLED=false"))
//		resp, err := http.Get(srv.URL("/readyz"))
//		...
//	}
package zebratest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is what the binary built by Binary reports.
const Version = "v0.0.0-test"

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	errBuild  error
)

// Main runs the package's tests, then removes the binary Binary built.
// Use it as the package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// Binary returns the path of a zebra binary: $ZEBRA_BIN when set (e.g. the
// one `make build` wrote), else one built once per test process with the
// flags of `make build` and the version stamp Version.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("ZEBRA_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		buildDir, errBuild = os.MkdirTemp("", "zebratest-")
		if errBuild != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "zebra")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
			"-ldflags", "-X main.version="+Version, "-o", buildBin, "github.com/zebralabs/zebra/app")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			errBuild = fmt.Errorf("go build ./app: %w\n%s", err, out)
		}
	})
	if errBuild != nil {
		t.Fatalf("zebratest: %v", errBuild)
	}
	return buildBin
}

// FreeAddr returns 127.0.0.1:<port> with a port nothing listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("zebratest: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// Run runs `zebra args...` with env (KEY=VALUE, added to the process's)
// and returns its exit code, stdout and stderr.
func Run(t testing.TB, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatalf("zebratest: run zebra %v: %v", args, err)
	}
	return 0, out.String(), errOut.String()
}
