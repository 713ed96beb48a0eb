// Package blobtest runs a real S3-compatible server for tests: versitygw
// (Apache-2.0) with its posix backend on a temporary directory, on a free
// loopback port, with one bucket. versitygw is pinned as a Go tool in
// tools/versitygw, outside go.work so its dependencies never join the
// service's; `go tool -n versitygw` builds it once into the build cache,
// and `make test` passes the copy it keeps in its tools cache as
// $VERSITYGW_BIN. Nothing here is an in-memory fake: the tests talk S3
// over HTTP, with SigV4 signatures, as the service does in production.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zebralabs/zebra/platform/blob"
)

// The root credentials of every test server: they sign the tests' own
// requests only, on loopback.
const (
	AccessKey = "zebra-test"
	SecretKey = "zebra-test-secret"
	// Bucket is the bucket Start creates.
	Bucket = "zebra-test"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is the S3 API's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Dir is the posix backend's root: Dir/Bucket/key is an object.
	Dir string
	cmd *exec.Cmd
}

var (
	binOnce sync.Once
	binPath string
	errBin  error
)

// binary returns versitygw's path: $VERSITYGW_BIN when set, else the
// pinned tool, built once per test binary (a few minutes the first time on
// a machine, then from the build cache).
func binary() (string, error) {
	if bin := os.Getenv("VERSITYGW_BIN"); bin != "" {
		return bin, nil
	}
	binOnce.Do(func() {
		dir, err := toolDir()
		if err != nil {
			errBin = err
			return
		}
		cmd := exec.Command("go", "tool", "-n", "versitygw")
		cmd.Dir = dir
		// Outside go.work, and without the caller's GOFLAGS (-trimpath,
		// -race...): the tool's build cache key stays the same for every
		// test run, so it is built once.
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
		out, err := cmd.Output()
		if err != nil {
			errBin = fmt.Errorf("go tool -n versitygw (in %s): %w (%s)", cmd.Dir, err, exitStderr(err))
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	return binPath, errBin
}

// toolDir finds tools/versitygw beside the go.work that the test runs
// under (source paths are not usable: -trimpath hides them), else beside
// this file's source.
func toolDir() (string, error) {
	if out, err := exec.Command("go", "env", "GOWORK").Output(); err == nil {
		if work := strings.TrimSpace(string(out)); work != "" && work != "off" {
			dir := filepath.Join(filepath.Dir(work), "tools", "versitygw")
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", "versitygw")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("tools/versitygw not found (set VERSITYGW_BIN to a versitygw binary): %w", err)
	}
	return dir, nil
}

func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// Start runs a versitygw for t with Bucket created, stopped in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("blobtest: %v", err)
	}
	addr := freeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--port", addr, "--quiet", "posix", dir)
	var out bytes.Buffer // its banner and errors, shown only when t fails
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("blobtest: start %s: %v", bin, err)
	}
	s := &Server{Endpoint: "http://" + addr, Dir: dir, cmd: cmd}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("blobtest: versitygw on %s said:\n%s", addr, out.String())
		}
	})
	client, err := minio.New(addr, &minio.Options{
		Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath,
		MaxRetries: 1,
	})
	if err != nil {
		t.Fatalf("blobtest: client: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := client.MakeBucket(ctx, Bucket, minio.MakeBucketOptions{})
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("blobtest: versitygw did not come up on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Config is the blob configuration that reaches the server.
func (s *Server) Config() blob.Config {
	return blob.Config{
		Endpoint: s.Endpoint, Bucket: Bucket, Region: "us-east-1",
		AccessKeyID: AccessKey, SecretAccessKey: SecretKey, UsePathStyle: true, MaxRetries: 1,
	}
}

// Env is the same configuration as the S3_* variables of a zebra process.
func (s *Server) Env() []string {
	return []string{
		"S3_ENDPOINT=" + s.Endpoint, "S3_BUCKET=" + Bucket, "S3_REGION=us-east-1",
		"S3_ACCESS_KEY_ID=" + AccessKey, "S3_SECRET_ACCESS_KEY=" + SecretKey, "S3_USE_PATH_STYLE=true",
	}
}

// Store returns a blob.Store on the server's bucket.
func (s *Server) Store(t testing.TB) *blob.S3 {
	t.Helper()
	st, err := blob.NewS3(s.Config())
	if err != nil {
		t.Fatalf("blobtest: %v", err)
	}
	return st
}

// Stop kills the server; Start registers it in t.Cleanup.
func (s *Server) Stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
