package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultCursorSecret is the development default of CURSOR_SECRET, refused
// when APP_ENV=prod.
const DefaultCursorSecret = "dev-insecure-cursor-secret-change-me"

// minSecretLen is the shortest signing secret accepted in production.
const minSecretLen = 32

var (
	envs      = []string{EnvDev, EnvTest, EnvProd}
	logLevels = []string{"debug", "info", "warn", "error"}
)

// Validate checks every value for range and format and, when APP_ENV=prod,
// refuses the insecure development defaults. It returns an *Error listing
// every bad variable.
func (c Config) Validate() error {
	var ps problems
	oneOf(&ps, "APP_ENV", c.Env, envs)
	oneOf(&ps, "LOG_LEVEL", c.LogLevel, logLevels)
	if strings.TrimSpace(c.ServiceName) == "" {
		ps.add("SERVICE_NAME", c.ServiceName, "must not be empty")
	}
	c.HTTP.validate(&ps)
	c.Database.validate(&ps)
	c.Redis.validate(&ps)
	c.Telemetry.validate(&ps)
	c.RateLimit.validate(&ps)
	c.Outbox.validate(&ps)
	positive(&ps, "HEALTH_CHECK_TIMEOUT", c.Health.CheckTimeout)
	if c.IsProd() {
		c.refuseInsecure(&ps)
	}
	return ps.err()
}

// refuseInsecure lists what production must not run with.
func (c Config) refuseInsecure(ps *problems) {
	if s := c.Security.CursorSecret; s == DefaultCursorSecret || len(s) < minSecretLen {
		ps.addSecret("CURSOR_SECRET", fmt.Sprintf("the development default, or anything shorter than %d characters, is refused when APP_ENV=prod", minSecretLen))
	}
	if slices.Contains(c.HTTP.CORSOrigins, "*") {
		ps.add("CORS_ALLOWED_ORIGINS", strings.Join(c.HTTP.CORSOrigins, ","), "a wildcard origin is refused when APP_ENV=prod")
	}
	if c.LogLevel == "debug" {
		ps.add("LOG_LEVEL", c.LogLevel, "debug logging is refused when APP_ENV=prod")
	}
}

// Warnings lists risky but legal settings, logged once at startup: a
// database or Redis reached in clear text over the network in production,
// rate limiting switched off in production.
func (c Config) Warnings() []string {
	if !c.IsProd() {
		return nil
	}
	var out []string
	if u, err := url.Parse(c.Database.URL); err == nil && !isLocal(u.Hostname()) {
		if mode := u.Query().Get("sslmode"); mode == "" || mode == "disable" || mode == "allow" || mode == "prefer" {
			out = append(out, fmt.Sprintf("DATABASE_URL: sslmode=%q to the non-local host %s sends data in clear text; use sslmode=verify-full", mode, u.Hostname()))
		}
	}
	if u, err := url.Parse(c.Redis.URL); err == nil && u.Scheme == "redis" && !isLocal(u.Hostname()) {
		out = append(out, fmt.Sprintf("REDIS_URL: redis:// to the non-local host %s is not encrypted; use rediss://", u.Hostname()))
	}
	if !c.RateLimit.Enabled {
		out = append(out, "RATE_LIMIT_ENABLED=false: the API is not rate limited")
	}
	return out
}

func (h HTTP) validate(ps *problems) {
	listenAddr(ps, "HTTP_ADDR", h.Addr)
	if h.MetricsAddr != "" {
		listenAddr(ps, "METRICS_ADDR", h.MetricsAddr)
	}
	if h.PprofAddr != "" {
		listenAddr(ps, "DEBUG_PPROF_ADDR", h.PprofAddr)
	}
	positive(ps, "HTTP_READ_HEADER_TIMEOUT", h.ReadHeaderTimeout)
	positive(ps, "HTTP_READ_TIMEOUT", h.ReadTimeout)
	positive(ps, "HTTP_WRITE_TIMEOUT", h.WriteTimeout)
	positive(ps, "HTTP_IDLE_TIMEOUT", h.IdleTimeout)
	positive(ps, "HTTP_REQUEST_TIMEOUT", h.RequestTimeout)
	positive(ps, "SHUTDOWN_TIMEOUT", h.ShutdownTimeout)
	notNegative(ps, "SHUTDOWN_DELAY", h.ShutdownDelay)
	positive(ps, "HTTP_MAX_HEADER_BYTES", h.MaxHeaderBytes)
	positive(ps, "HTTP_BODY_LIMIT", h.BodyLimit)
	positive(ps, "HTTP_MAX_IN_FLIGHT", h.MaxInFlight)
	for _, o := range h.CORSOrigins {
		if !validOrigin(o) {
			ps.add("CORS_ALLOWED_ORIGINS", strings.Join(h.CORSOrigins, ","), fmt.Sprintf("%q is not an origin (scheme://host[:port], no path) or *", o))
		}
	}
	for _, p := range h.TrustedProxies {
		if !validIPOrPrefix(p) {
			ps.add("TRUSTED_PROXIES", strings.Join(h.TrustedProxies, ","), fmt.Sprintf("%q is not an IP address or CIDR range", p))
		}
	}
}

