package accesstoken_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
)

func TestParseKeysFormats(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	jwk := map[string]string{
		"kty": "OKP", "crv": "Ed25519", "kid": "jwk-1",
		"x": base64.RawURLEncoding.EncodeToString(pub),
		"d": base64.RawURLEncoding.EncodeToString(priv.Seed()),
	}
	one, _ := json.Marshal(jwk)
	set, _ := json.Marshal(map[string]any{"keys": []any{jwk}})

	tests := []struct {
		name    string
		in      string
		wantKid string
		private bool
	}{
		{"pem", pemText, accesstoken.Thumbprint(pub), true},
		{"pem with escaped newlines", strings.ReplaceAll(pemText, "\n", `\n`), accesstoken.Thumbprint(pub), true},
		{"public pem", pubPEM, accesstoken.Thumbprint(pub), false},
		{"jwk", string(one), "jwk-1", true},
		{"jwk set", string(set), "jwk-1", true},
		{"jwk array", "[" + string(one) + "]", "jwk-1", true},
	}
	for _, tt := range tests {
		keys, err := accesstoken.ParseKeys(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(keys) != 1 || keys[0].ID != tt.wantKid || (keys[0].Private != nil) != tt.private || keys[0].Alg != "EdDSA" {
			t.Errorf("%s: got %+v", tt.name, keys)
		}
	}
}

func TestParseKeysRejects(t *testing.T) {
	t.Parallel()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	mismatch, _ := json.Marshal(map[string]string{
		"kty": "OKP", "crv": "Ed25519",
		"x": base64.RawURLEncoding.EncodeToString(pub),
		"d": base64.RawURLEncoding.EncodeToString(other.Seed()),
	})
	tests := []string{
		"just a string",
		"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
		`{"kty":"RSA","n":"x","e":"AQAB"}`,
		string(mismatch),
		`{"keys":[]}`,
	}
	for _, in := range tests {
		if _, err := accesstoken.ParseKeys(in); err == nil {
			t.Errorf("ParseKeys(%.40q) succeeded", in)
		}
	}
}

func TestKeysetRules(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := accesstoken.Key{ID: "a", Alg: "EdDSA", Public: pub, Private: priv}
	verifyOnly := accesstoken.Key{ID: "b", Alg: "EdDSA", Public: pub}
	tests := []struct {
		name string
		alg  string
		keys []accesstoken.Key
		ok   bool
	}{
		{"signer then verify-only", "EdDSA", []accesstoken.Key{signer, verifyOnly}, true},
		{"first must sign", "EdDSA", []accesstoken.Key{verifyOnly, signer}, false},
		{"wrong algorithm", "ES256", []accesstoken.Key{signer}, false},
		{"unsupported algorithm", "RS256", []accesstoken.Key{signer}, false},
		{"duplicate kid", "EdDSA", []accesstoken.Key{signer, signer}, false},
		{"none", "EdDSA", nil, false},
	}
	for _, tt := range tests {
		_, err := accesstoken.NewKeyset(tt.alg, tt.keys)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := accesstoken.Ephemeral("ES256"); err != nil {
		t.Fatal(err)
	}
}
