// Package accesstoken issues and verifies the API's access tokens: JWTs
// signed with an asymmetric key (EdDSA or ES256) from configuration. The
// first configured key signs; every configured key verifies, so keys can
// rotate without logging anyone out. Keys are looked up by kid in that
// configured set only: jku, x5u and jwk headers are never followed.
package accesstoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// The supported algorithms (JWA names).
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
)

// Key is one configured key. Private is nil for a verify-only key (an old
// public key kept so tokens it signed stay valid until they expire).
type Key struct {
	ID      string
	Alg     string
	Public  crypto.PublicKey
	Private crypto.Signer
}

// Keyset is the configured keys: Keys[0] signs, all verify.
type Keyset struct {
	Alg  string
	Keys []Key
	byID map[string]Key
}

// Signer returns the signing key.
func (s *Keyset) Signer() Key { return s.Keys[0] }

// Lookup returns the key with kid.
func (s *Keyset) Lookup(kid string) (Key, bool) {
	k, ok := s.byID[kid]
	return k, ok
}

// NewKeyset checks keys against alg (each must be of its kind, kids
// unique, the first one private) and indexes them.
func NewKeyset(alg string, keys []Key) (*Keyset, error) {
	if alg != AlgEdDSA && alg != AlgES256 {
		return nil, fmt.Errorf("algorithm %q is not supported (EdDSA or ES256)", alg)
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	if keys[0].Private == nil {
		return nil, errors.New("the first key signs, so it must be a private key")
	}
	s := &Keyset{Alg: alg, Keys: keys, byID: map[string]Key{}}
	for i, k := range keys {
		if k.Alg != alg {
			return nil, fmt.Errorf("key %d (kid %q) is a %s key but JWT_ALGORITHM is %s", i+1, k.ID, k.Alg, alg)
		}
		if _, dup := s.byID[k.ID]; dup {
			return nil, fmt.Errorf("kid %q is used twice", k.ID)
		}
		s.byID[k.ID] = k
	}
	return s, nil
}

// Ephemeral returns a keyset with one fresh key, for tests: tokens die
// with the process.
func Ephemeral(alg string) (*Keyset, error) {
	k, err := generate(alg)
	if err != nil {
		return nil, err
	}
	k.ID = "ephemeral-" + Thumbprint(k.Public)[:16]
	return NewKeyset(alg, []Key{k})
}

// generate returns a fresh private key for alg.
func generate(alg string) (Key, error) {
	switch alg {
	case AlgEdDSA:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Key{}, err
		}
		return Key{Alg: alg, Public: pub, Private: priv}, nil
	case AlgES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return Key{}, err
		}
		return Key{Alg: alg, Public: &priv.PublicKey, Private: priv}, nil
	default:
		return Key{}, fmt.Errorf("algorithm %q is not supported (EdDSA or ES256)", alg)
	}
}

// ParseKeys reads JWT_SIGNING_KEYS: either PEM blocks (PKCS#8 or SEC 1
// private keys, PKIX public keys; an optional "kid" PEM header names the
// key) or JSON (a JWK, an array of JWKs or a JWK Set). A key without kid
// gets its RFC 7638 thumbprint. Literal "\n" sequences are accepted for
// PEM, since many environments cannot hold newlines.
func ParseKeys(s string) ([]Key, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, nil
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
		return parseJWKs(s)
	case strings.Contains(s, "-----BEGIN"):
		if !strings.Contains(s, "\n") {
			s = strings.ReplaceAll(s, `\n`, "\n")
		}
		return parsePEM(s)
	default:
		return nil, errors.New("neither PEM nor JWK JSON")
	}
}

func parsePEM(s string) ([]Key, error) {
	var out []Key
	rest := []byte(s)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		k, err := pemKey(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", len(out)+1, err)
		}
		if kid := strings.TrimSpace(block.Headers["kid"]); kid != "" {
			k.ID = kid
		}
		out = append(out, k)
	}
	if len(out) == 0 || strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("malformed PEM")
	}
	return out, nil
}

func pemKey(b *pem.Block) (Key, error) {
	switch b.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return Key{}, err
		}
		return fromPrivate(k)
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(b.Bytes)
		if err != nil {
			return Key{}, err
		}
		return fromPrivate(k)
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return Key{}, err
		}
		return fromPublic(k)
	default:
		return Key{}, fmt.Errorf("unsupported PEM type %q", b.Type)
	}
}

func fromPrivate(k any) (Key, error) {
	switch p := k.(type) {
	case ed25519.PrivateKey:
		key, err := fromPublic(p.Public())
		key.Private = p
		return key, err
	case *ecdsa.PrivateKey:
		key, err := fromPublic(&p.PublicKey)
		key.Private = p
		return key, err
	default:
		return Key{}, fmt.Errorf("unsupported private key type %T (Ed25519 or P-256)", k)
	}
}

