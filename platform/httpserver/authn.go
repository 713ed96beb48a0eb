package httpserver

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// Limiter is the rate-limit hook, consumed as an optional fx dependency
// and implemented by platform/ratelimit. It runs after authentication, so
// it can key authenticated callers by user and anonymous ones by
// c.ClientIP() (see docs/adr/0003-rate-limit-after-authentication.md).
//
// Limit returns nil to let the request through. To refuse it, it returns an
// error (an *apperr.Error with code rate_limited, or unavailable when it
// fails closed), which the server answers in the envelope. It may set
// headers on c.Writer (RateLimit, RateLimit-Policy, Retry-After) either way.
type Limiter interface {
	Limit(c *gin.Context) error
}

// authenticate turns "Authorization: Bearer <token>" into a principal in
// the request context. No header: the request goes on anonymous, and
// handlers that need a caller answer 401 through auth.Require. A header
// that is not a bearer token, or a token the verifier rejects: 401 here,
// with WWW-Authenticate: Bearer error="invalid_token".
func authenticate(v auth.Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		if header == "" {
			c.Next()
			return
		}
		token, ok := bearerToken(header)
		if !ok || v == nil {
			rejectToken(c, apperr.Unauthorized("the Authorization header must be a bearer access token"))
			return
		}
		p, err := v.Verify(c.Request.Context(), token)
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code != apperr.CodeUnauthorized && e.Code.Status() >= 500 {
				WriteError(c, err) // the verifier could not decide (e.g. JWKS down)
				return
			}
			rejectToken(c, apperr.Wrap(apperr.CodeUnauthorized, "the access token is invalid or expired", err))
			return
		}
		c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

func rejectToken(c *gin.Context, err error) {
	c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
	WriteError(c, err)
}

// bearerToken extracts the token of "Bearer <token>" (scheme
// case-insensitive, RFC 7235).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// rateLimit runs the optional Limiter.
func rateLimit(l Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l == nil {
			c.Next()
			return
		}
		if err := l.Limit(c); err != nil {
			WriteError(c, err)
			return
		}
		c.Next()
	}
}
