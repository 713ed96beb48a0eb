// Package settings is the identity context's configuration: signing keys,
// token lifetimes, password hashing cost, the optional external OIDC
// issuer, mail delivery, login throttling and the rate-limit buckets of
// its credential routes. It is parsed from the
// environment with the platform's config.Parse, so bad values are
// reported one per line naming the variable.
package settings

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/platform/config"
)

// Config holds every identity variable. .env.example documents each.
type Config struct {
	// SigningKeys are PEM blocks or JWK JSON; the first signs, all verify.
	SigningKeys string `env:"JWT_SIGNING_KEYS" secret:"true"`
	// Algorithm is EdDSA or ES256; every key must be of that kind.
	Algorithm       string        `env:"JWT_ALGORITHM" envDefault:"EdDSA"`
	Issuer          string        `env:"JWT_ISSUER" envDefault:"http://localhost:8080"`
	Audience        string        `env:"JWT_AUDIENCE" envDefault:"zebra-api"`
	AccessTokenTTL  time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m"`
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h"`

	// Argon2 parameters: OWASP's m=19 MiB, t=2, p=1 by default.
	Argon2MemoryKiB   uint32 `env:"ARGON2_MEMORY_KIB" envDefault:"19456"`
	Argon2Iterations  uint32 `env:"ARGON2_ITERATIONS" envDefault:"2"`
	Argon2Parallelism uint8  `env:"ARGON2_PARALLELISM" envDefault:"1"`
	// Argon2MaxConcurrent bounds simultaneous hashes (memory); 0 = 2 x CPUs.
	Argon2MaxConcurrent int `env:"ARGON2_MAX_CONCURRENT" envDefault:"0"`

	// OIDCIssuerURL and OIDCAudience enable tokens of an external provider.
	OIDCIssuerURL string `env:"OIDC_ISSUER_URL"`
	OIDCAudience  string `env:"OIDC_AUDIENCE"`

	// SMTPURL is smtp://[user:pass@]host:port (STARTTLS when offered) or
	// smtps:// (implicit TLS); ?tls=required makes STARTTLS mandatory. Not
	// tagged secret: `zebra config` and errors mask only its password.
	SMTPURL    string `env:"SMTP_URL" envDefault:"smtp://127.0.0.1:1025"`
	MailFrom   string `env:"MAIL_FROM" envDefault:"Zebra <no-reply@zebra.localhost>"`
	AppBaseURL string `env:"APP_BASE_URL" envDefault:"http://localhost:8080"`

	// MailRetryAfter is how long a mail event whose delivery failed (SMTP
	// down) waits on the stream before it is tried again.
	MailRetryAfter time.Duration `env:"MAIL_RETRY_AFTER" envDefault:"30s"`

	EmailVerificationTTL time.Duration `env:"EMAIL_VERIFICATION_TTL" envDefault:"48h"`
	PasswordResetTTL     time.Duration `env:"PASSWORD_RESET_TTL" envDefault:"1h"`

	// LoginMaxFailures failed logins for one account within LoginLockout
	// lock that account for LoginLockout; LoginMaxFailuresPerIP does the
	// same per client IP.
	LoginMaxFailures      int           `env:"LOGIN_MAX_FAILURES" envDefault:"5"`
	LoginMaxFailuresPerIP int           `env:"LOGIN_MAX_FAILURES_PER_IP" envDefault:"50"`
	LoginLockout          time.Duration `env:"LOGIN_LOCKOUT" envDefault:"15m"`

	// AuthRate requests per AuthWindow and client IP is the rate-limit
	// bucket of each of log-in, sign-up and password reset (the platform's
	// default bucket is RATE_LIMIT_DEFAULT). The names keep the RATE_LIMIT_
	// prefix they had when the platform declared these buckets.
	AuthRate   int           `env:"RATE_LIMIT_AUTH" envDefault:"10" validate:"gt=0"`
	AuthWindow time.Duration `env:"RATE_LIMIT_AUTH_WINDOW" envDefault:"1m" validate:"gt=0"`

	// keys caches the parsed SigningKeys after Validate.
	keys []accesstoken.Key
}

// Keys returns the parsed signing keys (nil when none are configured).
func (c Config) Keys() []accesstoken.Key { return c.keys }

