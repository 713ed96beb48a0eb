package event

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// canonicalCases are documents chosen to hit every branch of the fast path
// and the places where encoding/json's round trip is least obvious. They
// seed the fuzzer as well.
var canonicalCases = []struct {
	name string
	doc  string
}{
	{"empty", ``},
	{"blank", " \t\r\n "},
	{"null", `null`},
	{"null padded", "\n null \t"},
	{"empty object", `{}`},
	{"empty object spaced", `{ }`},
	{"empty array", `[]`},
	{"empty array spaced", `[ ]`},
	{"true", `true`},
	{"false", `false`},
	{"top string", `"x"`},
	{"top number", `42`},
	{"nested", `{"b": {"d": [1, {"z": 1, "a": 2}], "c": null}, "a": [[], {}]}`},
	{"sorted already", `{"a":1,"b":2,"c":3}`},
	{"needs sort", `{"c": 3, "b": 2, "a": 1}`},
	{"jsonb order", `{"id": "0193", "title": "x", "status": "open", "version": 3, "description": null}`},
	{"duplicate keys", `{"a": 1, "b": 2, "a": 3}`},
	{"duplicate keys adjacent", `{"a": 1, "a": 2, "a": {"x": 1}}`},
	{"duplicate keys nested", `{"a": {"k": 1, "k": 2}, "a": {"k": 3, "j": 4}}`},
	{"key prefix order", `{"ab": 1, "a": 2, "": 3, "b": 4}`},
	{"escaped keys", `{"\u0062": 1, "a\"b": 2, "\u00e9": 3, "z": 4}`},
	{"escaped keys duplicate", `{"a": 1, "\u0061": 2}`},
	{"unicode", `{"title": "Crème brûlée — 日本語 🎉"}`},
	{"escapes", `"a\nb\"c\\d\/e\tf\rg\bh\fi"`},
	{"unicode escape", `"\u00e9\u00E9"`},
	{"surrogate pair", `"\ud83c\udf89"`},
	{"lone high surrogate", `"\ud800"`},
	{"lone high surrogate then text", `"\ud800abc"`},
	{"lone low surrogate", `"\udc00"`},
	{"reversed surrogates", `"\udc00\ud800"`},
	{"surrogate then escape", `"\ud800\n"`},
	{"surrogate then nul", `"\ud800\u0000x"`},
	{"control escapes", `"\u0001\u001f\u007f"`},
	{"html", `{"<a>": "<script>&amp;</script>"}`},
	{"line separators", "\"a\u2028b\u2029c\""},
	{"escaped line separators", `"\u2028\u2029"`},
	{"nul in string", `{"a": "x\u0000y"}`},
	{"only nul", `"\u0000"`},
	{"nul in key", `{"a\u0000": 1}`},
	{"nul key collision", `{"a\u0000": 1, "a": 2}`},
	{"zero", `0`},
	{"negative zero", `-0`},
	{"negative zero float", `-0.0`},
	{"one point zero", `1.0`},
	{"exponent", `1e2`},
	{"small exponent", `1E-7`},
	{"exponent plus", `1e+2`},
	{"big exponent", `1e21`},
	{"just under 1e21", `999999999999999999999`},
	{"huge integer", `123456789012345678901234567890`},
	{"15 digits", `123456789012345`},
	{"16 digits", `1234567890123456`},
	{"17 digits", `12345678901234567`},
	{"negative 15 digits", `-999999999999999`},
	{"micro", `0.000001`},
	{"below micro", `0.0000001`},
	{"out of range", `1e400`},
	{"out of range nested", `{"a": [1, -1e400]}`},
	{"underflow", `1e-400`},
	{"negative small", `-1.5e-10`},
	{"numbers in array", `[0, -0, 1.50, 2e0, 3.25e3, 1e-6, 5e-324]`},
	{"invalid utf8 in string", "\"a\xffb\xc3\""},
	{"invalid utf8 in key", "{\"\xff\": 1, \"a\": 2}"},
	{"invalid utf8 with escape", "\"\xfe\\n\""},
	{"large object", `{"t": 1, "s": 2, "r": 3, "q": 4, "p": 5, "o": 6, "n": 7, "m": 8, "l": 9, "k": 10, "j": 11, "i": 12, "h": 13, "g": 14, "f": 15, "e": 16, "d": 17, "c": 18, "b": 19, "a": 20, "k": "dup", "\u0061": "last"}`},
	{"whitespace everywhere", " \n{ \"b\" :\t[ 1 , 2 ] ,\r\n \"a\" : { } } \n"},
	{"unicode space around", "\u00a0{\"a\":1}\u00a0"},
	{"deep", `[[[[[[[[[[{"a":[[[[{"b":1}]]]]}]]]]]]]]]]`},
	{"trailing comma", `{"a": 1,}`},
	{"leading zero", `{"a": 01}`},
	{"unquoted key", `{a: 1}`},
	{"trailing garbage", `{} x`},
	{"two values", `1 2`},
	{"bad escape", `"\x"`},
	{"raw control", "\"a\tb\""},
	{"unterminated", `{"a": "b`},
	{"single quotes", `{'a': 1}`},
}

