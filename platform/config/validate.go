package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

// checks are the `validate` tags this package adds to validator's own.
var checks = map[string]func(string) bool{
	"listen":       listenAddr,
	"origin":       origin,
	"postgres_url": postgresURL,
	"redis_url":    redisURL,
}

// reasons say what a failed `validate` tag means; {} stands for its
// parameter.
var reasons = map[string]string{
	"gt":           "must be greater than {}",
	"gte":          "must be at least {}",
	"lte":          "must be at most {}",
	"oneof":        "must be one of {}",
	"required":     "must be set",
	"http_url":     "not an http:// or https:// URL with a host",
	"ip|cidr":      "not an IP address or CIDR range",
	"listen":       "not a listen address (host:port or :port, port 0 to 65535)",
	"origin":       "not an origin (scheme://host[:port], no path) or *",
	"postgres_url": "not a postgres:// URL with a host and a database (postgres://user@host:5432/DBNAME)",
	"redis_url":    "not a redis:// or rediss:// URL with a host",
}

var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	for tag, ok := range checks {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }); err != nil {
			panic(err) // only for an empty tag or a nil function
		}
	}
	return v
})

// tagProblems checks v's `validate` tags, one ProblemError per bad variable.
func tagProblems(v any, fs []field) problems {
	err := validate().Struct(v)
	var fes validator.ValidationErrors
	if !errors.As(err, &fes) {
		if err != nil {
			return problems{{Reason: err.Error()}}
		}
		return nil
	}
	byPath := map[string]field{}
	for _, f := range fs {
		byPath[f.path] = f
	}
	var ps problems
	for _, fe := range fes {
		_, path, _ := strings.Cut(fe.StructNamespace(), ".") // drop the struct's own name
		path, _, element := strings.Cut(path, "[")           // an element of a list (dive)
		f, reason := byPath[path], reason(fe)
		if element {
			reason = fmt.Sprintf("%q: %s", fe.Value(), reason)
		}
		ps = append(ps, ProblemError{Var: f.key, Value: f.shown(), Secret: f.secret(), Reason: reason})
	}
	return ps
}

func reason(fe validator.FieldError) string {
	r, ok := reasons[fe.Tag()]
	if !ok {
		r = "fails the check " + fe.Tag()
	}
	return strings.ReplaceAll(r, "{}", strings.ReplaceAll(fe.Param(), " ", ", "))
}

func listenAddr(s string) bool {
	_, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	return err == nil && perr == nil && n >= 0 && n <= 65535
}

func origin(s string) bool {
	u, err := url.Parse(s)
	return s == "*" || err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func postgresURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") && u.Host != "" && strings.Trim(u.Path, "/") != ""
}

func redisURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "redis" || u.Scheme == "rediss") && u.Host != ""
}

// DefaultCursorSecret is the development default of CURSOR_SECRET, refused
// when APP_ENV=prod.
const DefaultCursorSecret = "dev-insecure-cursor-secret-change-me"

// minSecretLen is the shortest signing secret accepted in production.
const minSecretLen = 32

// Validate refuses, when APP_ENV=prod, the insecure development defaults.
// The `validate` tags check everything else.
func (c Config) Validate() error {
	if !c.IsProd() {
		return nil
	}
	var ps problems
	if s := c.Security.CursorSecret; s == DefaultCursorSecret || len(s) < minSecretLen {
		ps = append(ps, ProblemError{Var: "CURSOR_SECRET", Secret: true, Reason: fmt.Sprintf("the development default, or anything shorter than %d characters, is refused when APP_ENV=prod", minSecretLen)})
	}
	if slices.Contains(c.HTTP.CORSOrigins, "*") {
		ps = append(ps, ProblemError{Var: "CORS_ALLOWED_ORIGINS", Value: strings.Join(c.HTTP.CORSOrigins, ","), Reason: "a wildcard origin is refused when APP_ENV=prod"})
	}
	if c.LogLevel == "debug" {
		ps = append(ps, ProblemError{Var: "LOG_LEVEL", Value: c.LogLevel, Reason: "debug logging is refused when APP_ENV=prod"})
	}
	return ps.err()
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

func isLocal(host string) bool {
	ip, err := netip.ParseAddr(host)
	return host == "localhost" || host == "" || err == nil && ip.IsLoopback()
}
