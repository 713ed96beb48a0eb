package activities

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/httpapi"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/cache"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/redisdb"
)

// Module wires the activities context: its database role, its schema, its
// permissions and what each role is granted of them, its OpenAPI tag, its
// routes and the Activities facade. It consumes the platform (database,
// unit of work, Redis, telemetry) and the audit-log and outbox ports, and
// provides nothing else: the application and its adapters are private.
// Its statements run as its own database role, which may use the
// activities schema and no other module's tables.
var Module = fx.Module("activities",
	platform.ModuleRole("activities"),
	fx.Provide(migrate.AsSource(postgres.SchemaSource)),
	auth.ProvideGrants(permission.Grants),
	httpserver.ProvideTag(httpapi.Tag),
	fx.Provide(fx.Private, newCache, newApplication),
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
}

func newApplication(p appParams) app.Application {
	deps := command.Deps{
		UoW: p.UoW, Activities: postgres.NewRepository(p.DB, p.Cache), Audit: p.Audit, Outbox: p.Outbox,
	}
	read := postgres.NewCachedReadModel(postgres.NewReadModel(p.DB), p.Cache)
	return app.New(deps, read, pagination.NewCodec(p.Config.Security.CursorSecret))
}
