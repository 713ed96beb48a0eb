// Package platform assembles the shared kernel every bounded context
// plugs into: configuration, logging, telemetry, PostgreSQL and the unit
// of work, Redis, the HTTP server with its probes, the permission policy,
// the audit-log port, and the platform's own stores and jobs. It holds
// mechanisms only: each context contributes its routes, tags, grants,
// rate-limit rules, schema, configuration, jobs and recorder through the
// packages' value groups, and nothing here names one. The app builds one
// fx application from Module, the contexts, and what the command runs
// (ServeJobs, WorkerJobs, ProbesOnly).
package platform

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/httpclient"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/logging"
	"github.com/zebralabs/zebra/platform/maintenance"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/ratelimit"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/telemetry"
)

// Module provides config.Config (parsed and validated once),
// *zap.Logger, *gorm.DB and *database.UnitOfWork, *redis.Client and
// redisdb.Keyspace, the telemetry registry and tracer provider, the HTTP
// server with /healthz and /readyz, the *auth.Policy of every context's
// grants, the auditlog.Recorder, the read-only maintenance mode (its
// switch, the HTTP server's refusal of mutations, its admin endpoint), the
// platform's stores (schema source, idempotency, rate limiting), and the
// blob.Store of object storage (Disabled when no bucket is configured).
// Contexts consume these and never
// re-provide them. Pools close in OnStop, after the server has drained.
var Module = fx.Module("platform",
	settings,
	fx.Provide(
		newLogger,
		newDatabase,
		database.NewUnitOfWork,
		newRedis,
		func(c config.Config) redisdb.Keyspace { return redisdb.NewKeyspace(c.Redis) },
		newReadiness,
		httpserver.AsRoutes(health.NewRoutes),
	),
	migrate.Module,
	telemetry.Module,
	auth.Module,
	auditlog.Module,
	maintenance.Module,
	httpserver.Module,
	ratelimit.Module,
	outbox.Module,
	blob.Module,
	// After httpserver.Module's invoke, so after the server's hooks: fx
	// runs OnStop hooks in reverse, so readiness turns 503 first, then
	// the server drains in-flight requests.
	fx.Invoke(readinessFailsFirst),
)

// Settings provides the platform's configuration and adds its sections
// ("platform", and those of the platform's own packages) to the "config"
// group, and nothing that connects anywhere: `zebra config` builds an app
// of Settings and the contexts only, so it works with every dependency
// down.
var Settings = fx.Module("platform", settings)

var settings = fx.Options(
	fx.Provide(
		config.Load,
		config.AsSection(func(c config.Config) config.Section { return config.Section{Name: "platform", Value: c} }),
	),
	// Modules with a configuration section of their own. They have no
	// invokes, and fx constructs nothing unless asked: listing them here
	// connects nothing.
	idempotency.Module,
	httpclient.Module,
	blob.Settings,
)

// BuildInfo describes the binary; the app supplies it (the version is
// stamped at link time) and every log line carries it.
type BuildInfo struct {
	Version string
}

// FxLogger is the fx.WithLogger constructor of every zebra command: fx's
// events through zap, problems only.
func FxLogger(log *zap.Logger) fxevent.Logger { return logging.FxLogger(log) }

type loggerParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Build     BuildInfo `optional:"true"`
}

func newLogger(p loggerParams) (*zap.Logger, error) {
	version := p.Build.Version
	if version == "" {
		version = "dev"
	}
	log, err := logging.New(p.Config, zap.String("version", version))
	if err != nil {
		return nil, err
	}
	for _, w := range p.Config.Warnings() {
		log.Warn("configuration: " + w)
	}
	p.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error {
		_ = log.Sync() // stdout may not support fsync; nothing to do about it
		return nil
	}})
	return log, nil
}

type clientParams struct {
	fx.In
	Lifecycle      fx.Lifecycle
	Config         config.Config
	Registerer     prometheus.Registerer
	TracerProvider trace.TracerProvider
}

func newDatabase(p clientParams) (*gorm.DB, error) {
	db, err := database.Open(context.Background(), p.Config.Database,
		database.WithTracerProvider(p.TracerProvider),
		database.WithApplicationName(p.Config.ServiceName))
	if err != nil {
		return nil, err
	}
	if err := database.RegisterMetrics(p.Registerer, db, p.Config.ServiceName); err != nil {
		_ = database.Close(db)
		return nil, err
	}
	p.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error { return database.Close(db) }})
	return db, nil
}

func newRedis(p clientParams, log *zap.Logger) (*redis.Client, error) {
	redisdb.UseLogger(log)
	client, err := redisdb.Open(context.Background(), p.Config.Redis, redisdb.WithTracerProvider(p.TracerProvider))
	if err != nil {
		return nil, err
	}
	p.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error { return client.Close() }})
	return client, nil
}

