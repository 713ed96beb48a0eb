package event

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical returns the canonical form of a JSON document: parsed and
// re-encoded with sorted object keys, no insignificant whitespace, numbers
// as float64 shortest form and NUL characters removed from strings. A
// document and its round trip through a Postgres jsonb column have the same
// canonical form, which is what lets the hash survive storage. Empty input
// and "null" give nil.
//
// The output is byte for byte that of canonicalSlow, the encoding/json
// round trip that defines it; this is a single-pass rewrite of the
// document because the round trip dominated the chainer's CPU. Whatever
// the rewrite does not replicate (invalid JSON, numbers out of float64
// range, NUL in keys) goes through canonicalSlow, so errors are its errors.
func Canonical(doc json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, nil
	}
	// The scanner below trusts its input to be valid JSON.
	if !json.Valid(trimmed) {
		return canonicalSlow(doc)
	}
	c := canonicalizers.Get().(*canonicalizer)
	defer c.release()
	c.reset(trimmed)
	c.value()
	if c.slow {
		return canonicalSlow(doc)
	}
	// The working buffer goes back to the pool; the caller keeps the result.
	return json.RawMessage(bytes.Clone(c.out)), nil
}

// canonicalSlow is the reference definition of Canonical: a round trip
// through any with encoding/json. Canonical falls back to it for what the
// fast path does not handle, and tests use it as the oracle.
func canonicalSlow(doc json.RawMessage) (json.RawMessage, error) {
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

// maxPooledBuffer caps what a pooled canonicalizer keeps between calls, so
// one huge document does not pin its buffers for the life of the process.
const maxPooledBuffer = 64 << 10

// canonicalizers recycles working buffers: with them, a call allocates
// little more than its result.
var canonicalizers = sync.Pool{New: func() any { return new(canonicalizer) }}

// canonicalizer rewrites one valid JSON document into its canonical form.
// Objects are written member by member as they are read, then reordered in
// place once their end is reached; keys and members of the objects still
// open are kept on stacks, so nesting needs no allocation of its own.
type canonicalizer struct {
	in      []byte
	pos     int
	out     []byte
	keys    []byte   // decoded keys of the open objects
	members []member // members of the open objects
	tmp     []byte   // copy of an object's body while it is reordered
	str     []byte   // a decoded string on its way to being re-encoded
	// slow is set when the document needs canonicalSlow after all.
	slow bool
}

// member locates one object member: its decoded key in keys (the sort key)
// and its canonical `"key":value` bytes in out.
type member struct {
	keyStart, keyEnd int
	start, end       int
}

// reset prepares c for the document in.
func (c *canonicalizer) reset(in []byte) {
	c.in, c.pos, c.slow = in, 0, false
	c.out, c.keys, c.members = c.out[:0], c.keys[:0], c.members[:0]
}

// release returns c to the pool unless its buffers grew too big to keep.
func (c *canonicalizer) release() {
	c.in = nil
	if cap(c.out) > maxPooledBuffer || cap(c.tmp) > maxPooledBuffer ||
		cap(c.keys) > maxPooledBuffer || cap(c.str) > maxPooledBuffer ||
		cap(c.members) > maxPooledBuffer/32 {
		return
	}
	canonicalizers.Put(c)
}

// skipSpace skips JSON whitespace, the only bytes allowed between tokens.
func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

// value rewrites the value starting at the next token. The input is known
// to be valid, so each token is recognised by its first byte.
func (c *canonicalizer) value() {
	c.skipSpace()
	switch c.in[c.pos] {
	case '{':
		c.object()
	case '[':
		c.array()
	case '"':
		c.string()
	case 't':
		c.out = append(c.out, "true"...)
		c.pos += len("true")
	case 'f':
		c.out = append(c.out, "false"...)
		c.pos += len("false")
	case 'n':
		c.out = append(c.out, "null"...)
		c.pos += len("null")
	default:
		c.number()
	}
}

// array rewrites an array: its elements keep their order.
func (c *canonicalizer) array() {
	c.pos++ // [
	c.out = append(c.out, '[')
	c.skipSpace()
	if c.in[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return
	}
	for {
		c.value()
		c.skipSpace()
		if c.in[c.pos] == ']' {
			c.pos++
			c.out = append(c.out, ']')
			return
		}
		c.pos++ // ,
		c.out = append(c.out, ',')
	}
}

// object rewrites an object. Members are written in document order, then
// sorted by decoded key, which is the order encoding/json gives a map.
func (c *canonicalizer) object() {
	c.pos++ // {
	c.out = append(c.out, '{')
	base, keyBase, body := len(c.members), len(c.keys), len(c.out)
	c.skipSpace()
	if c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		return
	}
	for {
		c.skipSpace()
		if len(c.members) > base {
			c.out = append(c.out, ',')
		}
		m := member{keyStart: len(c.keys), start: len(c.out)}
		c.key()
		m.keyEnd = len(c.keys)
		c.skipSpace()
		c.pos++ // :
		c.out = append(c.out, ':')
		c.value()
		m.end = len(c.out)
		c.members = append(c.members, m)
		c.skipSpace()
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		c.pos++ // ,
	}
	c.reorder(c.members[base:], body)
	c.members, c.keys = c.members[:base], c.keys[:keyBase]
	c.out = append(c.out, '}')
}

