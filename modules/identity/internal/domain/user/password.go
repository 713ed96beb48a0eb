package user

import (
	"errors"
	"unicode/utf8"
)

// Password length limits of docs/api.md, in characters. The upper bound keeps
// an attacker from making us hash megabytes.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// ErrPasswordPolicy is returned for a password outside the policy.
var ErrPasswordPolicy = errors.New("must be 12 to 128 characters")

// ValidatePassword checks a new password against the policy. Only length
// is enforced (NIST SP 800-63B: length beats composition rules); invalid
// UTF-8 is refused so characters can be counted.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return ErrPasswordPolicy
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return ErrPasswordPolicy
	}
	return nil
}

// PasswordHasher turns passwords into encoded, salted hashes and checks
// them. The domain needs it as a port; the adapter uses argon2id.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded. It takes the same
	// time whether or not it matches.
	Verify(password, encoded string) (bool, error)
}
