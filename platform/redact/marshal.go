package redact

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Marshal encodes an arbitrary Go value (structs with json tags, maps,
// json.RawMessage) as JSON with every sensitive key removed at any depth.
// A nil v gives nil.
//
// Most audited values (an entity's snapshot) hold no sensitive key, and
// their document is returned as json.Marshal encodes it: when the whole
// document, normalised as keys are, contains no stem and no exact key in
// quotes, none of its keys can be sensitive. Only the others (a stem in a
// key, or merely in a value) take the general path of decoding, walking
// and re-encoding, which profiles showed as a tenth of an audited write's
// CPU (docs/performance.md). The output's object keys are in the value's
// own order on the fast path and sorted on the general one; consumers that
// need one form canonicalise.
func Marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal value to redact: %w", err)
	}
	if !mentionsSensitive(doc) {
		return doc, nil
	}
	var generic any
	if err := json.Unmarshal(doc, &generic); err != nil {
		return nil, fmt.Errorf("unmarshal value to redact: %w", err)
	}
	if doc, err = json.Marshal(Strip(generic)); err != nil {
		return nil, fmt.Errorf("marshal redacted value: %w", err)
	}
	return doc, nil
}

// mentionsSensitive reports whether doc, normalised as IsSensitive
// normalises a key, contains a stem anywhere or an exact key between
// quotes. encoding/json escapes none of the characters a sensitive key is
// made of, so every sensitive key of doc shows up; a stem in a value is a
// false alarm that only costs the general path.
func mentionsSensitive(doc []byte) bool {
	n := normalize(string(doc))
	return slices.ContainsFunc(stems, func(s string) bool { return strings.Contains(n, s) }) ||
		slices.ContainsFunc(exact, func(k string) bool { return strings.Contains(n, `"`+k+`"`) })
}
