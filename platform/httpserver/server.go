package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// NewServer returns the http.Server for handler with the timeouts and
// header limit of cfg: slow clients cannot hold connections open forever.
func NewServer(cfg config.HTTP, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    parserHeaderLimit(cfg.MaxHeaderBytes),
	}
}

// serve runs srv under lc, for the API and the operator listeners alike:
// OnStart binds srv.Addr, with an error naming env (the variable to
// change) when the address is taken, and serves in a goroutine; OnStop
// stops accepting and waits for in-flight requests, at most stopTimeout
// when it is positive, then closes what is left.
func serve(lc fx.Lifecycle, log *zap.Logger, srv *http.Server, env string, stopTimeout time.Duration) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", srv.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s (%s): %w; is another process using it? set %s to a free address", srv.Addr, env, err, env)
			}
			log.Info("http server listening", zap.String("addr", ln.Addr().String()), zap.String("config", env))
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("http server stopped", zap.String("config", env), zap.Error(err))
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			if stopTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, stopTimeout)
				defer cancel()
			}
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
				return fmt.Errorf("shut down the http server of %s: %w", env, err)
			}
			return nil
		},
	})
}

type metricsParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Logger    *zap.Logger
	Engine    *gin.Engine
	Gatherer  prometheus.Gatherer `optional:"true"`
}

// serveMetrics serves the registry (telemetry.Module's) as GET /metrics:
// on METRICS_ADDR when it is set, a listener that can stay private, and
// on the API's engine otherwise. Without a registry nothing is served.
func serveMetrics(p metricsParams) {
	if p.Gatherer == nil {
		return
	}
	h := promhttp.HandlerFor(p.Gatherer, promhttp.HandlerOpts{})
	if p.Config.HTTP.MetricsAddr == "" {
		p.Engine.GET("/metrics", gin.WrapH(h))
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	serve(p.Lifecycle, p.Logger, &http.Server{Addr: p.Config.HTTP.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}, "METRICS_ADDR", 0)
}

// servePprof serves Go's profiles on DEBUG_PPROF_ADDR, a listener of its
// own so they are never reachable through the API's address. Unset (the
// default), nothing is served and nothing is registered.
func servePprof(lc fx.Lifecycle, cfg config.Config, log *zap.Logger) {
	if cfg.HTTP.PprofAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Warn("serving pprof profiles", zap.String("addr", cfg.HTTP.PprofAddr))
	serve(lc, log, &http.Server{Addr: cfg.HTTP.PprofAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}, "DEBUG_PPROF_ADDR", 0)
}
