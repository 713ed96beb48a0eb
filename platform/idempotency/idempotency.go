// Package idempotency implements docs/api.md's Idempotency-Key for unsafe
// operations, following brandur's "Stripe-like idempotency keys in
// Postgres": the first request with a key inserts a "started" record (in a
// statement committed at once, so concurrent duplicates see it), runs the
// handler inside one unit of work, and records the response in that same
// transaction, so the side effect and its record commit together or not at
// all. Later requests with the key replay the recorded response.
//
// A route opts in with one line, by registering through Register instead
// of huma.Register (or by wrapping its operation with Wrap):
//
//	idempotency.Register(api, keys, huma.Operation{...}, h.create)
package idempotency

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// The headers of docs/api.md.
const (
	// Header carries the client's key.
	Header = "Idempotency-Key"
	// ReplayedHeader is "true" on a replayed response.
	ReplayedHeader = "Idempotent-Replayed"
)

// Config configures the keys (IDEMPOTENCY_* variables).
type Config struct {
	// Retention is how long an outcome is replayed (docs/api.md: 24 h).
	Retention time.Duration `env:"IDEMPOTENCY_RETENTION" envDefault:"24h"`
	// Lease is how long a started request may run before a retry may take
	// its key over (its replica presumably died). Keep it above the
	// request timeout.
	Lease time.Duration `env:"IDEMPOTENCY_LEASE" envDefault:"1m"`
	// CleanupInterval is how often expired outcomes are deleted.
	CleanupInterval time.Duration `env:"IDEMPOTENCY_CLEANUP_INTERVAL" envDefault:"10m"`
}

// UnitOfWork runs fn in one transaction carried by ctx
// (*database.UnitOfWork).
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Keys is the idempotency middleware shared by every route that opts in.
type Keys struct {
	store *Store
	uow   UnitOfWork
}

// New returns the middleware over store, running handlers in uow.
func New(store *Store, uow UnitOfWork) *Keys { return &Keys{store: store, uow: uow} }

// WithUnitOfWork returns the middleware over the same store running
// handlers in uow: a module's routes run in the module's unit of work, so
// that their transaction begins as the module's database role
// (platform.ModuleRole). The claim and its release stay on the store's
// pool; the outcome is recorded in the handler's transaction. A nil k
// stays nil.
func (k *Keys) WithUnitOfWork(uow UnitOfWork) *Keys {
	if k == nil {
		return nil
	}
	return &Keys{store: k.store, uow: uow}
}

// Register registers op like huma.Register, with idempotency keys.
func Register[I, O any](api huma.API, k *Keys, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	huma.Register(api, k.Wrap(api, op), handler)
}

// Wrap returns op with the middleware added and the Idempotency-Key
// header, the Idempotent-Replayed response header and the 409/422 key
// errors documented.
func (k *Keys) Wrap(api huma.API, op huma.Operation) huma.Operation {
	op.Middlewares = append(op.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		k.serve(api, ctx, next)
	})
	document(&op)
	return op
}

// errRollback ends a unit of work whose response must not commit.
var errRollback = errors.New("idempotency: response not stored")

func (k *Keys) serve(api huma.API, ctx huma.Context, next func(huma.Context)) {
	raw, present := header(ctx)
	if !present || anonymousOnSecured(ctx) {
		// Without a key there is nothing to remember; without the
		// credential a secured operation needs, the handler answers 401
		// and no key of some other anonymous caller may decide otherwise.
		next(ctx)
		return
	}
	key, err := ParseKey(raw)
	if err != nil {
		writeError(api, ctx, err)
		return
	}
	body, err := readBody(ctx)
	if err != nil {
		writeError(api, ctx, err)
		return
	}
	u := ctx.URL()
	fp := Fingerprint(ctx.Method(), u.RequestURI(), body)
	scope := scopeOf(ctx)
	state, recorded, err := k.store.Claim(ctx.Context(), scope, key, fp)
	switch {
	case err != nil:
		writeError(api, ctx, err)
	case state == Completed:
		replay(ctx, recorded)
	case state == InFlight:
		writeError(api, ctx, apperr.New(apperr.CodeIdempotencyKeyInUse, "a request with this Idempotency-Key is still being processed; retry later"))
	case state == Reused:
		writeError(api, ctx, apperr.New(apperr.CodeIdempotencyKeyReused, "this Idempotency-Key was used for a different request; use a new key"))
	default:
		k.run(api, ctx, next, scope, key, body)
	}
}

// run executes the claimed request in a unit of work that also records
// its outcome, then answers the client.
func (k *Keys) run(api huma.API, ctx huma.Context, next func(huma.Context), scope, key string, body []byte) {
	// Whatever happens below, the claim must not outlive the request
	// unresolved: a panic or an unstored outcome releases it.
	background := context.WithoutCancel(ctx.Context())
	resolved := false
	defer func() {
		if !resolved {
			_ = k.store.Release(background, scope, key)
		}
	}()
	var c *capture
	err := k.uow.Do(ctx.Context(), func(txCtx context.Context) error {
		c = newCapture(ctx, txCtx, body)
		next(c)
		resp := c.response()
		if resp.Status >= 400 {
			return errRollback // no side effect of a failed request may commit
		}
		return k.store.Complete(txCtx, scope, key, resp)
	})
	switch {
	case err == nil:
		resolved = true
	case errors.Is(err, errRollback) && storable(c.response().Status):
		// A 4xx: nothing happened, and the same request would fail the same
		// way, so record it outside the rolled-back transaction.
		resolved = k.store.Complete(background, scope, key, c.response()) == nil
	case errors.Is(err, errRollback):
		// 5xx or 429: not stored, the client may retry with the same key.
	default:
		// The commit (or the recording) failed: the side effect did not
		// happen, so the handler's answer must not be sent.
		writeError(api, ctx, err)
		return
	}
	c.flush(ctx)
}

// storable reports whether an outcome with status is recorded: everything
// but 5xx and 429 (docs/api.md, Decided questions).
func storable(status int) bool {
	return status < 500 && status != http.StatusTooManyRequests
}

// anonymousOnSecured reports a request without a principal to an
// operation that declares security.
func anonymousOnSecured(ctx huma.Context) bool {
	op := ctx.Operation()
	if op == nil || len(op.Security) == 0 {
		return false
	}
	_, ok := auth.FromContext(ctx.Context())
	return !ok
}
