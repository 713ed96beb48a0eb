// Package redisdb opens the process's Redis client (timeouts and pool from
// configuration, OpenTelemetry tracing) and names keys under the
// configured prefix, so several deployments and every test can share one
// server without seeing each other's keys.
package redisdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// Option adjusts Open.
type Option func(*options)

type options struct {
	tracer trace.TracerProvider
}

// WithTracerProvider traces every command as a span of tp (the otel
// global provider otherwise). Command arguments are not recorded.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// Open returns a client for cfg and checks, within the dial and read
// timeouts, that the server answers. Commands follow their context's
// deadline, so a request's budget bounds its Redis calls. An unreachable
// server gives an *UnreachableError: one line naming the URL.
func Open(ctx context.Context, cfg config.Redis, opts ...Option) (*redis.Client, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	ropts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL %s: %w", config.RedactURL(cfg.URL), err)
	}
	ropts.DialTimeout = cfg.DialTimeout
	ropts.ReadTimeout = cfg.ReadTimeout
	ropts.WriteTimeout = cfg.WriteTimeout
	ropts.PoolSize = cfg.PoolSize
	ropts.ContextTimeoutEnabled = true
	client := redis.NewClient(ropts)

	// No caller attributes: finding the caller walks the stack with
	// runtime.Callers on every command, sampled or not (~5 % of a cached
	// GET's CPU in the load benchmark, docs/performance.md); the span's
	// parent already says which request made the call.
	topts := []redisotel.TracingOption{redisotel.WithDBStatement(false), redisotel.WithCallerEnabled(false)}
	if o.tracer != nil {
		topts = append(topts, redisotel.WithTracerProvider(o.tracer))
	}
	if err := redisotel.InstrumentTracing(client, topts...); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("install redis tracing: %w", err)
	}

	pingCtx, cancel := context.WithTimeout(ctx, cfg.DialTimeout+cfg.ReadTimeout)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close()
		return nil, connectError(Display(ropts), err)
	}
	return client, nil
}

// Display renders the server of o as a URL without password, e.g.
// redis://127.0.0.1:6379/0, for messages and logs.
func Display(o *redis.Options) string {
	scheme := "redis"
	if o.TLSConfig != nil {
		scheme = "rediss"
	}
	u := url.URL{Scheme: scheme, Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}
	if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return u.String()
}

// UnreachableError means the server did not answer (refused, timed out,
// unknown host): the fix is to start it or correct REDIS_URL.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach Redis at %s (is it running? try: make up)", e.URL)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func connectError(display string, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		if strings.HasPrefix(msg, "NOAUTH") || strings.HasPrefix(msg, "WRONGPASS") {
			return fmt.Errorf("redis at %s refused the credentials: %s", display, msg)
		}
		return fmt.Errorf("redis at %s: %s", display, msg)
	}
	return &UnreachableError{URL: display, Err: err}
}

// zapPrintf adapts zap to go-redis's internal logger (dial failures, pool
// events), which otherwise writes plain text to stderr. Its lines go to
// debug: the errors that matter reach callers as errors.
type zapPrintf struct{ log *zap.SugaredLogger }

func (z zapPrintf) Printf(_ context.Context, format string, v ...any) {
	z.log.Debugf(format, v...)
}

// UseLogger sends go-redis's internal log lines to log at debug level. The
// go-redis logger is process-wide, so platform.Module calls this once.
func UseLogger(log *zap.Logger) {
	redis.SetLogger(zapPrintf{log: log.Named("redis").Sugar()})
}
