// Package httpapi is the identity context's HTTP adapter: huma operations
// for /v1/auth, /v1/me, /v1/users and /.well-known/jwks.json that decode a
// typed input, call one command or query, and encode a typed output. No
// business rule lives here; permission checks happen in the application
// handlers.
package httpapi

import (
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/modules/identity/internal/app"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/ratelimit"
)

// TagAuth and TagUsers group the operations in the OpenAPI document; the
// module declares them (httpserver.ProvideTag) with their descriptions.
var (
	TagAuth = huma.Tag{
		Name:        "Authentication",
		Description: "Accounts and tokens: sign up, log in, refresh, log out, verify an email, reset a password, the signing keys.",
	}
	TagUsers = huma.Tag{
		Name:        "Users",
		Description: "The caller's own account, and the administration of users (list, roles, deactivation).",
	}
)

// The routes that guard credentials; each gets a strict rate-limit bucket
// of its own (RateLimitRules).
const (
	PathSignup               = "/v1/auth/signup"
	PathLogin                = "/v1/auth/login"
	PathPasswordReset        = "/v1/auth/password-reset"
	PathPasswordResetConfirm = "/v1/auth/password-reset/confirm"
)

// RateLimitRules gives log-in, sign-up and password reset a bucket each of
// limit requests per window, keyed by client IP and failing closed, so
// that neither a flood nor a Redis outage lifts the brute-force
// protection (docs/reliability.md). Both reset routes share one bucket.
func RateLimitRules(limit int, window time.Duration) []ratelimit.Rule {
	bucket := func(name string) ratelimit.Bucket {
		return ratelimit.Bucket{Name: name, Limit: limit, Window: window, FailClosed: true}
	}
	return []ratelimit.Rule{
		{Method: http.MethodPost, Path: PathLogin, Bucket: bucket("login")},
		{Method: http.MethodPost, Path: PathSignup, Bucket: bucket("signup")},
		{Method: http.MethodPost, Path: PathPasswordReset, Bucket: bucket("password-reset")},
		{Method: http.MethodPost, Path: PathPasswordResetConfirm, Bucket: bucket("password-reset")},
	}
}

// KeySet publishes the public signing keys.
type KeySet interface {
	JWKS() []accesstoken.JWK
}

// Routes registers the identity operations.
type Routes struct {
	app  app.Application
	keys KeySet
	idem *idempotency.Keys
}

var _ httpserver.Routes = (*Routes)(nil)

// NewRoutes returns the routes over a; idem may be nil (no
// Idempotency-Key support, e.g. in tests without the platform).
func NewRoutes(a app.Application, keys KeySet, idem *idempotency.Keys) *Routes {
	return &Routes{app: a, keys: keys, idem: idem}
}

// register registers op with Idempotency-Key support when available.
func register[I, O any](r *Routes, api huma.API, op huma.Operation, h func(ctxT, *I) (*O, error)) {
	if r.idem != nil {
		idempotency.Register(api, r.idem, op, h)
		return
	}
	huma.Register(api, op, h)
}

// Register implements httpserver.Routes.
func (r *Routes) Register(api huma.API) {
	r.registerAuth(api)
	r.registerUsers(api)
	huma.Register(api, huma.Operation{
		OperationID: "get-jwks", Method: http.MethodGet, Path: "/.well-known/jwks.json", Tags: []string{TagAuth.Name},
		Summary: "Public signing keys (JWKS)",
		Description: "The public keys that verify access tokens (RFC 7517), selected by the token's `kid`. " +
			"More than one key is listed while keys rotate. No authentication.",
	}, r.jwks)
}

