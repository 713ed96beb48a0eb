package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/fx"

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
	return runUntilSignal(platform.ServeJobs)
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
