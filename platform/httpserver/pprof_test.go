package httpserver

import (
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

func TestPprofListensOnlyWhenConfigured(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	off := fxtest.NewLifecycle(t)
	servePprof(off, config.Config{}, zap.NewNop())
	off.RequireStart().RequireStop() // nothing registered, nothing to start

	lc := fxtest.NewLifecycle(t)
	var cfg config.Config
	cfg.HTTP.PprofAddr = addr
	servePprof(lc, cfg, zap.NewNop())
	lc.RequireStart()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/cmdline: %d", resp.StatusCode)
	}
	lc.RequireStop()
	if _, err := client.Get("http://" + addr + "/debug/pprof/cmdline"); err == nil {
		t.Fatal("the pprof listener is still up after stop")
	}
}
