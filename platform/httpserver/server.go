package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

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

// Listen binds srv's address, with an error that says what to change when
// the address is taken.
func Listen(srv *http.Server) (net.Listener, error) {
	addr := srv.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (HTTP_ADDR): %w; is another process using it? set HTTP_ADDR to a free address", addr, err)
	}
	return ln, nil
}

// Serve serves srv on ln in a goroutine until Shutdown; an unexpected
// failure is logged.
func Serve(srv *http.Server, ln net.Listener, log *zap.Logger) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", zap.Error(err))
		}
	}()
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends, then closes what is left.
func Shutdown(ctx context.Context, srv *http.Server, cfg config.HTTP) error {
	if cfg.ShutdownTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ShutdownTimeout)
		defer cancel()
	}
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
