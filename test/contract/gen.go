package contract

import (
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"
)

// Draw limits: a schema without a bound gets these, so requests stay small
// (a boundary draw still reaches a declared maximum exactly).
const (
	unboundedStringLen = 40
	unboundedArrayLen  = 4
	unboundedInt       = 1_000_000
	maxDepth           = 6
)

// Value draws a JSON value (as encoding/json would decode it: nil, bool,
// float64 or int64, string, []any, map[string]any) that s accepts. With
// boundary, every constrained leaf sits on an edge its schema declares:
// the minimum or maximum length, value or item count, the first or last
// enum member. name is the property or parameter name; it only steers
// strings towards what such a field usually holds (an email for "email").
func Value(t *rapid.T, s *openapi3.Schema, name string, boundary bool) any {
	return value(t, s, name, boundary, 0)
}

func value(t *rapid.T, s *openapi3.Schema, name string, boundary bool, depth int) any {
	if s == nil {
		return anyValue(t, name)
	}
	if s.Const != nil {
		return s.Const
	}
	if len(s.Enum) > 0 {
		if boundary {
			return rapid.SampledFrom([]any{s.Enum[0], s.Enum[len(s.Enum)-1]}).Draw(t, name+" (enum edge)")
		}
		return rapid.SampledFrom(s.Enum).Draw(t, name+" (enum)")
	}
	if alts := alternatives(s); len(alts) > 0 {
		i := rapid.IntRange(0, len(alts)-1).Draw(t, name+" (alternative)")
		return value(t, alts[i], name, boundary, depth+1)
	}
	types := s.Type.Slice()
	if len(types) == 0 {
		return anyValue(t, name)
	}
	typ := types[0]
	if len(types) > 1 {
		// null is one choice in ten: a nullable field is mostly a value.
		nonNull := without(types, openapi3.TypeNull)
		if len(nonNull) == 0 || (len(nonNull) < len(types) && rapid.IntRange(0, 9).Draw(t, name+" (null?)") == 0) {
			return nil
		}
		typ = rapid.SampledFrom(nonNull).Draw(t, name+" (type)")
	}
	switch typ {
	case openapi3.TypeNull:
		return nil
	case openapi3.TypeBoolean:
		return rapid.Bool().Draw(t, name)
	case openapi3.TypeInteger:
		return drawInteger(t, s, name, boundary)
	case openapi3.TypeNumber:
		return float64(drawInteger(t, s, name, boundary))
	case openapi3.TypeString:
		return drawString(t, s, name, boundary)
	case openapi3.TypeArray:
		return drawArray(t, s, name, boundary, depth)
	case openapi3.TypeObject:
		return drawObject(t, s, name, boundary, depth)
	}
	return anyValue(t, name)
}

// alternatives are the branches of oneOf/anyOf (allOf is not emitted by
// the document's generator and is not handled).
func alternatives(s *openapi3.Schema) []*openapi3.Schema {
	var out []*openapi3.Schema
	for _, refs := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, r := range refs {
			if r != nil && r.Value != nil {
				out = append(out, r.Value)
			}
		}
	}
	return out
}

func anyValue(t *rapid.T, name string) any {
	switch rapid.IntRange(0, 3).Draw(t, name+" (any)") {
	case 0:
		return nil
	case 1:
		return drawText(t, name, 0, 10)
	case 2:
		return float64(rapid.IntRange(-100, 100).Draw(t, name))
	default:
		return map[string]any{}
	}
}

func drawInteger(t *rapid.T, s *openapi3.Schema, name string, boundary bool) int64 {
	lo, hi, hasLo, hasHi := intBounds(s)
	switch {
	case !hasLo && !hasHi:
		lo, hi = -unboundedInt, unboundedInt
	case !hasLo:
		lo = hi - unboundedInt
	case !hasHi:
		hi = lo + unboundedInt
	}
	if boundary {
		return rapid.SampledFrom([]int64{lo, hi}).Draw(t, name+" (edge)")
	}
	return rapid.Int64Range(lo, hi).Draw(t, name)
}

// intBounds are the smallest and largest integers s accepts, with
// OpenAPI 3.0 (boolean) and 3.1 (numeric) exclusive bounds.
func intBounds(s *openapi3.Schema) (lo, hi int64, hasLo, hasHi bool) {
	if s.Min != nil {
		lo, hasLo = int64(math.Ceil(*s.Min)), true
		if s.ExclusiveMin.IsTrue() && float64(lo) == *s.Min {
			lo++
		}
	}
	if v := s.ExclusiveMin.Value; v != nil {
		if l := int64(math.Floor(*v)) + 1; !hasLo || l > lo {
			lo, hasLo = l, true
		}
	}
	if s.Max != nil {
		hi, hasHi = int64(math.Floor(*s.Max)), true
		if s.ExclusiveMax.IsTrue() && float64(hi) == *s.Max {
			hi--
		}
	}
	if v := s.ExclusiveMax.Value; v != nil {
		if h := int64(math.Ceil(*v)) - 1; !hasHi || h < hi {
			hi, hasHi = h, true
		}
	}
	return lo, hi, hasLo, hasHi
}

