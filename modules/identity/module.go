package identity

import (
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/modules/identity/internal/app"
	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/httpapi"
	"github.com/zebralabs/zebra/modules/identity/internal/lockout"
	"github.com/zebralabs/zebra/modules/identity/internal/mailer"
	"github.com/zebralabs/zebra/modules/identity/internal/password"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/modules/identity/internal/postgres"
	"github.com/zebralabs/zebra/modules/identity/internal/settings"
	"github.com/zebralabs/zebra/modules/identity/internal/verifier"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/ratelimit"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Module wires the identity context. It provides publicly the
// auth.Verifier the platform's auth middleware uses and the Accounts
// facade, and contributes its configuration section, schema, permissions
// and grants, OpenAPI tags, routes with their rate-limit rules, and its
// mailer and cleanup jobs; everything else is private to the module. Its
// statements, its jobs' included, run as its own database role.
var Module = fx.Module("identity",
	platform.ModuleRole("identity"),
	config.Provide[settings.Config]("identity"),
	auth.ProvideGrants(permission.Grants),
	httpserver.ProvideTag(httpapi.TagAuth),
	httpserver.ProvideTag(httpapi.TagUsers),
	ratelimit.ProvideRules(func(cfg settings.Config) []ratelimit.Rule {
		return httpapi.RateLimitRules(cfg.AuthRate, cfg.AuthWindow)
	}),
	fx.Provide(
		newKeyset,
		newTokens,
		newHasher,
		newThrottle,
		postgres.NewUsers,
		postgres.NewTokens,
		postgres.NewReadModel,
		postgres.NewDeliveries,
		newApplication,
		newMailer,
		fx.Private,
	),
	fx.Provide(
		fx.Annotate(newVerifier, fx.As(new(auth.Verifier))),
		fx.Annotate(newAccounts, fx.As(new(Accounts))),
		httpserver.AsRoutes(newRoutes),
		httpserver.AsRoutes(newDevPages),
		background.AsJob(newMailerJob),
		background.AsJob(func(db *gorm.DB, log *zap.Logger) *postgres.CleanupJob {
			return postgres.NewCleanupJob(db, time.Hour, log.Named("identity"))
		}),
		migrate.AsSource(func() migrate.Source { return migrate.Embedded("identity") }),
	),
)

// newKeyset loads the configured keys. Without them, development signs
// with a key kept in the user's cache directory (a restart keeps every
// session) and tests with one that dies with the process. Production
// without keys never gets here: settings.Config.RefuseInsecure stops the
// start first.
func newKeyset(cfg settings.Config, platform config.Config, log *zap.Logger) (*accesstoken.Keyset, error) {
	if keys := cfg.Keys(); len(keys) > 0 {
		return accesstoken.NewKeyset(cfg.Algorithm, keys)
	}
	if platform.IsProd() {
		return nil, fmt.Errorf("config: JWT_SIGNING_KEYS: no signing key configured; APP_ENV=prod refuses to start without one")
	}
	if platform.Env == config.EnvDev {
		file, err := accesstoken.DevKeyFile(cfg.Algorithm)
		if err == nil {
			var set *accesstoken.Keyset
			if set, err = accesstoken.DevKeyset(cfg.Algorithm, file); err == nil {
				log.Info("JWT_SIGNING_KEYS is not set: signing access tokens with the development key kept in "+file+" (never do this in production)",
					zap.String("kid", set.Signer().ID), zap.String("alg", cfg.Algorithm))
				return set, nil
			}
		}
		log.Warn("cannot keep a development signing key; falling back to an ephemeral one", zap.Error(err))
	}
	set, err := accesstoken.Ephemeral(cfg.Algorithm)
	if err != nil {
		return nil, err
	}
	log.Warn("JWT_SIGNING_KEYS is not set: signing access tokens with an ephemeral key; tokens die with this process and other replicas reject them (never do this in production)",
		zap.String("kid", set.Signer().ID), zap.String("alg", cfg.Algorithm))
	return set, nil
}

func newTokens(cfg settings.Config, keys *accesstoken.Keyset) *accesstoken.Service {
	return accesstoken.New(keys, accesstoken.Options{Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.AccessTokenTTL})
}

func newHasher(cfg settings.Config) (*password.Hasher, error) {
	return password.New(password.Params{
		MemoryKiB: cfg.Argon2MemoryKiB, Iterations: cfg.Argon2Iterations, Parallelism: cfg.Argon2Parallelism,
	}, cfg.Argon2MaxConcurrent)
}

func newThrottle(cfg settings.Config, rdb *redis.Client, ks redisdb.Keyspace) *lockout.Throttle {
	return lockout.New(rdb, ks, lockout.Limits{
		MaxPerAccount: cfg.LoginMaxFailures, MaxPerIP: cfg.LoginMaxFailuresPerIP, Lockout: cfg.LoginLockout,
	})
}

// issuer adapts the token service to the application's port.
type issuer struct{ s *accesstoken.Service }

func (i issuer) Issue(id uuid.UUID, roles []string) (string, time.Duration, error) {
	t, err := i.s.Issue(id, roles)
	return t.Token, t.ExpiresIn, err
}

type appParams struct {
	fx.In
	Config   settings.Config
	Platform config.Config
	UoW      *database.UnitOfWork
	Users    *postgres.Users
	Tokens   *postgres.Tokens
	Read     *postgres.ReadModel
	Hasher   *password.Hasher
	Access   *accesstoken.Service
	Throttle *lockout.Throttle
	Audit    auditlog.Recorder
	Outbox   outbox.Publisher
}

func newApplication(p appParams) app.Application {
	deps := command.Deps{
		UoW: p.UoW, Users: p.Users, External: p.Users, Refresh: p.Tokens, OneTime: p.Tokens,
		Hasher: p.Hasher, Tokens: issuer{p.Access}, Throttle: p.Throttle, Audit: p.Audit, Outbox: p.Outbox,
		Policy: command.Policy{
			RefreshTTL: p.Config.RefreshTokenTTL, VerificationTTL: p.Config.EmailVerificationTTL,
			PasswordResetTTL: p.Config.PasswordResetTTL,
		},
	}
	return app.New(deps, p.Read, pagination.NewCodec(p.Platform.Security.CursorSecret))
}

// newVerifier fetches the OIDC issuer's discovery document and JWKS
// through the platform's outbound client (timeouts, retries, tracing).
func newVerifier(cfg settings.Config, a app.Application, local *accesstoken.Service, hc *http.Client) *verifier.Verifier {
	var external *verifier.OIDC
	if cfg.OIDCIssuerURL != "" {
		external = verifier.NewOIDC(cfg.OIDCIssuerURL, cfg.OIDCAudience, hc, a.Commands.ProvisionExternal)
	}
	return verifier.New(local, external)
}

func newAccounts(a app.Application) accounts { return accounts{ensure: a.Commands.EnsureUser} }

type routesParams struct {
	fx.In
	App  app.Application
	Keys *accesstoken.Service
	Idem *idempotency.Keys `optional:"true"`
}

func newRoutes(p routesParams) *httpapi.Routes { return httpapi.NewRoutes(p.App, p.Keys, p.Idem) }

// newDevPages serves the pages the mailed links open, in development only
// (see httpapi.RegisterDevPages): elsewhere APP_BASE_URL is the web app.
func newDevPages(platform config.Config) httpserver.Routes {
	if platform.Env != config.EnvDev {
		return httpserver.RoutesFunc(func(huma.API) {})
	}
	return httpserver.RoutesFunc(httpapi.RegisterDevPages)
}

func newMailer(cfg settings.Config, a app.Application, d *postgres.Deliveries, log *zap.Logger) (*mailer.Mailer, error) {
	smtp, err := settings.ParseSMTP(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	return mailer.New(a.Commands.IssueMailToken, d, mailer.NewSMTP(smtp, cfg.MailFrom),
		mailer.Options{BaseURL: cfg.AppBaseURL}, log.Named("mailer")), nil
}

type jobParams struct {
	fx.In
	Config settings.Config
	Redis  *redis.Client
	Keys   redisdb.Keyspace
	Mailer *mailer.Mailer
	// Metrics reports stream_consumer_lag; outbox.Module (in
	// platform.Module) provides it. Required, so that an assembly without
	// it fails instead of silently dropping the metric.
	Metrics *stream.Metrics
}

func newMailerJob(p jobParams) *stream.Consumer {
	return mailer.NewJob(p.Redis, mailer.ConsumerConfig(p.Keys, p.Config.MailRetryAfter), p.Mailer, p.Metrics)
}
