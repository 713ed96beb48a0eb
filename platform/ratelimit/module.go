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
// from RATE_LIMIT_*, the rules the modules contribute (ProvideRules) and
// the platform's Redis client. With RATE_LIMIT_ENABLED=false it provides
// nothing, and the server lets every request through.
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

// ProvideRules contributes the rules a module's constructor returns
// ([]Rule, optionally with an error; it may take the module's
// configuration). A module lists it in its fx.Module:
//
//	ratelimit.ProvideRules(func(cfg Config) []ratelimit.Rule { ... })
func ProvideRules(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"ratelimit.rules,flatten"`)))
}

type hookParams struct {
	fx.In
	Config  config.Config
	Limiter *Limiter
	Metrics *Metrics
	Logger  *zap.Logger
	Rules   []Rule `group:"ratelimit.rules"`
}

func newHook(p hookParams) (httpserver.Limiter, error) {
	rl := p.Config.RateLimit
	if !rl.Enabled {
		return nil, nil
	}
	def := Bucket{Name: BucketDefault, Limit: rl.DefaultRate, Window: rl.DefaultWindow}
	return NewHTTP(p.Limiter, def, p.Rules, p.Metrics, p.Logger)
}

type metricsParams struct {
	fx.In
	Registerer prometheus.Registerer `optional:"true"`
}

func newMetrics(p metricsParams) (*Metrics, error) { return NewMetrics(p.Registerer) }
