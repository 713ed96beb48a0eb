// Package verifier turns bearer tokens into principals for the platform's
// auth middleware: the API's own access tokens, and, when configured,
// tokens of one external OpenID Connect issuer. It dispatches on the
// token's iss claim and then verifies fully with that issuer's keys only.
package verifier

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// Verifier implements auth.Verifier.
type Verifier struct {
	local    auth.Verifier
	external *OIDC
}

var _ auth.Verifier = (*Verifier)(nil)

// New returns a verifier of local tokens and, when external is not nil,
// of external ones.
func New(local auth.Verifier, external *OIDC) *Verifier {
	return &Verifier{local: local, external: external}
}

// Verify checks token and returns its principal, or an unauthorized error.
func (v *Verifier) Verify(ctx context.Context, token string) (auth.Principal, error) {
	if v.external != nil && peekIssuer(token) == v.external.Issuer() {
		return v.external.Verify(ctx, token)
	}
	return v.local.Verify(ctx, token)
}

// peekIssuer reads iss from an unverified JWT, only to choose which
// verifier (and so which keys) will check it. It trusts nothing else.
func peekIssuer(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Iss
}

func unauthorized(cause error) error {
	return apperr.Wrap(apperr.CodeUnauthorized, "the access token is invalid or expired", cause)
}
