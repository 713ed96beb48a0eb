package health

import (
	"context"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Postgres is the critical check of the database pool: a ping, which
// takes a pooled connection (or opens one) and does a round trip.
func Postgres(db *gorm.DB) Check {
	return Check{Name: "postgres", Critical: true, Probe: func(ctx context.Context) error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		return sqlDB.PingContext(ctx)
	}}
}

// Redis is the non-critical check of the Redis client: PING.
func Redis(client *redis.Client) Check {
	return Check{Name: "redis", Critical: false, Probe: func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}}
}