// TestCanonicalMatchesSlow checks the fast path against the reference on
// the tricky cases: the hash depends on every byte.
func TestCanonicalMatchesSlow(t *testing.T) {
	t.Parallel()
	for _, tt := range canonicalCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertCanonicalMatches(t, []byte(tt.doc))
		})
	}
}

// assertCanonicalMatches fails unless Canonical and canonicalSlow agree on
// doc: both fail, or both succeed with the same bytes.
func assertCanonicalMatches(t *testing.T, doc []byte) {
	t.Helper()
	// Canonical must not depend on the caller's buffer beyond the call.
	in := bytes.Clone(doc)
	got, gotErr := Canonical(in)
	want, wantErr := canonicalSlow(doc)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("Canonical(%q): error %v, reference error %v", doc, gotErr, wantErr)
	}
	if collidingNULKeys(doc) {
		// The reference itself is not deterministic here: which of the
		// colliding members survives is map iteration order.
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Canonical(%q)\n got %q\nwant %q", doc, got, want)
	}
	if (got == nil) != (want == nil) {
		t.Fatalf("Canonical(%q): got nil %t, reference nil %t", doc, got == nil, want == nil)
	}
	if !bytes.Equal(in, doc) {
		t.Fatalf("Canonical modified its input %q to %q", doc, in)
	}
	// Nor may the result share the pooled buffer with the next call.
	kept := bytes.Clone(got)
	if _, err := Canonical(json.RawMessage(`{"zz": "overwritten", "aa": [1, 2, 3, 4, 5, 6, 7, 8]}`)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, kept) {
		t.Fatalf("Canonical(%q) result changed by a later call: %q", doc, got)
	}
}

// collidingNULKeys reports whether doc has an object in which two keys
// become equal once NUL is dropped, where the reference output depends on
// map iteration order.
func collidingNULKeys(doc []byte) bool {
	var v any
	if json.Unmarshal(bytes.TrimSpace(doc), &v) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case []any:
			return slices.ContainsFunc(t, walk)
		case map[string]any:
			seen := make(map[string]bool, len(t))
			for k, val := range t {
				k = strings.ReplaceAll(k, "\x00", "")
				if seen[k] || walk(val) {
					return true
				}
				seen[k] = true
			}
		}
		return false
	}
	return walk(v)
}

// benchmarkSnapshot is an activity as PostgreSQL renders jsonb::text: keys
// by length then bytes, ", " and ": " separators.
const benchmarkSnapshot = `{"id": "0193f3a2-7c1e-7d4b-9a55-2f0c8e1b6d42", "title": "Quarterly safety inspection", "status": "scheduled", "site_id": "0193f39f-5a6b-7c8d-9e0f-a1b2c3d4e5f6", "version": 3, "owner_id": "0193f3a1-0b2c-7e8f-8123-4d5e6f708192", "starts_at": "2026-11-26T08:00:00.123456+00:00", "tenant_id": "0193f39e-1111-7222-8333-444455556666", "created_at": "2026-11-20T14:31:07.654321+00:00", "updated_at": "2026-11-25T09:12:44.000001+00:00", "description": null}`

// BenchmarkCanonical compares the fast path with the reference on a
// typical stored document.
func BenchmarkCanonical(b *testing.B) {
	doc := json.RawMessage(benchmarkSnapshot)
	for _, bb := range []struct {
		name string
		fn   func(json.RawMessage) (json.RawMessage, error)
	}{
		{"fast", Canonical},
		{"slow", canonicalSlow},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := bb.fn(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
