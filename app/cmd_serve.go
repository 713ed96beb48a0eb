package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/config"
)

// startTimeout bounds OnStart hooks (listening, loading scripts).
const startTimeout = 30 * time.Second

// stopMargin is added to SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT for what runs
// after the drain: stopping jobs, closing pools, flushing traces.
const stopMargin = 10 * time.Second

// serveCommand runs `zebra serve`: the HTTP API and, unless
// JOBS_IN_SERVE=false, the background jobs, until SIGTERM or SIGINT. On
// the signal, readiness turns 503 at once, in-flight requests finish (up to
// SHUTDOWN_TIMEOUT), jobs stop, pools close, and it exits 0.
func serveCommand(args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("zebra serve: unexpected argument %q", args[0])}
	}
	return runUntilSignal(platform.ServeJobs, fx.Invoke(announceDocs))
}

// announceDocs tells the person at the terminal where the API reference
// is, once the server listens: taking the *http.Server makes fx build it,
// and so append its listening hook, before this one.
func announceDocs(lc fx.Lifecycle, _ *http.Server, cfg config.Config, build platform.BuildInfo, log *zap.Logger) {
	lc.Append(fx.StartHook(func() {
		log.Info("ready: API reference at "+docsURL(cfg.HTTP.Addr), zap.String("version", build.Version))
	}))
}

// docsURL is where a browser on this machine finds GET /docs when the
// server listens on addr (HTTP_ADDR).
func docsURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "/docs"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/docs"
}

// runUntilSignal builds the app from the command's options, starts it and
// stops it gracefully on SIGTERM or SIGINT.
func runUntilSignal(opts ...fx.Option) error {
	var cfg config.Config
	app := newApp(contexts, append(opts, fx.Populate(&cfg))...)
	if err := app.Err(); err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	<-app.Wait()
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownDelay+cfg.HTTP.ShutdownTimeout+stopMargin)
	defer cancel()
	return app.Stop(stopCtx)
}