func drawString(t *rapid.T, s *openapi3.Schema, name string, boundary bool) string {
	lo := int(s.MinLength)
	hi := lo + unboundedStringLen
	if s.MaxLength != nil {
		hi = int(*s.MaxLength)
	}
	switch s.Format {
	case "uuid":
		return drawUUID(t, name)
	case "date-time":
		return drawTime(t, name)
	case "email":
		return drawEmail(t, name, lo, hi)
	}
	if s.Pattern != "" {
		v := rapid.StringMatching(s.Pattern).Filter(func(v string) bool {
			n := utf8.RuneCountInString(v)
			return n >= lo && n <= hi
		}).Draw(t, name)
		return v
	}
	if boundary {
		n := rapid.SampledFrom([]int{lo, hi}).Draw(t, name+" (length edge)")
		return drawText(t, name, n, n)
	}
	if strings.EqualFold(name, "email") && lo <= 6 && hi >= 6 {
		return drawEmail(t, name, lo, hi)
	}
	// Long strings are valid but cost time; most draws stay short.
	if hi > lo+unboundedStringLen && rapid.IntRange(0, 9).Draw(t, name+" (long?)") > 0 {
		hi = lo + unboundedStringLen
	}
	return drawText(t, name, lo, hi)
}

// textRune is mostly printable ASCII, sometimes any letter, digit, mark,
// punctuation or symbol of Unicode, rarely a control character.
var textRune = rapid.Custom(func(t *rapid.T) rune {
	switch k := rapid.IntRange(0, 99).Draw(t, "rune class"); {
	case k < 80:
		return rapid.RuneFrom([]rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_'")).Draw(t, "ascii")
	case k < 98:
		return rapid.RuneFrom([]rune("éßøπжשع漢字ñ😀🦓€§ ́")).Draw(t, "unicode")
	default:
		return rapid.RuneFrom([]rune{'\t', '\n', 0x01, 0x7f}).Draw(t, "control")
	}
})

// headerRune is what an HTTP header value may carry without the client or
// the server rewriting it: visible ASCII (no spaces, which HTTP trims at the
// ends).
var headerRune = rapid.RuneFrom(nil, &unicode.RangeTable{
	R16:         []unicode.Range16{{Lo: 0x21, Hi: 0x7e, Stride: 1}},
	LatinOffset: 1,
})

func drawText(t *rapid.T, name string, lo, hi int) string {
	return rapid.StringOfN(textRune, lo, hi, -1).Draw(t, name)
}

func drawUUID(t *rapid.T, name string) string {
	b := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, name+" (uuid bytes)")
	b[6] = b[6]&0x0f | 0x70 // version 7, like the service's ids
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func drawTime(t *rapid.T, name string) string {
	ms := rapid.Int64Range(0, 4_102_444_800_000).Draw(t, name+" (unix ms)")
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func drawEmail(t *rapid.T, name string, lo, hi int) string {
	local := rapid.StringMatching(`[a-z0-9]{1,12}(\.[a-z0-9]{1,8})?`).Draw(t, name+" (local part)")
	v := local + "@" + rapid.SampledFrom([]string{"example.com", "example.org", "zebra.test"}).Draw(t, name+" (domain)")
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		return drawText(t, name, lo, hi)
	}
	return v
}

func drawArray(t *rapid.T, s *openapi3.Schema, name string, boundary bool, depth int) []any {
	lo := int(s.MinItems)
	hi := lo + unboundedArrayLen
	if s.MaxItems != nil {
		hi = int(*s.MaxItems)
	}
	if depth >= maxDepth {
		hi = lo
	}
	n := rapid.IntRange(lo, hi).Draw(t, name+" (items)")
	if boundary {
		n = rapid.SampledFrom([]int{lo, hi}).Draw(t, name+" (items edge)")
	}
	var items *openapi3.Schema
	if s.Items != nil {
		items = s.Items.Value
	}
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for attempts := 0; len(out) < n && attempts < 10*n+10; attempts++ {
		v := value(t, items, name+"[]", boundary && len(out) == 0, depth+1)
		if s.UniqueItems {
			key := fmt.Sprintf("%#v", v)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		out = append(out, v)
	}
	if len(out) < lo {
		t.Skipf("cannot draw %d distinct items for %s", lo, name) // too narrow an item schema
	}
	return out
}

func drawObject(t *rapid.T, s *openapi3.Schema, name string, boundary bool, depth int) map[string]any {
	out := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for _, prop := range sortedKeys(s.Properties) {
		ref := s.Properties[prop]
		if ref == nil || ref.Value == nil || ref.Value.ReadOnly {
			continue
		}
		if !required[prop] && (depth >= maxDepth || !rapid.Bool().Draw(t, prop+" (present?)")) {
			continue
		}
		out[prop] = value(t, ref.Value, prop, boundary, depth+1)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func without(list []string, drop string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}
