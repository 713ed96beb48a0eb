package ratelimit

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

// Module provides the HTTP server's rate-limit hook (httpserver.Limiter)
// from RATE_LIMIT_* and the platform's Redis client. With
// RATE_LIMIT_ENABLED=false it provides nothing, and the server lets every
// request through.
var Module = fx.Module("ratelimit",
	fx.Provide(
		fx.Private,
		func(rdb *redis.Client, cfg config.Config) *Limiter {
			return New(rdb, Options{Prefix: cfg.Redis.Prefix})
		},
		newMetrics,
	),
	fx.Provide(newHook),
)

type hookParams struct {
	fx.In
	Config  config.Config
	Limiter *Limiter
	Metrics *Metrics
	Logger  *zap.Logger
}

func newHook(p hookParams) (httpserver.Limiter, error) {
	if !p.Config.RateLimit.Enabled {
		return nil, nil
	}
	return NewHTTP(p.Limiter, p.Config.RateLimit, p.Metrics, p.Logger)
}

type metricsParams struct {
	fx.In
	Registerer prometheus.Registerer `optional:"true"`
}

func newMetrics(p metricsParams) (*Metrics, error) { return NewMetrics(p.Registerer) }
