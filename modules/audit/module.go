package audit

import (
	"fmt"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/audit/internal/app"
	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/httpapi"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/settings"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/pagination"
)

// Module wires the audit context: its configuration (the MAC keys), its schema, its permissions and what
// each role is granted of them, its OpenAPI tag, its routes, the
// auditlog.Recorder every other context records through (contributed to
// the platform port, so they never import this module), the chainer job
// that links recorded events into the hash chain, and the Chain facade.
// The application and its adapters are private. Its statements, the
// chainer's included, run as its own database role; the recorder appends
// in the caller's transaction, as the caller's role, which may insert
// audit events and read none (postgres.Source).
var Module = fx.Module("audit",
	platform.ModuleRole("audit"),
	config.Provide[settings.Config]("audit"),
	fx.Provide(migrate.AsSource(postgres.Source)),
	auth.ProvideGrants(permission.Grants),
	httpserver.ProvideTag(httpapi.Tag),
	fx.Provide(fx.Private, postgres.NewStore, newKeys, newApplication),
	fx.Provide(
		background.AsJob(postgres.NewChainer),
		auditlog.AsRecorder(newRecorder),
		func(a app.Application) Chain { return chain{app: a} },
		httpserver.AsRoutes(httpapi.NewRoutes),
	),
)

// newKeys returns the configured MAC keys, or outside production the
// development key, with a warning. Production without keys never gets
// here: settings.Config.RefuseInsecure stops the start first.
func newKeys(cfg settings.Config, platform config.Config, log *zap.Logger) (*event.Keys, error) {
	if keys := cfg.Keys(); len(keys) > 0 {
		return event.NewKeys(keys...)
	}
	if platform.IsProd() {
		return nil, fmt.Errorf("config: AUDIT_MAC_KEYS: no MAC key configured; APP_ENV=prod refuses to start without one")
	}
	log.Warn("AUDIT_MAC_KEYS is not set: sealing audit events with the public development key, so anyone with database access can forge events that verify (never do this in production)",
		zap.String("kid", settings.DevKey.ID))
	return event.NewKeys(settings.DevKey)
}

func newApplication(uow *database.UnitOfWork, store *postgres.Store, keys *event.Keys, cfg config.Config) app.Application {
	return app.Application{
		Commands: app.Commands{
			RecordEvent: command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, store, keys, time.Now, command.LockAtCommit),
		},
		Queries: app.Queries{
			ListEvents:  query.NewListEventsHandler(store, pagination.NewCodec(cfg.Security.CursorSecret)),
			VerifyChain: query.NewVerifyChainHandler(store, keys),
		},
	}
}

func newRecorder(a app.Application) *command.RecordEventHandler { return a.Commands.RecordEvent }
