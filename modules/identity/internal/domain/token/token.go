// Package token holds the opaque tokens of the identity context: refresh
// tokens, which rotate on every use inside a family that is revoked as a
// whole when a spent token comes back, and one-time tokens that prove
// control of a mailbox (email verification, password reset). Tokens are
// random secrets; only their SHA-256 hashes are ever stored.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// SecretBytes is the entropy of every secret: 256 bits, far beyond
// guessing, so a fast hash (SHA-256) is enough at rest.
const SecretBytes = 32

// Errors of the token rules.
var (
	// ErrInvalid covers an unknown, expired or already used token without
	// saying which, so callers cannot probe.
	ErrInvalid = errors.New("token is invalid or expired")
	// ErrReused means a spent refresh token was presented again: its family
	// has been revoked.
	ErrReused = errors.New("refresh token was already used; its family is revoked")
	// ErrRevoked means the family was revoked (logout, reuse, reset, deactivation).
	ErrRevoked = errors.New("refresh token family is revoked")
	// ErrExpired means the refresh token outlived its lifetime.
	ErrExpired = errors.New("refresh token expired")
)

// Hash is the SHA-256 of a secret, the only form stored.
type Hash [sha256.Size]byte

// HashOf hashes a secret as presented by a client.
func HashOf(secret string) Hash { return sha256.Sum256([]byte(secret)) }

// NewSecret returns a fresh URL-safe secret and its hash.
func NewSecret() (string, Hash) {
	b := make([]byte, SecretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+); it panics instead.
	s := base64.RawURLEncoding.EncodeToString(b)
	return s, HashOf(s)
}

// MaxSecretLength bounds what we hash from client input.
const MaxSecretLength = 512
