package maintenance

import (
	"net/http"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/redisdb"
)

// Module provides the *Switch (also as the HTTP server's
// httpserver.ReadOnlyMode) over the platform's Redis client and keyspace,
// the *Service over the unit of work and the audit-log recorder, the admin
// routes (GET and PUT Path, the PUT spared by read-only mode), and the
// grant of Permission to admins. platform.Module includes it; one-off
// commands include it to run `zebra maintenance`.
var Module = fx.Module("maintenance",
	fx.Provide(
		func(rdb *redis.Client, ks redisdb.Keyspace, log *zap.Logger) *Switch { return NewSwitch(rdb, ks, log) },
		func(s *Switch) httpserver.ReadOnlyMode { return s },
		func(sw *Switch, uow *database.UnitOfWork, rec auditlog.Recorder, log *zap.Logger) *Service {
			return NewService(sw, uow, rec, log, nil)
		},
		httpserver.AsRoutes(NewRoutes),
	),
	auth.ProvideGrants(Grants),
	httpserver.ProvideWritableInReadOnly(httpserver.WritableRoute{Method: http.MethodPut, Path: Path}),
)
