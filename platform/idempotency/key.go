package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/zebralabs/zebra/platform/apperr"
)

// MaxKeyLen is the longest key docs/api.md accepts, in characters.
const MaxKeyLen = 255

// ParseKey returns the key of an Idempotency-Key header value. One pair of
// surrounding double quotes is stripped, so the structured-field string
// "abc" and the bare token abc are the same key. An empty key, one longer
// than MaxKeyLen or one with control characters is invalid_idempotency_key.
func ParseKey(header string) (string, error) {
	k := strings.TrimSpace(header)
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		return "", apperr.New(apperr.CodeInvalidIdempotencyKey, "Idempotency-Key must not be empty")
	case n > MaxKeyLen:
		return "", apperr.New(apperr.CodeInvalidIdempotencyKey, "Idempotency-Key must be at most 255 characters")
	}
	if !utf8.ValidString(k) || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", apperr.New(apperr.CodeInvalidIdempotencyKey, "Idempotency-Key must be printable text")
	}
	return k, nil
}

// Fingerprint identifies a request for the reuse check: its method, its
// path with the query string, and a hash of its body, byte for byte.
func Fingerprint(method, target string, body []byte) string {
	bodyHash := sha256.Sum256(body)
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(target))
	h.Write([]byte{0})
	h.Write(bodyHash[:])
	return hex.EncodeToString(h.Sum(nil))
}
