package user

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// MaxEmailLength is the longest address SMTP can carry (RFC 5321 path limit).
const MaxEmailLength = 254

// ErrInvalidEmail is returned for anything that is not one plain address.
var ErrInvalidEmail = errors.New("must be a valid email address")

// ErrHiddenCharacters is returned for an address with characters that do
// not show, or change how their neighbours show: such an address displays
// exactly like another account's in lists, logs and audit rows. It is an
// ErrInvalidEmail.
var ErrHiddenCharacters = fmt.Errorf("%w without invisible, formatting or control characters", ErrInvalidEmail)

// Email is a normalized email address: trimmed and lower-cased, so that
// uniqueness is case-insensitive and lookups need no function index.
type Email struct{ v string }

// ParseEmail normalizes s and checks that it is one bare address
// ("a@b.example"), not a display-name form or a list, made of visible
// characters only (see hidden). Internationalised addresses (RFC 6531,
// "jörg@bücher.de") are welcome.
func ParseEmail(s string) (Email, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	if strings.IndexFunc(n, hidden) >= 0 {
		return Email{}, ErrHiddenCharacters
	}
	return parseAddress(n)
}

// parseAddress checks the shape of an already normalized address. Stored
// addresses are rebuilt through it alone: an account created before a
// character rule existed must stay loadable.
func parseAddress(n string) (Email, error) {
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

// hidden reports whether r is invisible or alters the display of the text
// around it: control characters (Cc), format characters (Cf: zero-width
// space and joiners, bidirectional controls such as U+202E, the soft
// hyphen, the BOM), separators other than the ASCII space (Z; that one is
// simply not part of an address), private-use characters (Co), variation
// selectors and the other default-ignorable code points (e.g. the Hangul
// filler U+3164).
func hidden(r rune) bool {
	return r != ' ' && unicode.In(r, unicode.Cc, unicode.Cf, unicode.Z, unicode.Co,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// String returns the normalized address.
func (e Email) String() string { return e.v }

// IsZero reports whether e is the zero value (no address).
func (e Email) IsZero() bool { return e.v == "" }
