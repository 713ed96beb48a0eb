package audit

import (
	"time"

	"go.uber.org/fx"

	"github.com/zebralabs/zebra/modules/audit/internal/app"
	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/httpapi"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/pagination"
)

// Module wires the audit context: its schema, its permissions and what
// each role is granted of them, its OpenAPI tag, its routes, the
// auditlog.Recorder every other context records through (contributed to
// the platform port, so they never import this module), the chainer job
// that links recorded events into the hash chain, and the Chain facade.
// The application and its adapters are private.
var Module = fx.Module("audit",
	fx.Provide(migrate.AsSource(postgres.Source)),
	auth.ProvideGrants(permission.Grants),
	httpserver.ProvideTag(httpapi.Tag),
	fx.Provide(fx.Private, postgres.NewStore, newApplication),
	fx.Provide(
		background.AsJob(postgres.NewChainer),
		auditlog.AsRecorder(newRecorder),
		func(a app.Application) Chain { return chain{app: a} },
		httpserver.AsRoutes(httpapi.NewRoutes),
	),
)

func newApplication(uow *database.UnitOfWork, store *postgres.Store, cfg config.Config) app.Application {
	return app.Application{
		Commands: app.Commands{
			RecordEvent: command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, store, time.Now, command.LockAtCommit),
		},
		Queries: app.Queries{
			ListEvents:  query.NewListEventsHandler(store, pagination.NewCodec(cfg.Security.CursorSecret)),
			VerifyChain: query.NewVerifyChainHandler(store),
		},
	}
}

func newRecorder(a app.Application) *command.RecordEventHandler { return a.Commands.RecordEvent }
