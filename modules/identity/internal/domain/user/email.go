package user

import (
	"errors"
	"net/mail"
	"strings"
)

// MaxEmailLength is the longest address SMTP can carry (RFC 5321 path limit).
const MaxEmailLength = 254

// ErrInvalidEmail is returned for anything that is not one plain address.
var ErrInvalidEmail = errors.New("must be a valid email address")

// Email is a normalized email address: trimmed and lower-cased, so that
// uniqueness is case-insensitive and lookups need no function index.
type Email struct{ v string }

// ParseEmail normalizes s and checks that it is one bare address
// ("a@b.example"), not a display-name form or a list.
func ParseEmail(s string) (Email, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	if n == "" || len(n) > MaxEmailLength {
		return Email{}, ErrInvalidEmail
	}
	addr, err := mail.ParseAddress(n)
	if err != nil || addr.Name != "" || addr.Address != n {
		return Email{}, ErrInvalidEmail
	}
	local, domain, ok := strings.Cut(n, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(n, " \t\r\n") {
		return Email{}, ErrInvalidEmail
	}
	return Email{v: n}, nil
}

// String returns the normalized address.
func (e Email) String() string { return e.v }

// IsZero reports whether e is the zero value (no address).
func (e Email) IsZero() bool { return e.v == "" }