func fromPublic(k any) (Key, error) {
	switch p := k.(type) {
	case ed25519.PublicKey:
		return Key{ID: Thumbprint(p), Alg: AlgEdDSA, Public: p}, nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return Key{}, errors.New("only P-256 EC keys are supported (ES256)")
		}
		return Key{ID: Thumbprint(p), Alg: AlgES256, Public: p}, nil
	default:
		return Key{}, fmt.Errorf("unsupported public key type %T (Ed25519 or P-256)", k)
	}
}

// JWK is a JSON Web Key as read from configuration and served at the
// JWKS endpoint (private members only ever read, never served).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	D   string `json:"d,omitempty"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

func parseJWKs(s string) ([]Key, error) {
	var set struct {
		Keys []JWK `json:"keys"`
	}
	var list []JWK
	switch {
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, fmt.Errorf("JWK array: %w", err)
		}
	case strings.Contains(s, `"keys"`):
		if err := json.Unmarshal([]byte(s), &set); err != nil {
			return nil, fmt.Errorf("JWK set: %w", err)
		}
		list = set.Keys
	default:
		var one JWK
		if err := json.Unmarshal([]byte(s), &one); err != nil {
			return nil, fmt.Errorf("JWK: %w", err)
		}
		list = []JWK{one}
	}
	if len(list) == 0 {
		return nil, errors.New("no keys in JWK JSON")
	}
	out := make([]Key, 0, len(list))
	for i, j := range list {
		k, err := j.key()
		if err != nil {
			return nil, fmt.Errorf("JWK %d: %w", i+1, err)
		}
		out = append(out, k)
	}
	return out, nil
}

func (j JWK) key() (Key, error) {
	var k Key
	switch {
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		x, err := b64(j.X, ed25519.PublicKeySize)
		if err != nil {
			return Key{}, fmt.Errorf("x: %w", err)
		}
		k, _ = fromPublic(ed25519.PublicKey(x))
		if j.D != "" {
			d, err := b64(j.D, ed25519.SeedSize)
			if err != nil {
				return Key{}, fmt.Errorf("d: %w", err)
			}
			priv := ed25519.NewKeyFromSeed(d)
			if !priv.Public().(ed25519.PublicKey).Equal(k.Public) {
				return Key{}, errors.New("d does not match x")
			}
			k.Private = priv
		}
	case j.Kty == "EC" && j.Crv == "P-256":
		x, errX := b64(j.X, 32)
		y, errY := b64(j.Y, 32)
		if errX != nil || errY != nil {
			return Key{}, errors.New("x and y must be 32-byte base64url values")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return Key{}, fmt.Errorf("EC point: %w", err)
		}
		k, _ = fromPublic(pub)
		if j.D != "" {
			d, err := b64(j.D, 32)
			if err != nil {
				return Key{}, fmt.Errorf("d: %w", err)
			}
			priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
			if err != nil {
				return Key{}, fmt.Errorf("d: %w", err)
			}
			if !priv.PublicKey.Equal(pub) {
				return Key{}, errors.New("d does not match x and y")
			}
			k.Private = priv
		}
	default:
		return Key{}, fmt.Errorf("unsupported key kty=%q crv=%q (OKP/Ed25519 or EC/P-256)", j.Kty, j.Crv)
	}
	if j.Alg != "" && j.Alg != k.Alg {
		return Key{}, fmt.Errorf("alg %q does not fit a %s key", j.Alg, k.Alg)
	}
	if j.Kid != "" {
		k.ID = j.Kid
	}
	return k, nil
}

// PublicJWK returns the public JWK of k, as served at the JWKS endpoint.
func PublicJWK(k Key) JWK {
	j := publicMembers(k.Public)
	j.Kid, j.Alg, j.Use = k.ID, k.Alg, "sig"
	return j
}

func publicMembers(pub crypto.PublicKey) JWK {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(p)}
	case *ecdsa.PublicKey:
		raw, _ := p.Bytes() // 0x04 || X || Y for P-256
		return JWK{Kty: "EC", Crv: "P-256",
			X: base64.RawURLEncoding.EncodeToString(raw[1:33]),
			Y: base64.RawURLEncoding.EncodeToString(raw[33:65])}
	default:
		return JWK{}
	}
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public key, the
// default kid: stable for a key, so restarts keep the same kid.
func Thumbprint(pub crypto.PublicKey) string {
	j := publicMembers(pub)
	var canonical string
	switch j.Kty {
	case "OKP":
		canonical = fmt.Sprintf(`{"crv":%q,"kty":%q,"x":%q}`, j.Crv, j.Kty, j.X)
	case "EC":
		canonical = fmt.Sprintf(`{"crv":%q,"kty":%q,"x":%q,"y":%q}`, j.Crv, j.Kty, j.X, j.Y)
	}
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func b64(s string, size int) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(b) != size {
		return nil, fmt.Errorf("want %d bytes, got %d", size, len(b))
	}
	return b, nil
}