// reorder rewrites the object body out[body:], whose members are ms in
// document order, so that they come sorted by key. Of members with the same
// key only the last is kept, as decoding into a map keeps it.
func (c *canonicalizer) reorder(ms []member, body int) {
	sorted := true
	for i := 1; i < len(ms); i++ {
		if bytes.Compare(c.keyOf(ms[i-1]), c.keyOf(ms[i])) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	// Stable, so that the last of equal keys is still the last. Objects
	// are mostly small: insertion sort, without the indirect comparisons.
	if len(ms) <= 16 {
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && bytes.Compare(c.keyOf(ms[j-1]), c.keyOf(ms[j])) > 0; j-- {
				ms[j-1], ms[j] = ms[j], ms[j-1]
			}
		}
	} else {
		slices.SortStableFunc(ms, func(a, b member) int {
			return bytes.Compare(c.keyOf(a), c.keyOf(b))
		})
	}
	c.tmp = append(c.tmp[:0], c.out[body:]...)
	c.out = c.out[:body]
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(c.keyOf(m), c.keyOf(ms[i+1])) {
			continue // a later member overrides it
		}
		if len(c.out) > body {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, c.tmp[m.start-body:m.end-body]...)
	}
}

// keyOf returns the decoded key of m.
func (c *canonicalizer) keyOf(m member) []byte { return c.keys[m.keyStart:m.keyEnd] }

// scanString consumes the string token at c.pos and returns its raw
// contents (between the quotes). plain reports whether encoding/json would
// give back those exact bytes: printable ASCII with nothing it escapes.
func (c *canonicalizer) scanString() (raw []byte, plain bool) {
	i := c.pos + 1
	plain = true
	for {
		b := c.in[i]
		if htmlSafe[b] {
			i++
			continue
		}
		if b == '"' {
			break
		}
		plain = false
		if b == '\\' {
			i++ // the escaped byte, which may be a quote
		}
		i++
	}
	raw = c.in[c.pos+1 : i]
	c.pos = i + 1
	return raw, plain
}

// string rewrites a string value: decoded, stripped of NUL and encoded
// again, unless it is plain and so its own canonical form.
func (c *canonicalizer) string() {
	raw, plain := c.scanString()
	if plain {
		c.out = append(c.out, '"')
		c.out = append(c.out, raw...)
		c.out = append(c.out, '"')
		return
	}
	c.str, _ = appendUnquoted(c.str[:0], raw)
	c.out = appendQuoted(c.out, c.str)
}

// key rewrites an object key and pushes its decoded form on keys for the
// sort. A key with NUL sends the document to canonicalSlow: dropping NUL
// can make two keys collide, and which one wins there is map iteration
// order, not worth replicating.
func (c *canonicalizer) key() {
	raw, plain := c.scanString()
	if plain {
		c.keys = append(c.keys, raw...)
		c.out = append(c.out, '"')
		c.out = append(c.out, raw...)
		c.out = append(c.out, '"')
		return
	}
	start := len(c.keys)
	var nul bool
	c.keys, nul = appendUnquoted(c.keys, raw)
	if nul {
		c.slow = true
	}
	c.out = appendQuoted(c.out, c.keys[start:])
}

// number rewrites a number as encoding/json writes the float64 it parses
// to. A number out of float64 range sends the document to canonicalSlow,
// which reports the error.
func (c *canonicalizer) number() {
	start := c.pos
	integer := true
	for ; c.pos < len(c.in); c.pos++ {
		b := c.in[c.pos]
		if '0' <= b && b <= '9' || b == '-' {
			continue
		}
		if b == '.' || b == 'e' || b == 'E' || b == '+' {
			integer = false
			continue
		}
		break
	}
	raw := c.in[start:c.pos]
	// An integer of at most 15 digits is exact in a float64 and is its own
	// shortest form: skip the parse.
	digits := len(raw)
	if raw[0] == '-' {
		digits--
	}
	if integer && digits <= 15 {
		c.out = append(c.out, raw...)
		return
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		c.slow = true
		return
	}
	c.out = appendFloat(c.out, f)
}

// appendFloat appends f as encoding/json's float64 encoder writes it (ES6
// number formatting), which is what makes 1.0, 1e0 and 1 hash alike.
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendUnquoted appends the decoded contents of a valid JSON string token
// (without its quotes) to dst, with U+0000 dropped; nul reports whether
// there was any. It follows encoding/json's decoder: invalid UTF-8 and
// unpaired surrogates become U+FFFD.
func appendUnquoted(dst, s []byte) (_ []byte, nul bool) {
	for r := 0; r < len(s); {
		switch b := s[r]; {
		case b == '\\':
			switch e := s[r+1]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := hex4(s[r+2:])
				r += 6
				if utf16.IsSurrogate(rr) {
					// Only a following \u escape can complete the pair.
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != unicode.ReplacementChar {
							r += 6
							dst = utf8.AppendRune(dst, dec)
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				if rr == 0 {
					nul = true
				} else {
					dst = utf8.AppendRune(dst, rr)
				}
				continue
			default: // " \ /
				dst = append(dst, e)
			}
			r += 2
		case b < utf8.RuneSelf:
			dst = append(dst, b)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			dst = utf8.AppendRune(dst, rr)
			r += size
		}
	}
	return dst, nul
}

// hex4 decodes the four hex digits that start s (valid, as the document
// is).
func hex4(s []byte) rune {
	var r rune
	for _, b := range s[:4] {
		switch {
		case '0' <= b && b <= '9':
			b -= '0'
		case 'a' <= b && b <= 'f':
			b -= 'a' - 10
		default:
			b -= 'A' - 10
		}
		r = r<<4 | rune(b)
	}
	return r
}

// appendQuoted appends s as encoding/json encodes a string with HTML
// escaping on, its default: the escapes it chooses are part of the hash.
func appendQuoted(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if htmlSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other controls, < > &
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		rr, size := utf8.DecodeRune(s[i:])
		switch {
		case rr == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case rr == '\u2028' || rr == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[rr&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// htmlSafe holds the bytes encoding/json writes as they are inside a
// string: printable ASCII other than " \ < > &. Bytes from 0x80 on are
// false, as they need UTF-8 checking.
var htmlSafe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()
