package health

import (
	"context"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Postgres is the critical check of the database pool: one round trip
// on a pooled connection. After the server dropped the pool's connections
// (a restart, a failover, a network reset) the first statement on each
// dead idle connection fails, and database/sql retries neither a ping nor
// a statement answered with the server's "terminating connection" error;
// so the probe tries again, on the next connection, as many times as
// there were idle connections, within its timeout. Otherwise readiness
// would flap for several probes while the server is already back.
func Postgres(db *gorm.DB) Check {
	return Check{Name: "postgres", Critical: true, Probe: func(ctx context.Context) error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		attempts := sqlDB.Stats().Idle + 1
		for range attempts {
			if _, err = sqlDB.ExecContext(ctx, "SELECT 1"); err == nil || ctx.Err() != nil {
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
