package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zebralabs/zebra/platform/config"
)

// Option adjusts Open.
type Option func(*options)

type options struct {
	tracer  trace.TracerProvider
	appName string
}

// WithTracerProvider traces every statement made within a traced
// operation (a request, a worker's round) as a span of tp (the platform's
// provider; the otel global one otherwise), with its text and without the
// values bound to it, which may be personal data.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// WithApplicationName sets application_name, which pg_stat_activity shows
// next to each of our connections.
func WithApplicationName(name string) Option {
	return func(o *options) { o.appName = name }
}

// Open opens the PostgreSQL pool described by cfg and checks, within
// cfg.ConnectTimeout, that the server answers. Every connection runs with
// statement_timeout set (so no statement outlives DATABASE_STATEMENT_TIMEOUT),
// prepares and caches its statements (pgx's default_query_exec_mode
// cache_statement: one round trip per read after the first; set
// default_query_exec_mode=exec in DATABASE_URL behind a transaction-pooling
// PgBouncer), sends google/uuid values as binary uuids, and is traced with
// OpenTelemetry (otelpgx, which records no bound values unless asked). A
// pooled connection whose session the server ended is replaced before
// use (discardEnded), and callers wait at most cfg.AcquireTimeout for a
// connection (poolGate). gorm's own logger is silent: errors are returned,
// and logged once, at the edge.
//
// An unreachable server gives an *UnreachableError whose message is the
// one line an operator needs.
func Open(ctx context.Context, cfg config.Database, opts ...Option) (*gorm.DB, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	var gate *poolGate
	if cfg.AcquireTimeout > 0 {
		gate = newPoolGate(cfg.MaxOpenConns, cfg.AcquireTimeout)
	}
	return open(ctx, &origin{cfg: cfg, opts: o, gate: gate})
}

// open opens the pool that o describes and keeps o among its plugins.
func open(ctx context.Context, o *origin) (*gorm.DB, error) {
	cfg := o.cfg
	pgxCfg, err := pgxConfig(cfg, o.appName())
	if err != nil {
		return nil, err
	}
	if o.role != "" {
		// A startup parameter: the session runs as the role from its
		// first statement, and RESET ROLE (or DISCARD ALL) returns to it.
		pgxCfg.RuntimeParams["role"] = o.role
	}
	pgxCfg.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(o.opts.tracer), otelpgx.WithMeterProvider(noop.NewMeterProvider()))
	sqlDB := stdlib.OpenDB(*pgxCfg,
		stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
			// Without it a uuid.UUID goes through its driver.Valuer string,
			// which pgx fails to encode as binary, then parses back.
			pgxuuid.Register(c.TypeMap())
			return nil
		}),
		stdlib.OptionResetSession(discardEnded))
	sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)

	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB, DSN: Display(pgxCfg)}), &gorm.Config{
		Logger: logger.Discard,
		// The unit of work decides where transactions are; a BEGIN/COMMIT
		// around every single-statement write would triple its round trips.
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	if err := db.Use(o); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("keep the pool's origin: %w", err)
	}
	if o.gate != nil {
		if err := db.Use(o.gate); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("install the pool gate: %w", err)
		}
	}

	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		if o.role != "" {
			return nil, roleError(Display(pgxCfg), o.role, err)
		}
		return nil, connectError(Display(pgxCfg), err)
	}
	return db, nil
}

// OpenProbe returns a pool of one connection, apart from the requests'
// pool, for readiness probes: a replica whose request pool is exhausted
// is busy, not cut off from its database, and must not be reported so.
// It connects lazily; the probe's own timeout bounds every attempt.
func OpenProbe(cfg config.Database, appName string) (*sql.DB, error) {
	pgxCfg, err := pgxConfig(cfg, appName+"-probe")
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*pgxCfg)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	return db, nil
}

// Close closes db's pool, waiting for statements in progress, after the
// pools of module roles opened from it (OpenRole).
func Close(db *gorm.DB) error {
	var errs []error
	if o := originOf(db); o != nil {
		for _, child := range o.takeChildren() {
			errs = append(errs, Close(child))
		}
	}
	sqlDB, err := db.DB()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, sqlDB.Close())...)
}

// pgxConfig parses cfg.URL and applies the pool's session settings.
func pgxConfig(cfg config.Database, appName string) (*pgx.ConnConfig, error) {
	pgxCfg, err := pgx.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL %s: %w", config.RedactURL(cfg.URL), err)
	}
	pgxCfg.ConnectTimeout = cfg.ConnectTimeout
	if pgxCfg.RuntimeParams == nil {
		pgxCfg.RuntimeParams = map[string]string{}
	}
	pgxCfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	pgxCfg.RuntimeParams["timezone"] = "UTC"
	if appName != "" {
		pgxCfg.RuntimeParams["application_name"] = appName
	}
	return pgxCfg, nil
}

// Display renders the server and database of c as a URL without password
// or parameters, e.g. postgres://postgres@127.0.0.1:5432/zebra, for
// messages and logs.
func Display(c *pgx.ConnConfig) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))), Path: "/" + c.Database}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// DisplayURL is Display for a connection string; an unparsable one is
// returned with its password masked.
func DisplayURL(dsn string) string {
	c, err := pgx.ParseConfig(dsn)
	if err != nil {
		return config.RedactURL(dsn)
	}
	return Display(c)
}

// UnreachableError means the server did not answer at all (refused,
// timed out, unknown host): the fix is to start it or correct the URL.
type UnreachableError struct {
	// URL is the server as Display renders it.
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach PostgreSQL at %s (is it running? try: make up)", e.URL)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// connectError turns a failed first ping into a one-line explanation: an
// unreachable server, a missing database, or the server's own refusal.
func connectError(display string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "3D000": // invalid_catalog_name
			return fmt.Errorf("database at %s does not exist (create it and its tables with: zebra schema apply, or make run)", display)
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return fmt.Errorf("PostgreSQL at %s refused the credentials: %s", display, pgErr.Message)
		}
		return fmt.Errorf("PostgreSQL at %s: %s (SQLSTATE %s)", display, pgErr.Message, pgErr.Code)
	}
	return &UnreachableError{URL: display, Err: err}
}