func (d Database) validate(ps *problems) {
	serverURL(ps, "DATABASE_URL", d.URL, "postgres", "postgresql")
	if u, err := url.Parse(d.URL); err == nil && strings.Trim(u.Path, "/") == "" {
		ps.add("DATABASE_URL", RedactURL(d.URL), "names no database (postgres://user@host:5432/DBNAME)")
	}
	positive(ps, "DATABASE_MAX_OPEN_CONNS", d.MaxOpenConns)
	notNegative(ps, "DATABASE_MAX_IDLE_CONNS", d.MaxIdleConns)
	notNegative(ps, "DATABASE_CONN_MAX_LIFETIME", d.ConnMaxLifetime)
	notNegative(ps, "DATABASE_CONN_MAX_IDLE_TIME", d.ConnMaxIdleTime)
	positive(ps, "DATABASE_STATEMENT_TIMEOUT", d.StatementTimeout)
	notNegative(ps, "DATABASE_ACQUIRE_TIMEOUT", d.AcquireTimeout)
	positive(ps, "DATABASE_CONNECT_TIMEOUT", d.ConnectTimeout)
}

func (r Redis) validate(ps *problems) {
	serverURL(ps, "REDIS_URL", r.URL, "redis", "rediss")
	positive(ps, "REDIS_DIAL_TIMEOUT", r.DialTimeout)
	positive(ps, "REDIS_READ_TIMEOUT", r.ReadTimeout)
	positive(ps, "REDIS_WRITE_TIMEOUT", r.WriteTimeout)
	positive(ps, "REDIS_POOL_SIZE", r.PoolSize)
}

func (t Telemetry) validate(ps *problems) {
	if t.OTLPEndpoint != "" {
		serverURL(ps, "OTEL_EXPORTER_OTLP_ENDPOINT", t.OTLPEndpoint, "http", "https")
	}
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		ps.add("OTEL_TRACES_SAMPLER_RATIO", strconv.FormatFloat(t.SampleRatio, 'g', -1, 64), "must be between 0 and 1")
	}
}

func (r RateLimit) validate(ps *problems) {
	positive(ps, "RATE_LIMIT_DEFAULT", r.DefaultRate)
	positive(ps, "RATE_LIMIT_DEFAULT_WINDOW", r.DefaultWindow)
	positive(ps, "RATE_LIMIT_AUTH", r.AuthRate)
	positive(ps, "RATE_LIMIT_AUTH_WINDOW", r.AuthWindow)
}

func (o Outbox) validate(ps *problems) {
	positive(ps, "OUTBOX_BATCH_SIZE", o.BatchSize)
	positive(ps, "OUTBOX_POLL_INTERVAL", o.PollInterval)
	positive(ps, "OUTBOX_MAX_ATTEMPTS", o.MaxAttempts)
	positive(ps, "OUTBOX_RETENTION", o.Retention)
}

// number is what positive and notNegative check.
type number interface {
	~int | ~int64 | ~float64
}

func show[T number](v T) string {
	if d, ok := any(v).(time.Duration); ok {
		return d.String()
	}
	return fmt.Sprint(v)
}

func positive[T number](ps *problems, key string, v T) {
	if v <= 0 {
		ps.add(key, show(v), "must be greater than zero")
	}
}

func notNegative[T number](ps *problems, key string, v T) {
	if v < 0 {
		ps.add(key, show(v), "must not be negative")
	}
}

func oneOf(ps *problems, key, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		ps.add(key, v, "must be one of "+strings.Join(allowed, ", "))
	}
}

func listenAddr(ps *problems, key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		ps.add(key, addr, "not a listen address (host:port or :port)")
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		ps.add(key, addr, "port must be a number from 0 to 65535")
	}
}

func serverURL(ps *problems, key, raw string, schemes ...string) {
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		ps.add(key, RedactURL(raw), fmt.Sprintf("not a %s:// URL with a host", schemes[0]))
		return
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			ps.add(key, RedactURL(raw), "port must be a number from 1 to 65535")
		}
	}
}

func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func validIPOrPrefix(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

func isLocal(host string) bool {
	if host == "localhost" || host == "" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
