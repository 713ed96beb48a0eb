package httpclient

import (
	"errors"
	"time"
)

// Config is the outbound client's configuration (HTTP_CLIENT_*), parsed by
// Module with config.Provide and printed by `zebra config`.
type Config struct {
	// ConnectTimeout bounds dialing one connection (TCP connect).
	ConnectTimeout time.Duration `env:"HTTP_CLIENT_CONNECT_TIMEOUT" envDefault:"3s"`
	// TLSHandshakeTimeout bounds the TLS handshake of one connection.
	TLSHandshakeTimeout time.Duration `env:"HTTP_CLIENT_TLS_HANDSHAKE_TIMEOUT" envDefault:"5s"`
	// ResponseHeaderTimeout bounds the wait for the response headers of one
	// attempt, so a server that accepts and never answers costs one attempt.
	ResponseHeaderTimeout time.Duration `env:"HTTP_CLIENT_RESPONSE_HEADER_TIMEOUT" envDefault:"10s"`
	// Timeout bounds a whole call: every attempt, the waits between them
	// and reading the response body.
	Timeout time.Duration `env:"HTTP_CLIENT_TIMEOUT" envDefault:"15s"`
	// MaxRetries is how many times a failed idempotent request is retried.
	MaxRetries int `env:"HTTP_CLIENT_MAX_RETRIES" envDefault:"2"`
	// BackoffBase is the first retry's maximum wait; it doubles each retry.
	BackoffBase time.Duration `env:"HTTP_CLIENT_BACKOFF_BASE" envDefault:"100ms"`
	// BackoffMax caps the wait between two attempts, including a
	// server's Retry-After (a longer one is not waited for).
	BackoffMax time.Duration `env:"HTTP_CLIENT_BACKOFF_MAX" envDefault:"2s"`
}

// Validate implements config.Validator.
func (c Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"HTTP_CLIENT_CONNECT_TIMEOUT", c.ConnectTimeout},
		{"HTTP_CLIENT_TLS_HANDSHAKE_TIMEOUT", c.TLSHandshakeTimeout},
		{"HTTP_CLIENT_RESPONSE_HEADER_TIMEOUT", c.ResponseHeaderTimeout},
		{"HTTP_CLIENT_TIMEOUT", c.Timeout},
		{"HTTP_CLIENT_BACKOFF_BASE", c.BackoffBase},
		{"HTTP_CLIENT_BACKOFF_MAX", c.BackoffMax},
	} {
		if d.v <= 0 {
			errs = append(errs, errors.New(d.name+": must be positive, got "+d.v.String()))
		}
	}
	if c.MaxRetries < 0 || c.MaxRetries > 10 {
		errs = append(errs, errors.New("HTTP_CLIENT_MAX_RETRIES: must be between 0 and 10"))
	}
	return errors.Join(errs...)
}