// Validate checks every value and parses the keys, reporting one problem
// per variable. config.Parse calls it.
func (c *Config) Validate() error {
	var ps []config.ProblemError
	bad := func(v, val, reason string) { ps = append(ps, config.ProblemError{Var: v, Value: val, Reason: reason}) }

	if c.Algorithm != accesstoken.AlgEdDSA && c.Algorithm != accesstoken.AlgES256 {
		bad("JWT_ALGORITHM", c.Algorithm, "must be EdDSA or ES256")
	} else if keys, err := accesstoken.ParseKeys(c.SigningKeys); err != nil {
		ps = append(ps, config.ProblemError{Var: "JWT_SIGNING_KEYS", Secret: true, Reason: err.Error()})
	} else if len(keys) > 0 {
		if _, err := accesstoken.NewKeyset(c.Algorithm, keys); err != nil {
			ps = append(ps, config.ProblemError{Var: "JWT_SIGNING_KEYS", Secret: true, Reason: err.Error()})
		}
		c.keys = keys
	}
	if strings.TrimSpace(c.Issuer) == "" {
		bad("JWT_ISSUER", c.Issuer, "must not be empty")
	}
	if strings.TrimSpace(c.Audience) == "" {
		bad("JWT_AUDIENCE", c.Audience, "must not be empty")
	}
	positive := map[string]time.Duration{
		"ACCESS_TOKEN_TTL": c.AccessTokenTTL, "REFRESH_TOKEN_TTL": c.RefreshTokenTTL,
		"EMAIL_VERIFICATION_TTL": c.EmailVerificationTTL, "PASSWORD_RESET_TTL": c.PasswordResetTTL,
		"LOGIN_LOCKOUT": c.LoginLockout, "MAIL_RETRY_AFTER": c.MailRetryAfter,
	}
	for _, name := range []string{"ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "EMAIL_VERIFICATION_TTL", "PASSWORD_RESET_TTL", "LOGIN_LOCKOUT", "MAIL_RETRY_AFTER"} {
		if positive[name] <= 0 {
			bad(name, positive[name].String(), "must be greater than zero")
		}
	}
	if c.AccessTokenTTL > 24*time.Hour {
		bad("ACCESS_TOKEN_TTL", c.AccessTokenTTL.String(), "must be at most 24h (access tokens cannot be revoked)")
	}
	if c.RefreshTokenTTL > 0 && c.RefreshTokenTTL <= c.AccessTokenTTL {
		bad("REFRESH_TOKEN_TTL", c.RefreshTokenTTL.String(), "must be longer than ACCESS_TOKEN_TTL")
	}
	if c.Argon2MemoryKiB < 8*1024 || c.Argon2MemoryKiB > 4*1024*1024 {
		bad("ARGON2_MEMORY_KIB", fmt.Sprint(c.Argon2MemoryKiB), "must be between 8192 (8 MiB) and 4194304 (4 GiB)")
	}
	if c.Argon2Iterations < 1 || c.Argon2Iterations > 100 {
		bad("ARGON2_ITERATIONS", fmt.Sprint(c.Argon2Iterations), "must be between 1 and 100")
	}
	if c.Argon2Parallelism < 1 {
		bad("ARGON2_PARALLELISM", fmt.Sprint(c.Argon2Parallelism), "must be at least 1")
	}
	if c.Argon2MaxConcurrent < 0 {
		bad("ARGON2_MAX_CONCURRENT", fmt.Sprint(c.Argon2MaxConcurrent), "must not be negative")
	}
	if (c.OIDCIssuerURL == "") != (c.OIDCAudience == "") {
		bad("OIDC_ISSUER_URL", c.OIDCIssuerURL, "OIDC_ISSUER_URL and OIDC_AUDIENCE must be set together")
	} else if c.OIDCIssuerURL != "" {
		if u, err := url.Parse(c.OIDCIssuerURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("OIDC_ISSUER_URL", c.OIDCIssuerURL, "not an http(s) URL")
		}
		if c.OIDCIssuerURL == c.Issuer {
			bad("OIDC_ISSUER_URL", c.OIDCIssuerURL, "must differ from JWT_ISSUER")
		}
	}
	if _, err := ParseSMTP(c.SMTPURL); err != nil {
		bad("SMTP_URL", config.RedactURL(c.SMTPURL), err.Error())
	}
	if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
		bad("MAIL_FROM", c.MailFrom, "not an email address (e.g. Zebra <no-reply@example.com>)")
	}
	if u, err := url.Parse(c.AppBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("APP_BASE_URL", c.AppBaseURL, "not an http(s) URL")
	}
	if c.LoginMaxFailures < 1 {
		bad("LOGIN_MAX_FAILURES", fmt.Sprint(c.LoginMaxFailures), "must be at least 1")
	}
	if c.LoginMaxFailuresPerIP < 1 {
		bad("LOGIN_MAX_FAILURES_PER_IP", fmt.Sprint(c.LoginMaxFailuresPerIP), "must be at least 1")
	}
	if len(ps) > 0 {
		return &config.Error{Problems: ps}
	}
	return nil
}

// RefuseInsecure implements config.ProdChecker: production must not run
// on a key that dies with the process (every restart would log everyone
// out, and replicas would reject each other's tokens).
func (c Config) RefuseInsecure() error {
	if strings.TrimSpace(c.SigningKeys) == "" {
		return &config.Error{Problems: []config.ProblemError{{
			Var: "JWT_SIGNING_KEYS", Secret: true,
			Reason: "no signing key configured; APP_ENV=prod refuses to start without one (PEM or JWK, see .env.example)",
		}}}
	}
	return nil
}

// SMTP is a parsed SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps://; otherwise STARTTLS is used when offered, or
	// always when RequireTLS.
	ImplicitTLS bool
	RequireTLS  bool
}

// ParseSMTP parses an SMTP_URL.
func ParseSMTP(raw string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return SMTP{}, fmt.Errorf("not a URL like smtp://host:port")
	}
	s := SMTP{Host: u.Hostname(), Username: u.User.Username()}
	s.Password, _ = u.User.Password()
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.ImplicitTLS = 465, true
	default:
		return SMTP{}, fmt.Errorf("scheme must be smtp or smtps")
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return SMTP{}, fmt.Errorf("bad port %q", p)
		}
		s.Port = port
	}
	switch u.Query().Get("tls") {
	case "", "opportunistic":
	case "required":
		s.RequireTLS = true
	default:
		return SMTP{}, fmt.Errorf("tls must be opportunistic or required")
	}
	return s, nil
}
