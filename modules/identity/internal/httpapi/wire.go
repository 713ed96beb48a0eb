package httpapi

import (
	"net"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/app/query"
	"github.com/zebralabs/zebra/platform/etag"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// User is a user on the wire (docs/api.md): never a password hash or a token.
type User struct {
	ID            string   `json:"id" format:"uuid" doc:"UUIDv7, time-ordered."`
	Email         *string  `json:"email" nullable:"true" format:"email" doc:"Normalized (trimmed, lower-cased). Null only for users provisioned from an external OpenID Connect provider without a usable email."`
	DisplayName   *string  `json:"displayName" nullable:"true" doc:"1..100 characters, or null."`
	Roles         []string `json:"roles" nullable:"false" doc:"Some of member, auditor, admin." example:"[\"member\"]"`
	EmailVerified bool     `json:"emailVerified"`
	Active        bool     `json:"active" doc:"False once deactivated: the user can no longer log in or refresh."`
	CreatedAt     string   `json:"createdAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	UpdatedAt     string   `json:"updatedAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	Version       int      `json:"version" minimum:"1" doc:"Starts at 1, +1 on every change; the ETag is its quoted value."`
}

func userOf(v query.User) User {
	roles := v.Roles
	if roles == nil {
		roles = []string{}
	}
	return User{
		ID: v.ID.String(), Email: v.Email, DisplayName: v.DisplayName, Roles: roles,
		EmailVerified: v.EmailVerified, Active: v.Active,
		CreatedAt: timestamp.Format(v.CreatedAt), UpdatedAt: timestamp.Format(v.UpdatedAt), Version: v.Version,
	}
}

// userOutput is one user with its ETag.
type userOutput struct {
	ETag string `header:"ETag" doc:"The user's version, quoted: send it back in If-Match."`
	Body User
}

func userOutputOf(v query.User) *userOutput {
	return &userOutput{ETag: etag.Format(v.Version), Body: userOf(v)}
}

// createdUserOutput is the answer of sign-up.
type createdUserOutput struct {
	ETag     string `header:"ETag" doc:"The user's version, quoted."`
	Location string `header:"Location" doc:"/v1/users/{id}"`
	Body     User
}

// Tokens is the answer of login and refresh.
type Tokens struct {
	AccessToken  string `json:"accessToken" doc:"JWT (EdDSA or ES256) with kid, iss, aud, sub, exp, iat and roles; send it as Authorization: Bearer."`
	TokenType    string `json:"tokenType" enum:"Bearer"`
	ExpiresIn    int    `json:"expiresIn" doc:"Lifetime of the access token in seconds." example:"900"`
	RefreshToken string `json:"refreshToken" doc:"Opaque, single use: each refresh returns a new one and spends this one. Presenting a spent one revokes the whole session."`
}

// tokensOutput carries the tokens with the caching headers RFC 6749 §5.1
// requires for responses that contain tokens.
type tokensOutput struct {
	CacheControl string `header:"Cache-Control"`
	Pragma       string `header:"Pragma"`
	Body         Tokens
}

func tokensOutputOf(t command.Tokens) *tokensOutput {
	return &tokensOutput{
		CacheControl: "no-store", Pragma: "no-cache",
		Body: Tokens{
			AccessToken: t.AccessToken, TokenType: "Bearer",
			ExpiresIn: int(t.ExpiresIn / time.Second), RefreshToken: t.RefreshToken,
		},
	}
}

// client captures the caller's IP (gin's ClientIP, which honours
// TRUSTED_PROXIES) for throttling and the audit trail. Inputs embed it.
type client struct {
	ip string
}

// Resolve implements huma.Resolver.
func (c *client) Resolve(ctx huma.Context) []error {
	c.ip = clientIP(ctx)
	return nil
}

func clientIP(ctx huma.Context) (ip string) {
	defer func() {
		if recover() != nil {
			ip, _, _ = net.SplitHostPort(ctx.RemoteAddr())
		}
	}()
	return humagin.Unwrap(ctx).ClientIP()
}