func (r *Routes) registerAuth(api huma.API) {
	register(r, api, huma.Operation{
		OperationID: "sign-up", Method: http.MethodPost, Path: PathSignup, Tags: []string{TagAuth.Name},
		Summary: "Sign up", DefaultStatus: http.StatusCreated,
		Description: "Creates a member account (email trimmed and lower-cased; password 12..128 characters) and " +
			"sends a verification email. Internationalised addresses are welcome; an address with invisible, " +
			"formatting or control characters (zero-width spaces and joiners, bidirectional controls, soft hyphen, " +
			"BOM, Unicode categories Cc, Cf, Z, Co) is `422` on `email`: it would display like another account's. " +
			"An email that is already registered is `409` with `details.reason: email_taken`. No authentication.",
	}, r.signUp)
	huma.Register(api, huma.Operation{
		OperationID: "log-in", Method: http.MethodPost, Path: PathLogin, Tags: []string{TagAuth.Name},
		Summary: "Log in",
		Description: "Exchanges email and password for an access token and a refresh token. A wrong email and a " +
			"wrong password get the same `401`, and so does an email that sign-up would refuse (e.g. with invisible " +
			"characters): it names no account. Repeated failures lock the account and the client IP for a " +
			"while: `429` with `Retry-After`. No authentication. Not idempotent-replayable: responses carry secrets " +
			"and are never stored.",
		Responses: map[string]*huma.Response{
			"401": {Description: "`unauthorized`: wrong email or password (the same answer for both), or a deactivated account."},
			"429": {Description: "Too many failed logins; see Retry-After."},
		},
	}, r.login)
	huma.Register(api, huma.Operation{
		OperationID: "refresh-tokens", Method: http.MethodPost, Path: "/v1/auth/refresh", Tags: []string{TagAuth.Name},
		Summary: "Refresh tokens",
		Description: "Exchanges a refresh token for a new pair; the presented token is spent. Presenting a spent " +
			"refresh token revokes its whole family (every token descended from that login) and answers `401`. " +
			"No authentication.",
		Responses: map[string]*huma.Response{
			"401": {Description: "`unauthorized`: the refresh token is unknown, expired, revoked or already spent."},
		},
	}, r.refresh)
	huma.Register(api, huma.Operation{
		OperationID: "log-out", Method: http.MethodPost, Path: "/v1/auth/logout", Tags: []string{TagAuth.Name},
		Summary: "Log out", DefaultStatus: http.StatusNoContent, Security: httpserver.BearerAuth(),
		Description: "Revokes the refresh token's family. Idempotent: an unknown or already revoked token also " +
			"answers `204`.",
	}, r.logout)
	register(r, api, huma.Operation{
		OperationID: "verify-email", Method: http.MethodPost, Path: "/v1/auth/verify-email", Tags: []string{TagAuth.Name},
		Summary: "Verify an email address", DefaultStatus: http.StatusNoContent,
		Description: "Spends the token of the verification email. A token that is unknown, expired or already used " +
			"is `422` on `token`. No authentication.",
	}, r.verifyEmail)
	register(r, api, huma.Operation{
		OperationID: "request-password-reset", Method: http.MethodPost, Path: PathPasswordReset, Tags: []string{TagAuth.Name},
		Summary: "Request a password reset", DefaultStatus: http.StatusAccepted,
		Description: "Answers `202` whether or not an account has this email; when one does, a reset email is sent. " +
			"An email that sign-up would refuse (e.g. with invisible characters) names no account: `202`, nothing sent. " +
			"No authentication.",
	}, r.requestReset)
	register(r, api, huma.Operation{
		OperationID: "confirm-password-reset", Method: http.MethodPost, Path: PathPasswordResetConfirm, Tags: []string{TagAuth.Name},
		Summary: "Set a new password", DefaultStatus: http.StatusNoContent,
		Description: "Spends the token of the reset email, sets the new password (12..128 characters) and revokes " +
			"every refresh token of the user. An unknown, expired or used token is `422` on `token`. No authentication.",
	}, r.confirmReset)
}

func (r *Routes) registerUsers(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Tags: []string{TagUsers.Name},
		Summary: "The caller", Security: httpserver.BearerAuth(),
		Description: "The authenticated user, with its `ETag`.",
	}, r.me)
	huma.Register(api, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/v1/users", Tags: []string{TagUsers.Name},
		Summary: "List users", Security: httpserver.BearerAuth(),
		Description: "Admins only. A page of users, newest first (keyset pagination: pass `nextCursor` as `cursor`).",
	}, r.list)
	huma.Register(api, huma.Operation{
		OperationID: "get-user", Method: http.MethodGet, Path: "/v1/users/{id}", Tags: []string{TagUsers.Name},
		Summary: "Get a user", Security: httpserver.BearerAuth(),
		Description: "Admins may read any user, others only themselves (anyone else is `404`). Carries the `ETag` " +
			"that `PUT /v1/users/{id}/roles` and `POST /v1/users/{id}/deactivate` need in `If-Match`.",
	}, r.get)
	register(r, api, huma.Operation{
		OperationID: "change-user-roles", Method: http.MethodPut, Path: "/v1/users/{id}/roles", Tags: []string{TagUsers.Name},
		Summary: "Change a user's roles", Security: httpserver.BearerAuth(),
		Description: "Admins only. Replaces the roles. Requires `If-Match` with the user's `ETag` (`428` without, " +
			"`412` when stale). An admin cannot remove their own admin role (`409`, `details.reason: self_demotion`). " +
			"Access tokens carry roles, so the change reaches the user at the next refresh or login.",
	}, r.changeRoles)
	register(r, api, huma.Operation{
		OperationID: "deactivate-user", Method: http.MethodPost, Path: "/v1/users/{id}/deactivate", Tags: []string{TagUsers.Name},
		Summary: "Deactivate a user", Security: httpserver.BearerAuth(),
		Description: "Admins only. The user can no longer log in and its refresh tokens stop working at once; access " +
			"tokens already issued stay valid until they expire (15 minutes by default). Requires `If-Match` " +
			"(`428` without, `412` when stale). Deactivating an inactive user changes nothing. An admin cannot " +
			"deactivate themselves (`409`, `details.reason: self_deactivation`).",
	}, r.deactivate)
}
