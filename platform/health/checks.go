package health

import (
	"context"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Postgres is the critical check of the database pool: one round trip
// on a pooled connection (or a new one). It runs a statement rather than
// a ping: database/sql retries a statement on another connection when the
// first turns out to be dead (server restarted, network reset), but not a
// ping, so after an outage every dead idle connection would fail a probe
// and readiness would flap while the server is back.
func Postgres(db *gorm.DB) Check {
	return Check{Name: "postgres", Critical: true, Probe: func(ctx context.Context) error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		_, err = sqlDB.ExecContext(ctx, "SELECT 1")
		return err
	}}
}

// Redis is the non-critical check of the Redis client: PING.
func Redis(client *redis.Client) Check {
	return Check{Name: "redis", Critical: false, Probe: func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}}
}
