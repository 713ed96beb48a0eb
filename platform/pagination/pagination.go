// Package pagination implements docs/api.md's keyset pagination: opaque cursors
// signed with a server secret and bound to the list they came from, the
// limit rules, and the page envelope. Lists order by a time-ordered key
// (UUIDv7 ids, newest first), so the cost of a page never grows with depth
// and walking all pages while others insert neither repeats nor skips.
package pagination

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Limits of docs/api.md.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// maxCursorLen bounds what Decode will even look at.
	maxCursorLen = 1024
)

// Query is embedded in every list operation's input.
type Query struct {
	Limit  int    `query:"limit" default:"20" minimum:"1" maximum:"100" doc:"Page size, 1..100."`
	Cursor string `query:"cursor" maxLength:"1024" doc:"Opaque cursor from the previous page's nextCursor."`
}

// Page is the body of every list response.
type Page[T any] struct {
	Items []T `json:"items" nullable:"false"`
	// NextCursor is null on the last page.
	NextCursor *string `json:"nextCursor" nullable:"true" doc:"Cursor of the next page; null on the last page."`
}

// Codec signs and verifies cursors.
type Codec struct {
	key []byte
}

// NewCodec returns a codec keyed by secret (CURSOR_SECRET).
func NewCodec(secret string) *Codec { return &Codec{key: []byte(secret)} }

var errInvalid = apperr.New(apperr.CodeInvalidCursor, "the cursor is invalid or belongs to another list")

// Encode returns an opaque cursor for position within list. list names the
// list and every filter that shapes it (e.g. "orders?owner=..&status=.."),
// so a cursor cannot be replayed against another list.
func (c *Codec) Encode(list string, position any) string {
	payload, err := json.Marshal(position)
	if err != nil {
		panic("pagination: position is not JSON-marshalable: " + err.Error())
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(c.sign(list, p))
}

// Decode verifies cursor against list and unmarshals its position. Any
// cursor this service did not issue for list is an invalid_cursor error.
func (c *Codec) Decode(list, cursor string, position any) error {
	if len(cursor) > maxCursorLen {
		return errInvalid
	}
	p, sig, ok := strings.Cut(cursor, ".")
	if !ok {
		return errInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.sign(list, p)) {
		return errInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return errInvalid
	}
	if err := json.Unmarshal(payload, position); err != nil {
		return errInvalid
	}
	return nil
}

func (c *Codec) sign(list, payload string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(list))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// Limit returns the effective limit: DefaultLimit when zero, a
// validation_failed error outside 1..MaxLimit.
func Limit(limit int) (int, error) {
	if limit == 0 {
		return DefaultLimit, nil
	}
	if limit < 1 || limit > MaxLimit {
		return 0, apperr.Validation(apperr.FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	return limit, nil
}
