// Package redact is the one list of sensitive keys in the system and the
// functions that remove them from JSON-like values at any depth. The audit-log
// recorders strip snapshots and metadata with it before writing, and
// logging masks fields with the same list, so adding a key here protects
// every sink at once.
package redact

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask is what Masked puts in place of a sensitive value.
const Mask = "[REDACTED]"

// A key is sensitive when, normalised (lower case, without '_', '-', '.'
// and spaces, so "passwordHash", "password_hash" and "Password-Hash" are
// one key), it contains one of the stems, which catches compound names no
// one listed ("mfaSecret", "emailVerifyToken", "userPasswordHash"), or is
// one of the short exact keys, too short to be searched for inside
// others ("otp" is in "photo"). Erring on the side of removing a field is
// the safe side for records kept for years.
var (
	stems = []string{"password", "passwd", "secret", "token", "apikey", "privatekey", "signingkey", "authorization", "cookie"}
	exact = []string{"otp", "totp"}
)

// IsSensitive reports whether values under key must never be written out.
func IsSensitive(key string) bool {
	n := normalize(key)
	return slices.Contains(exact, n) || slices.ContainsFunc(stems, func(s string) bool { return strings.Contains(n, s) })
}

// Strip returns a copy of v with every sensitive key removed from every
// object at any depth. v must be a JSON-like value (map[string]any, []any,
// strings, numbers, bools, nil), as json.Unmarshal into an any produces;
// use Marshal for arbitrary Go values.
func Strip(v any) any { return walk(v, nil) }

// Masked is Strip that keeps the keys and replaces their values with Mask,
// for logs where knowing that a field was present helps debugging.
func Masked(v any) any {
	m := any(Mask)
	return walk(v, &m)
}

func walk(v any, mask *any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if IsSensitive(k) {
				if mask != nil {
					out[k] = *mask
				}
				continue
			}
			out[k] = walk(val, mask)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = walk(val, mask)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = val
		}
		return walk(out, mask)
	default:
		return v
	}
}

// normalize lower-cases key and drops '_', '-', '.' and spaces. It runs
// on every logged field's key and every audited document, so ASCII, by
// far the common case, skips the Unicode tables.
func normalize(key string) string {
	var b strings.Builder
	b.Grow(len(key))
	for _, r := range key {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
		case 'A' <= r && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
