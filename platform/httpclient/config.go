package httpclient

import "time"

// Config is the outbound client's configuration (HTTP_CLIENT_*), parsed by
// Module with config.Provide and printed by `zebra config`.
type Config struct {
	// ConnectTimeout bounds dialing one connection (TCP connect).
	ConnectTimeout time.Duration `env:"HTTP_CLIENT_CONNECT_TIMEOUT" envDefault:"3s" validate:"gt=0"`
	// TLSHandshakeTimeout bounds the TLS handshake of one connection.
	TLSHandshakeTimeout time.Duration `env:"HTTP_CLIENT_TLS_HANDSHAKE_TIMEOUT" envDefault:"5s" validate:"gt=0"`
	// ResponseHeaderTimeout bounds the wait for the response headers of one
	// attempt, so a server that accepts and never answers costs one attempt.
	ResponseHeaderTimeout time.Duration `env:"HTTP_CLIENT_RESPONSE_HEADER_TIMEOUT" envDefault:"10s" validate:"gt=0"`
	// Timeout bounds a whole call: every attempt, the waits between them
	// and reading the response body.
	Timeout time.Duration `env:"HTTP_CLIENT_TIMEOUT" envDefault:"15s" validate:"gt=0"`
	// MaxRetries is how many times a failed idempotent request is retried.
	MaxRetries int `env:"HTTP_CLIENT_MAX_RETRIES" envDefault:"2" validate:"gte=0,lte=10"`
	// BackoffBase is the first retry's maximum wait; it doubles each retry.
	BackoffBase time.Duration `env:"HTTP_CLIENT_BACKOFF_BASE" envDefault:"100ms" validate:"gt=0"`
	// BackoffMax caps the wait between two attempts, including a
	// server's Retry-After (a longer one is not waited for).
	BackoffMax time.Duration `env:"HTTP_CLIENT_BACKOFF_MAX" envDefault:"2s" validate:"gt=0"`
}
