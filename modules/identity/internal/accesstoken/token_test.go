package accesstoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

const (
	iss = "https://zebra.test"
	aud = "zebra-api"
)

func edPEM(t *testing.T, kid string) (string, ed25519.PrivateKey) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	b := &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	if kid != "" {
		b.Headers = map[string]string{"kid": kid}
	}
	return string(pem.EncodeToMemory(b)), priv
}

func service(t *testing.T, keysEnv, alg string, now func() time.Time) *accesstoken.Service {
	t.Helper()
	keys, err := accesstoken.ParseKeys(keysEnv)
	if err != nil {
		t.Fatal(err)
	}
	set, err := accesstoken.NewKeyset(alg, keys)
	if err != nil {
		t.Fatal(err)
	}
	return accesstoken.New(set, accesstoken.Options{Issuer: iss, Audience: aud, TTL: 15 * time.Minute, Now: now})
}

func TestIssueAndVerify(t *testing.T) {
	t.Parallel()
	p, _ := edPEM(t, "k1")
	s := service(t, p, accesstoken.AlgEdDSA, nil)
	uid := uuid.Must(uuid.NewV7())
	tok, err := s.Issue(uid, []string{"member", "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 15*time.Minute {
		t.Fatalf("expiresIn %v", tok.ExpiresIn)
	}
	got, err := s.Verify(context.Background(), tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != uid || len(got.Roles) != 2 || got.Roles[1] != auth.RoleAdmin {
		t.Fatalf("principal %+v", got)
	}
	header, claims := decode(t, tok.Token)
	for _, c := range []string{"iss", "sub", "aud", "exp", "iat", "roles"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("claim %s missing", c)
		}
	}
	if header["kid"] != "k1" || header["alg"] != "EdDSA" {
		t.Errorf("header %v", header)
	}
}

func TestES256(t *testing.T) {
	t.Parallel()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(priv)
	s := service(t, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), accesstoken.AlgES256, nil)
	tok, err := s.Issue(uuid.Must(uuid.NewV7()), []string{"member"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(context.Background(), tok.Token); err != nil {
		t.Fatal(err)
	}
	jwks := s.JWKS()
	if len(jwks) != 1 || jwks[0].Kty != "EC" || jwks[0].Y == "" || jwks[0].D != "" || jwks[0].Alg != "ES256" {
		t.Fatalf("jwks %+v", jwks)
	}
}

// TestRotation: a token signed by the old key verifies with a keyset where
// a new key signs and the old one only verifies.
func TestRotation(t *testing.T) {
	t.Parallel()
	oldPEM, _ := edPEM(t, "old")
	newPEM, _ := edPEM(t, "new")
	old := service(t, oldPEM, accesstoken.AlgEdDSA, nil)
	tok, _ := old.Issue(uuid.Must(uuid.NewV7()), []string{"member"})

	rotated := service(t, newPEM+oldPEM, accesstoken.AlgEdDSA, nil)
	if _, err := rotated.Verify(context.Background(), tok.Token); err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	fresh, _ := rotated.Issue(uuid.Must(uuid.NewV7()), []string{"member"})
	if h, _ := decode(t, fresh.Token); h["kid"] != "new" {
		t.Fatalf("new tokens must be signed by the first key, got kid %v", h["kid"])
	}
	if len(rotated.JWKS()) != 2 {
		t.Fatal("JWKS must serve both keys")
	}
}

func TestSecurityRejections(t *testing.T) {
	t.Parallel()
	p, priv := edPEM(t, "k1")
	now := time.Now()
	s := service(t, p, accesstoken.AlgEdDSA, func() time.Time { return now })
	uid := uuid.Must(uuid.NewV7()).String()
	good := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": iss, "aud": aud, "sub": uid, "roles": []string{"admin"},
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		}
	}
	sign := func(c jwt.MapClaims, kid string) string {
		t.Helper()
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = kid
		out, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }

	// alg none: unsigned token.
	none := jwt.NewWithClaims(jwt.SigningMethodNone, good())
	none.Header["kid"] = "k1"
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)

	// HS256 keyed with the public key bytes (the classic confusion attack).
	pubDER, _ := x509.MarshalPKIXPublicKey(priv.Public())
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, good())
	hs.Header["kid"] = "k1"
	hsTok, _ := hs.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	hsRaw := jwt.NewWithClaims(jwt.SigningMethodHS256, good())
	hsRaw.Header["kid"] = "k1"
	hsRawTok, _ := hsRaw.SignedString([]byte(priv.Public().(ed25519.PublicKey)))

	// Tampered payload: valid signature over other claims.
	valid := sign(good(), "k1")
	parts := strings.Split(valid, ".")
	evil, _ := json.Marshal(with("roles", []string{"admin", "auditor"}))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(evil) + "." + parts[2]

	// Signed by a key that is not configured, under a configured kid.
	_, stranger := edPEM(t, "")
	strangerTok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, good())
	strangerTok.Header["kid"] = "k1"
	foreign, _ := strangerTok.SignedString(stranger)

	// jku pointing elsewhere must not be followed.
	jku := jwt.NewWithClaims(jwt.SigningMethodEdDSA, good())
	jku.Header["kid"] = "attacker"
	jku.Header["jku"] = "https://attacker.example/jwks.json"
	jkuTok, _ := jku.SignedString(stranger)

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", noneTok},
		{"HS256 with PEM public key", hsTok},
		{"HS256 with raw public key", hsRawTok},
		{"expired", sign(with("exp", now.Add(-time.Minute).Unix()), "k1")},
		{"no exp", sign(without("exp"), "k1")},
		{"not yet valid", sign(with("nbf", now.Add(5*time.Minute).Unix()), "k1")},
		{"issued in the future", sign(with("iat", now.Add(5*time.Minute).Unix()), "k1")},
		{"wrong aud", sign(with("aud", "other-api"), "k1")},
		{"no aud", sign(without("aud"), "k1")},
		{"wrong iss", sign(with("iss", "https://evil.example"), "k1")},
		{"unknown kid", sign(good(), "k2")},
		{"no kid", sign(good(), "")},
		{"tampered payload", tampered},
		{"foreign key under known kid", foreign},
		{"jku header", jkuTok},
		{"sub not a uuid", sign(with("sub", "admin"), "k1")},
		{"unknown role", sign(with("roles", []string{"root"}), "k1")},
		{"garbage", "not.a.jwt"},
		{"empty", ""},
	}
	for _, tt := range tests {
		_, err := s.Verify(context.Background(), tt.token)
		if apperr.CodeOf(err) != apperr.CodeUnauthorized {
			t.Errorf("%s: Verify = %v, want unauthorized", tt.name, err)
		}
	}
	if _, err := s.Verify(context.Background(), valid); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
}

func decode(t *testing.T, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	var h, c map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		t.Fatal("undecodable token")
	}
	return h, c
}
