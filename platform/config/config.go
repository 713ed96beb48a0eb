// Package config parses the process environment into typed structs once,
// at startup (12-factor: environment variables only). caarlos0/env reads
// the `env` and `envDefault` tags, go-playground/validator checks the
// `validate` tags, and a section's Validate method checks the rest; this
// package only names the variable in every error and prints the result
// with its secrets masked. Defaults work on a developer machine with
// Postgres and Redis on localhost; APP_ENV=prod refuses the insecure ones.
package config

import (
	"os"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the platform's configuration. Modules parse their own sections
// with Parse, so adding a module never edits this struct.
type Config struct {
	// Env is "dev", "test" or "prod".
	Env         string `env:"APP_ENV" envDefault:"dev" validate:"oneof=dev test prod"`
	ServiceName string `env:"SERVICE_NAME" envDefault:"zebra"`
	LogLevel    string `env:"LOG_LEVEL" envDefault:"info" validate:"oneof=debug info warn error"`
	// LogFormat is json or console; empty is console in dev, json elsewhere.
	LogFormat string `env:"LOG_FORMAT" validate:"omitempty,oneof=json console"`

	HTTP      HTTP
	Database  Database
	Redis     Redis
	Telemetry Telemetry
	Security  Security
	RateLimit RateLimit
	Jobs      Jobs
	Outbox    Outbox
	Health    Health
}

// HTTP configures the server and its per-request behaviour.
type HTTP struct {
	Addr        string `env:"HTTP_ADDR" envDefault:":8080" validate:"listen"`
	MetricsAddr string `env:"METRICS_ADDR" validate:"omitempty,listen"` // empty: /metrics on HTTP_ADDR
	// PprofAddr serves net/http/pprof on this separate address, for
	// profiling under load; empty (the default) serves no profiles at all.
	// Bind it to localhost or an internal interface only.
	PprofAddr         string        `env:"DEBUG_PPROF_ADDR" validate:"omitempty,listen"`
	ReadHeaderTimeout time.Duration `env:"HTTP_READ_HEADER_TIMEOUT" envDefault:"5s" validate:"gt=0"`
	ReadTimeout       time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"15s" validate:"gt=0"`
	WriteTimeout      time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"30s" validate:"gt=0"`
	IdleTimeout       time.Duration `env:"HTTP_IDLE_TIMEOUT" envDefault:"120s" validate:"gt=0"`
	RequestTimeout    time.Duration `env:"HTTP_REQUEST_TIMEOUT" envDefault:"10s" validate:"gt=0"`
	MaxHeaderBytes    int           `env:"HTTP_MAX_HEADER_BYTES" envDefault:"65536" validate:"gt=0"`
	BodyLimit         int64         `env:"HTTP_BODY_LIMIT" envDefault:"1048576" validate:"gt=0"`
	MaxInFlight       int           `env:"HTTP_MAX_IN_FLIGHT" envDefault:"512" validate:"gt=0"`
	ShutdownTimeout   time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s" validate:"gt=0"`
	// ShutdownDelay is how long readiness answers 503 before the server
	// stops accepting connections, for load balancers to stop sending
	// new requests (a few seconds behind Kubernetes or ECS; 0 locally).
	ShutdownDelay  time.Duration `env:"SHUTDOWN_DELAY" envDefault:"0s" validate:"gte=0"`
	CORSOrigins    []string      `env:"CORS_ALLOWED_ORIGINS" envSeparator:"," validate:"dive,origin"`
	TrustedProxies []string      `env:"TRUSTED_PROXIES" envSeparator:"," validate:"dive,ip|cidr"`
}

// Database configures the PostgreSQL pool.
type Database struct {
	// URL is not tagged secret so `zebra config` shows host and database;
	// its password (userinfo or password= parameter) is masked instead.
	URL string `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/zebra?sslmode=disable" validate:"postgres_url"`
	// MaxOpenConns bounds the connections of the platform's pool and of
	// each module's pool, and, through the pool gate they share, how many
	// statements and transactions a process has in progress at once.
	MaxOpenConns int `env:"DATABASE_MAX_OPEN_CONNS" envDefault:"8" validate:"gt=0"`
	// ModuleMaxOpenConns caps the pools of some modules' database roles
	// below MaxOpenConns, as module:n pairs ("orders:2,billing:4"); a
	// module not listed gets MaxOpenConns.
	ModuleMaxOpenConns map[string]int `env:"DATABASE_MODULE_MAX_OPEN_CONNS"`
	MaxIdleConns       int            `env:"DATABASE_MAX_IDLE_CONNS" envDefault:"8" validate:"gte=0"`
	ConnMaxLifetime    time.Duration  `env:"DATABASE_CONN_MAX_LIFETIME" envDefault:"30m" validate:"gte=0"`
	ConnMaxIdleTime    time.Duration  `env:"DATABASE_CONN_MAX_IDLE_TIME" envDefault:"5m" validate:"gte=0"`
	StatementTimeout   time.Duration  `env:"DATABASE_STATEMENT_TIMEOUT" envDefault:"5s" validate:"gt=0"`
	// AcquireTimeout bounds the wait for a free pooled connection: past
	// it the request answers 503 unavailable instead of queueing until
	// its deadline. 0 waits as long as the request's context allows.
	AcquireTimeout time.Duration `env:"DATABASE_ACQUIRE_TIMEOUT" envDefault:"2s" validate:"gte=0"`
	// ConnectTimeout bounds opening one connection (TCP, TLS, auth), and
	// so how long startup waits for an unreachable server.
	ConnectTimeout time.Duration `env:"DATABASE_CONNECT_TIMEOUT" envDefault:"3s" validate:"gt=0"`
	// CreateIfMissing creates the database when it does not exist (at
	// `zebra schema apply`). Unset, it is true when APP_ENV=dev.
	CreateIfMissing bool `env:"DATABASE_CREATE"`
}

// Redis configures the Redis client. Prefix namespaces every key and
// stream, so tests and several deployments can share one server.
type Redis struct {
	// URL's password is masked when printed, like DATABASE_URL's.
	URL          string        `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0" validate:"redis_url"`
	Prefix       string        `env:"REDIS_PREFIX" envDefault:"zebra:"`
	DialTimeout  time.Duration `env:"REDIS_DIAL_TIMEOUT" envDefault:"1s" validate:"gt=0"`
	ReadTimeout  time.Duration `env:"REDIS_READ_TIMEOUT" envDefault:"500ms" validate:"gt=0"`
	WriteTimeout time.Duration `env:"REDIS_WRITE_TIMEOUT" envDefault:"500ms" validate:"gt=0"`
	PoolSize     int           `env:"REDIS_POOL_SIZE" envDefault:"16" validate:"gt=0"`
}

// Telemetry configures traces. Without an endpoint tracing is a no-op.
type Telemetry struct {
	OTLPEndpoint string  `env:"OTEL_EXPORTER_OTLP_ENDPOINT" validate:"omitempty,http_url"`
	SampleRatio  float64 `env:"OTEL_TRACES_SAMPLER_RATIO" envDefault:"1" validate:"gte=0,lte=1"`
}

// Security holds the platform's own secrets.
type Security struct {
	// CursorSecret signs pagination cursors so clients cannot forge them.
	CursorSecret string `env:"CURSOR_SECRET" envDefault:"dev-insecure-cursor-secret-change-me" secret:"true"`
}

// RateLimit switches rate limiting and sizes the default bucket:
// DefaultRate requests per DefaultWindow. Modules configure the stricter
// buckets of their own routes in their own sections.
type RateLimit struct {
	Enabled       bool          `env:"RATE_LIMIT_ENABLED" envDefault:"true"`
	DefaultRate   int           `env:"RATE_LIMIT_DEFAULT" envDefault:"600" validate:"gt=0"`
	DefaultWindow time.Duration `env:"RATE_LIMIT_DEFAULT_WINDOW" envDefault:"1m" validate:"gt=0"`
}

// Jobs configures where background jobs (outbox relay, consumers,
// cleanups) run.
type Jobs struct {
	// InServe runs them inside `zebra serve` too; turn it off when separate
	// `zebra worker` processes run them.
	InServe bool `env:"JOBS_IN_SERVE" envDefault:"true"`
}

// Outbox configures the relay.
type Outbox struct {
	BatchSize    int           `env:"OUTBOX_BATCH_SIZE" envDefault:"100" validate:"gt=0"`
	PollInterval time.Duration `env:"OUTBOX_POLL_INTERVAL" envDefault:"1s" validate:"gt=0"`
	MaxAttempts  int           `env:"OUTBOX_MAX_ATTEMPTS" envDefault:"10" validate:"gt=0"`
	Retention    time.Duration `env:"OUTBOX_RETENTION" envDefault:"168h" validate:"gt=0"`
}

// Health configures the readiness probe.
type Health struct {
	// CheckTimeout bounds each dependency check of GET /readyz, so a hung
	// dependency answers "unavailable" quickly instead of hanging probes.
	CheckTimeout time.Duration `env:"HEALTH_CHECK_TIMEOUT" envDefault:"1s" validate:"gt=0"`
}

// Load parses and validates the platform configuration from the process
// environment. The error is an *Error: one line per bad variable.
func Load() (Config, error) { return LoadEnv(env.ToMap(os.Environ())) }

// LoadEnv is Load over an explicit environment (tests).
func LoadEnv(environment map[string]string) (Config, error) {
	var c Config
	if err := ParseEnv(&c, environment); err != nil {
		return Config{}, err
	}
	if environment["DATABASE_CREATE"] == "" {
		c.Database.CreateIfMissing = c.Env == EnvDev
	}
	return c, nil
}

// The values of APP_ENV.
const (
	EnvDev  = "dev"
	EnvTest = "test"
	EnvProd = "prod"
)

// IsProd reports whether insecure defaults must be refused.
func (c Config) IsProd() bool { return c.Env == EnvProd }
