package outbox

import (
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Module provides the Publisher (over the unit of work) to every module,
// the Admin for `zebra outbox`, the relay as a background job, so
// `zebra serve` and `zebra worker` run it, and the stream consumers'
// *stream.Metrics (registered once per process). platform.Module
// includes it.
var Module = fx.Module("outbox",
	fx.Provide(NewSignal, NewMetrics, fx.Private),
	fx.Provide(
		fx.Annotate(NewWriter, fx.As(new(Publisher))),
		NewAdmin,
		background.AsJob(newRelayJob),
		stream.NewMetrics,
	),
)

func newRelayJob(cfg config.Config, db *gorm.DB, rdb *redis.Client, ks redisdb.Keyspace, s *Signal, m *Metrics, log *zap.Logger) *Relay {
	return NewRelay(db, rdb, ks, OptionsFrom(cfg), s, m, log.Named("outbox"))
}
