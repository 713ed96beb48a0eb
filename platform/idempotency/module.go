package idempotency

import (
	"go.uber.org/fx"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
)

// Module provides *Keys to every module's routes and contributes the
// cleanup job. platform.Module includes it.
var Module = fx.Module("idempotency",
	config.Provide[Config]("idempotency"),
	fx.Provide(
		func(db *gorm.DB, cfg Config) *Store { return NewStore(db, cfg.Retention, cfg.Lease) },
		func(s *Store, uow *database.UnitOfWork) *Keys { return New(s, uow) },
		background.AsJob(NewCleanupJob),
	),
)
