package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/maintenance"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/redisdb"
)

// withCommandDB runs fn for a one-off command (`zebra <name>`) with
// DATABASE_URL open under the application name <SERVICE_NAME>-<name>, and
// a context that SIGINT and SIGTERM cancel. The pool is closed when fn
// returns.
func withCommandDB(cfg config.Config, name string, fn func(ctx context.Context, db *gorm.DB) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := database.Open(ctx, cfg.Database, database.WithApplicationName(cfg.ServiceName+"-"+name))
	if err != nil {
		return err
	}
	defer database.Close(db)
	return fn(ctx, db)
}

// assembleOver builds the plugged-in contexts over db for a one-off
// command that calls their facades, and fills targets (as fx.Populate
// does) with what it needs. Commands write through the same use cases,
// permission policy, unit of work, audit-log recorder and outbox as the
// API, and `zebra maintenance` changes the mode through the same audited
// service as the admin endpoint; nothing is started: no HTTP server, no
// background jobs. The
// logger is silent, the metrics go to a registry of their own, and the
// Redis client is built from REDIS_URL but dials only if a use case
// reaches for it. A target no plugged context provides fails with one
// line naming its type.
func assembleOver(cfg config.Config, db *gorm.DB, targets ...any) error {
	app := fx.New(
		fx.NopLogger,
		fx.Supply(cfg, db),
		fx.Provide(
			database.NewUnitOfWork,
			zap.NewNop,
			func() (*redis.Client, error) {
				opts, err := redis.ParseURL(cfg.Redis.URL)
				if err != nil {
					return nil, err
				}
				return redis.NewClient(opts), nil
			},
			func() redisdb.Keyspace { return redisdb.NewKeyspace(cfg.Redis) },
			func() prometheus.Registerer { return prometheus.NewRegistry() },
		),
		outbox.Module,
		auth.Module,
		auditlog.Module,
		maintenance.Module,
		// Object storage as configured (S3_*): a client that connects only
		// when a use case reaches for it, or Disabled.
		blob.Settings,
		blob.Module,
		fx.Options(contexts...),
		fx.Populate(targets...),
	)
	if err := app.Err(); err != nil {
		return fmt.Errorf("assemble the modules: %w", err)
	}
	return nil
}
