// Package redact is the one list of sensitive keys in the system and the
// functions that remove them from JSON-like values at any depth. The audit-log
// recorders strip snapshots and metadata with it before writing, and
// logging masks fields with the same list, so adding a key here protects
// every sink at once.
package redact

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Mask is what Masked puts in place of a sensitive value.
const Mask = "[REDACTED]"

// Keys lists the sensitive keys, compared after normalisation (lower case,
// without '_', '-', '.' and spaces), so "passwordHash", "password_hash"
// and "Password-Hash" are one key.
var Keys = []string{
	"password", "passwordhash", "newpassword", "oldpassword", "currentpassword",
	"token", "accesstoken", "refreshtoken", "idtoken", "resettoken", "verificationtoken",
	"secret", "clientsecret", "apikey", "privatekey", "signingkey",
	"authorization", "cookie", "setcookie", "otp", "totp",
}

// stems catch compound names no one listed yet ("mfaSecret",
// "emailVerifyToken", "userPasswordHash"): a key that contains one of them
// is sensitive too. Erring on the side of removing a field is the safe side
// for records kept for years.
var stems = []string{"password", "passwd", "secret", "token", "apikey", "privatekey", "authorization", "cookie"}

var keySet = func() map[string]struct{} {
	m := make(map[string]struct{}, len(Keys))
	for _, k := range Keys {
		m[normalize(k)] = struct{}{}
	}
	return m
}()

// IsSensitive reports whether values under key must never be written out.
func IsSensitive(key string) bool {
	n := normalize(key)
	if _, ok := keySet[n]; ok {
		return true
	}
	for _, s := range stems {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Strip returns a copy of v with every sensitive key removed from every
// object at any depth. v must be a JSON-like value (map[string]any, []any,
// strings, numbers, bools, nil), as json.Unmarshal into an any produces;
// use JSON for arbitrary Go values.
func Strip(v any) any { return walk(v, nil) }

// Masked is Strip that keeps the keys and replaces their values with Mask,
// for logs where knowing that a field was present helps debugging.
func Masked(v any) any {
	m := any(Mask)
	return walk(v, &m)
}

// JSON marshals an arbitrary Go value (structs with json tags, maps,
// json.RawMessage) and returns its stripped JSON-like form, ready to be
// marshalled again. A nil v stays nil.
func JSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal value to redact: %w", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, fmt.Errorf("unmarshal value to redact: %w", err)
	}
	return Strip(generic), nil
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

func normalize(key string) string {
	var b strings.Builder
	b.Grow(len(key))
	for _, r := range strings.ToLower(key) {
		switch r {
		case '_', '-', '.', ' ':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
