// Package requestid carries the request id through the context so that the
// error envelope, log lines, spans, audit-log events and outbox events written
// by one request all name the same id.
package requestid

import (
	"context"
	"regexp"

	"github.com/zebralabs/zebra/platform/id"
)

// Header is the HTTP header that carries the id in and out.
const Header = "X-Request-Id"

var valid = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// Valid reports whether an inbound id may be kept as is.
func Valid(s string) bool { return valid.MatchString(s) }

// New returns a fresh request id.
func New() string { return id.New().String() }

// OrNew keeps an inbound id when it is valid and replaces it otherwise.
func OrNew(inbound string) string {
	if Valid(inbound) {
		return inbound
	}
	return New()
}

type key struct{}

// With returns a context carrying the request id.
func With(ctx context.Context, rid string) context.Context {
	return context.WithValue(ctx, key{}, rid)
}

// From returns the request id of ctx, or "" outside a request.
func From(ctx context.Context) string {
	s, _ := ctx.Value(key{}).(string)
	return s
}
