package load_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/zebralabs/zebra/test/load/internal/baseline"
)

// baselineEnv carries the baseline's configuration (JSON) when the test
// binary is re-executed as the baseline server, so that the baseline runs
// in a process of its own, measured like zebra's.
const baselineEnv = "LOAD_BASELINE_CONFIG"

// baselineConfig is baseline.Config in a form that survives JSON.
type baselineConfig struct {
	Addr         string
	DatabaseURL  string
	PoolSize     int
	RedisURL     string
	RedisPrefix  string
	PublicKey    []byte // Ed25519
	Issuer       string
	Audience     string
	CursorSecret []byte
}

func TestMain(m *testing.M) {
	if raw := os.Getenv(baselineEnv); raw != "" {
		os.Exit(serveBaseline(raw))
	}
	code := m.Run()
	removeBinary()
	os.Exit(code)
}

// serveBaseline runs the baseline until SIGTERM; the benchmark reads
// "ready" on its stdout.
func serveBaseline(raw string) int {
	var c baselineConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := baseline.Open(ctx, baseline.Config{
		Addr: c.Addr, DatabaseURL: c.DatabaseURL, PoolSize: c.PoolSize, RedisURL: c.RedisURL, RedisPrefix: c.RedisPrefix,
		PublicKey: ed25519.PublicKey(c.PublicKey), Algorithm: "EdDSA", Issuer: c.Issuer, Audience: c.Audience,
		CursorSecret: c.CursorSecret,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 1
	}
	defer s.Close()
	if err := s.Serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 1
	}
	return 0
}
