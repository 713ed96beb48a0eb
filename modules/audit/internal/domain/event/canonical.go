package event

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Canonical returns the canonical form of a JSON document: parsed and
// re-encoded with sorted object keys, no insignificant whitespace, numbers
// as float64 shortest form and NUL characters removed from strings. A
// document and its round trip through a Postgres jsonb column have the same
// canonical form, which is what lets the hash survive storage. Empty input
// and "null" give nil.
func Canonical(doc json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(trimmed, &v); err != nil {
		return nil, err
	}
	out, err := json.Marshal(dropNUL(v))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dropNUL removes U+0000 from strings and keys: jsonb rejects it, and
// dropping it on the way in keeps the stored form equal to the hashed one.
func dropNUL(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, "\x00", "")
	case []any:
		for i := range t {
			t[i] = dropNUL(t[i])
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[strings.ReplaceAll(k, "\x00", "")] = dropNUL(val)
		}
		return out
	default:
		return v
	}
}
