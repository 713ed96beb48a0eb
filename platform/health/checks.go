package health

import (
	"context"

	"database/sql"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
)

// Postgres is the critical check of the database: one round trip on db,
// which should be a small pool of its own (see platform.Module): probing
// through the requests' pool would report a busy replica, whose pool is
// exhausted, as a database that is down, and a load balancer would then
// pull every busy replica at once. After the server dropped the pool's connections
// (a restart, a failover, a network reset) the first statement on each
// dead idle connection fails, and database/sql retries neither a ping nor
// a statement answered with the server's "terminating connection" error;
// so the probe tries again, on the next connection, as many times as
// there were idle connections, within its timeout. Otherwise readiness
// would flap for several probes while the server is already back.
func Postgres(db *sql.DB) Check {
	return Check{Name: "postgres", Critical: true, Probe: func(ctx context.Context) error {
		var err error
		attempts := db.Stats().Idle + 1
		for range attempts {
			if _, err = db.ExecContext(ctx, "SELECT 1"); err == nil || ctx.Err() != nil {
				return err
			}
		}
		return err
	}}
}

// Redis is the non-critical check of the Redis client: PING.
func Redis(client *redis.Client) Check {
	return Check{Name: "redis", Critical: false, Probe: func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}}
}

// AsChecks annotates a constructor returning []Check so that its checks
// join readiness beside Postgres and Redis (the "health_checks" value
// group). A package whose dependency is optional returns none while it is
// off, so /readyz reports only what the service actually uses.
func AsChecks(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"health_checks,flatten"`))
}
