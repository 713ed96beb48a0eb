package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// Leeway is the clock skew tolerated on exp, nbf and iat: small, because
// tokens live 15 minutes.
const Leeway = 30 * time.Second

// Claims are the claims of an access token (RFC 9068 shape: iss, sub,
// aud, exp, iat, jti) plus the user's roles at issue time.
type Claims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles"`
}

// Options configure issuing and verification.
type Options struct {
	Issuer   string
	Audience string
	TTL      time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service signs access tokens with the keyset's first key and verifies
// them against every key of the set.
type Service struct {
	keys     *Keyset
	opts     Options
	parser   *jwt.Parser
	method   jwt.SigningMethod
	verified tokenCache
}

// New returns a token service over keys.
func New(keys *Keyset, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{
		keys: keys,
		opts: opts,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{keys.Alg}),
			jwt.WithIssuer(opts.Issuer),
			jwt.WithAudience(opts.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithTimeFunc(opts.Now),
		),
		method: jwt.GetSigningMethod(keys.Alg),
	}
}

// Issued is a signed access token.
type Issued struct {
	Token     string
	ExpiresIn time.Duration
}

// Issue signs a token for the user with its current roles.
func (s *Service) Issue(userID uuid.UUID, roles []string) (Issued, error) {
	now := s.opts.Now().UTC().Truncate(time.Second)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.opts.Issuer,
			Subject:   userID.String(),
			Audience:  jwt.ClaimStrings{s.opts.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.opts.TTL)),
			ID:        uuid.Must(uuid.NewV7()).String(),
		},
		Roles: roles,
	}
	key := s.keys.Signer()
	t := jwt.NewWithClaims(s.method, claims)
	t.Header["kid"] = key.ID
	signed, err := t.SignedString(key.Private)
	if err != nil {
		return Issued{}, fmt.Errorf("sign access token: %w", err)
	}
	return Issued{Token: signed, ExpiresIn: s.opts.TTL}, nil
}

// Issuer returns the configured iss, which Verify dispatches on.
func (s *Service) Issuer() string { return s.opts.Issuer }

// Verify checks the token's signature with the key named by its kid, its
// algorithm, iss, aud, exp, nbf and iat, and returns the principal. Every
// failure is unauthorized; the reason goes to the cause, for logs only.
//
// A token verified before answers from a bounded cache while its claims'
// validity window (with the same leeway) contains the current time.
func (s *Service) Verify(_ context.Context, raw string) (auth.Principal, error) {
	now := s.opts.Now()
	if p, ok := s.verified.get(raw, now); ok {
		return p, nil
	}
	var claims Claims
	if _, err := s.parser.ParseWithClaims(raw, &claims, s.key); err != nil {
		return auth.Principal{}, unauthorized(err)
	}
	id, err := uuid.Parse(claims.Subject)
	if err != nil {
		return auth.Principal{}, unauthorized(errors.New("sub is not a user id"))
	}
	roles := make([]auth.Role, 0, len(claims.Roles))
	for _, r := range claims.Roles {
		role := auth.Role(r)
		if !role.Valid() {
			return auth.Principal{}, unauthorized(fmt.Errorf("unknown role %q", r))
		}
		roles = append(roles, role)
	}
	p := auth.Principal{UserID: id, Roles: roles}
	from, until := window(claims)
	s.verified.put(raw, p, from, until)
	return p, nil
}

// key is the jwt.Keyfunc: the kid header selects a configured key, and
// nothing else in the header is looked at.
func (s *Service) key(t *jwt.Token) (any, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok || kid == "" {
		return nil, errors.New("token has no kid")
	}
	k, ok := s.keys.Lookup(kid)
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	return k.Public, nil
}

// JWKS returns the public keys, for GET /.well-known/jwks.json.
func (s *Service) JWKS() []JWK {
	out := make([]JWK, 0, len(s.keys.Keys))
	for _, k := range s.keys.Keys {
		out = append(out, PublicJWK(k))
	}
	return out
}

func unauthorized(cause error) error {
	return apperr.Wrap(apperr.CodeUnauthorized, "the access token is invalid or expired", cause)
}
