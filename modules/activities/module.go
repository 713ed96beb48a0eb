package activities

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/httpapi"
	"github.com/zebralabs/zebra/modules/activities/internal/objects"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/modules/activities/internal/settings"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/cache"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Module wires the activities context: its database role, its
// configuration section, its schema, its permissions and what each role
// is granted of them, its OpenAPI tag, its routes, the job that deletes
// the objects of deleted attachments, and the Activities facade. It
// consumes the platform (database, unit of work, Redis, telemetry, object
// storage) and the audit-log and outbox ports, and provides nothing else:
// the application and its adapters are private. Its statements run as its
// own database role, which may use the activities schema and no other
// module's tables.
var Module = fx.Module("activities",
	platform.ModuleRole("activities"),
	config.Provide[settings.Config]("activities"),
	fx.Provide(migrate.AsSource(postgres.SchemaSource)),
	auth.ProvideGrants(permission.Grants),
	httpserver.ProvideTag(httpapi.Tag),
	fx.Provide(fx.Private, newCache, newApplication, newCleanup),
	fx.Provide(background.AsJob(newCleanupJob)),
	fx.Provide(httpserver.AsRoutes(httpapi.NewRoutes)),
	fx.Provide(func(a app.Application) Activities { return service{app: a} }),
)

// cacheTTL bounds how long a cached activity lives, and how long it could
// stay stale if Redis lost an invalidation during an outage.
const cacheTTL = time.Minute

func newCache(rdb *redis.Client, reg prometheus.Registerer, keys redisdb.Keyspace) (*cache.Cache[query.Activity], error) {
	return cache.New[query.Activity](rdb, reg, cache.Options{Name: "activities", Prefix: keys.Prefix(), TTL: cacheTTL})
}

type appParams struct {
	fx.In
	DB     *gorm.DB
	UoW    *database.UnitOfWork
	Audit  auditlog.Recorder
	Outbox outbox.Publisher
	Cache  *cache.Cache[query.Activity]
	Config config.Config
	// Settings are the attachments' limits.
	Settings settings.Config
	// Objects is object storage: blob.Disabled when none is configured,
	// and the attachment routes then answer 503.
	Objects blob.Store
}

func newApplication(p appParams) app.Application {
	attachments := postgres.NewAttachments(p.DB)
	limits := command.Limits{MaxBytes: p.Settings.AttachmentMaxBytes, URLTTL: p.Settings.AttachmentURLTTL}
	deps := command.Deps{
		UoW: p.UoW, Activities: postgres.NewRepository(p.DB, p.Cache), Attachments: attachments,
		Objects: p.Objects, Limits: limits, Audit: p.Audit, Outbox: p.Outbox,
	}
	reads := app.Reads{
		Activities:  postgres.NewCachedReadModel(postgres.NewReadModel(p.DB), p.Cache),
		Attachments: attachments,
		Downloads:   p.Objects,
	}
	return app.New(deps, reads, pagination.NewCodec(p.Config.Security.CursorSecret))
}

func newCleanup(store blob.Store, log *zap.Logger) *objects.Cleanup {
	return objects.NewCleanup(store, log.Named("attachment-cleanup"))
}

type cleanupJobParams struct {
	fx.In
	Redis   *redis.Client
	Keys    redisdb.Keyspace
	Cleanup *objects.Cleanup
	// Metrics reports stream_consumer_lag (outbox.Module provides it).
	Metrics *stream.Metrics
}

func newCleanupJob(p cleanupJobParams) *stream.Consumer {
	return objects.NewJob(p.Redis, p.Keys, p.Cleanup, p.Metrics)
}