// newReadiness takes the request pool only to open it at startup, so that
// an unreachable Postgres stops every command that serves with one clear
// line, whatever the contexts plugged in need. Its reports say whether
// the maintenance mode is on.
//
// Packages with a dependency of their own (object storage) add their
// checks through health.AsChecks.
func newReadiness(p readinessParams) (*health.Readiness, error) {
	probe, err := database.OpenProbe(p.Config.Database, p.Config.ServiceName)
	if err != nil {
		return nil, err
	}
	p.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error { return probe.Close() }})
	checks := append([]health.Check{health.Postgres(probe), health.Redis(p.Redis)}, p.Checks...)
	r := health.NewReadiness(p.Logger, p.Config.Health.CheckTimeout, checks...)
	r.ReportMaintenance(p.Mode.Enabled)
	return r, nil
}

type readinessParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Logger    *zap.Logger
	DB        *gorm.DB
	Redis     *redis.Client
	Mode      *maintenance.Switch
	Checks    []health.Check `group:"health_checks"`
}

// readinessFailsFirst appends the hook that marks the replica as shutting
// down. It depends on *http.Server so that it is appended after the
// server's hook and therefore runs before it on stop; then it waits
// SHUTDOWN_DELAY for load balancers to notice before the server stops
// accepting connections.
func readinessFailsFirst(lc fx.Lifecycle, cfg config.Config, log *zap.Logger, r *health.Readiness, _ *http.Server) {
	lc.Append(fx.Hook{OnStop: func(ctx context.Context) error {
		r.ShutDown()
		log.Info("shutting down: readiness answers 503, draining in-flight requests",
			zap.Duration("delay", cfg.HTTP.ShutdownDelay), zap.Duration("timeout", cfg.HTTP.ShutdownTimeout))
		if cfg.HTTP.ShutdownDelay > 0 {
			select {
			case <-time.After(cfg.HTTP.ShutdownDelay):
			case <-ctx.Done():
			}
		}
		return nil
	}})
}

// ModuleRole makes a bounded context's statements run as its own database
// role, which `zebra schema apply` creates with privileges on the
// context's schema only (plus what other owners share with every module):
// a module lists it once in its fx.Module, with its own name,
//
//	platform.ModuleRole("orders")
//
// and, within that module, the *gorm.DB and *database.UnitOfWork it gets
// are a pool of that role (database.ModuleRole), and so is the unit of
// work in which the idempotency middleware runs its routes' handlers.
// Reading another module's table then fails with permission denied
// (docs/adr/0007-module-database-roles.md).
func ModuleRole(module string) fx.Option {
	return fx.Options(
		database.ModuleRole(module),
		fx.Decorate(func(p moduleKeysParams) *idempotency.Keys { return p.Keys.WithUnitOfWork(p.UoW) }),
	)
}

type moduleKeysParams struct {
	fx.In
	Keys *idempotency.Keys `optional:"true"`
	UoW  *database.UnitOfWork
}

type jobsParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Logger    *zap.Logger
	Jobs      []background.Job `group:"jobs"`
}

// ServeJobs runs the background jobs inside `zebra serve` unless
// JOBS_IN_SERVE=false. It is a module of its own so that the app can list
// it before Module: its stop hook is then appended before the HTTP
// server's and runs after it, so jobs stop once requests have drained.
var ServeJobs = fx.Module("jobs", fx.Invoke(func(p jobsParams) {
	if p.Config.Jobs.InServe {
		background.Start(p.Lifecycle, p.Logger, p.Jobs)
	}
}))

// WorkerJobs runs every background job whatever JOBS_IN_SERVE says:
// `zebra worker`. List it before Module, like ServeJobs.
var WorkerJobs = fx.Module("jobs", fx.Invoke(func(p jobsParams) {
	background.Start(p.Lifecycle, p.Logger, p.Jobs)
}))

// ProbesOnly keeps only the platform's probe routes (/healthz, /readyz;
// /metrics is the telemetry module's) on the HTTP server, for `zebra
// worker`: an orchestrator can check a worker, but it serves no API.
var ProbesOnly = fx.Decorate(fx.Annotate(
	func(routes []httpserver.Routes) []httpserver.Routes {
		var kept []httpserver.Routes
		for _, r := range routes {
			if _, ok := r.(*health.Routes); ok {
				kept = append(kept, r)
			}
		}
		return kept
	},
	fx.ParamTags(`group:"routes"`),
	fx.ResultTags(`group:"routes"`),
))
