package settings_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/settings"
	"github.com/zebralabs/zebra/platform/config"
)

func parse(t *testing.T, env map[string]string) (settings.Config, error) {
	t.Helper()
	var c settings.Config
	err := config.ParseEnv(&c, env)
	return c, err
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := parse(t, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTokenTTL != 15*time.Minute || c.Algorithm != "EdDSA" || c.Argon2MemoryKiB != 19456 ||
		c.Argon2Iterations != 2 || c.Argon2Parallelism != 1 || c.SMTPURL != "smtp://127.0.0.1:1025" {
		t.Fatalf("defaults %+v", c)
	}
	if len(c.Keys()) != 0 {
		t.Fatal("no keys by default")
	}
	if err := c.RefuseInsecure(); err == nil || strings.Count(err.Error(), "\n") != 0 ||
		!strings.HasPrefix(err.Error(), "config: JWT_SIGNING_KEYS: ") {
		t.Fatalf("prod without keys must be refused in one line, got %v", err)
	}
}

func TestKeysParsed(t *testing.T) {
	t.Parallel()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	c, err := parse(t, map[string]string{"JWT_SIGNING_KEYS": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) != 1 || c.RefuseInsecure() != nil {
		t.Fatalf("keys %v", c.Keys())
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"JWT_ALGORITHM": "HS256"}, `config: JWT_ALGORITHM="HS256": must be EdDSA or ES256`},
		{map[string]string{"JWT_SIGNING_KEYS": "secret"}, `config: JWT_SIGNING_KEYS: neither PEM nor JWK JSON`},
		{map[string]string{"ACCESS_TOKEN_TTL": "0s"}, `config: ACCESS_TOKEN_TTL="0s": must be greater than zero`},
		{map[string]string{"OIDC_ISSUER_URL": "https://idp.example"}, `config: OIDC_ISSUER_URL="https://idp.example": OIDC_ISSUER_URL and OIDC_AUDIENCE must be set together`},
		{map[string]string{"SMTP_URL": "http://mailer:hunter2@mail:25"}, `config: SMTP_URL="http://mailer:xxxxx@mail:25": scheme must be smtp or smtps`},
		{map[string]string{"MAIL_FROM": "nobody"}, `config: MAIL_FROM="nobody": not an email address (e.g. Zebra <no-reply@example.com>)`},
		{map[string]string{"APP_BASE_URL": "example.com"}, `config: APP_BASE_URL="example.com": not an http(s) URL`},
		{map[string]string{"ARGON2_MEMORY_KIB": "1024"}, `config: ARGON2_MEMORY_KIB="1024": must be between 8192 (8 MiB) and 4194304 (4 GiB)`},
		{map[string]string{"LOGIN_MAX_FAILURES": "0"}, `config: LOGIN_MAX_FAILURES="0": must be at least 1`},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.env)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v: got %v, want %s", tt.env, err, tt.want)
		}
	}
}

func TestParseSMTP(t *testing.T) {
	t.Parallel()
	s, err := settings.ParseSMTP("smtps://user:p%40ss@mail.example:2465?tls=required")
	if err != nil || s.Host != "mail.example" || s.Port != 2465 || s.Username != "user" || s.Password != "p@ss" || !s.ImplicitTLS || !s.RequireTLS {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = settings.ParseSMTP("smtp://127.0.0.1:1025")
	if err != nil || s.Port != 1025 || s.ImplicitTLS {
		t.Fatalf("%+v %v", s, err)
	}
}
