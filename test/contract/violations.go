package contract

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"
)

// violation makes a value schema s refuses; what says how.
type violation func(t *rapid.T) (v any, what string)

// violations lists the ways to make a value s refuses.
func violations(s *openapi3.Schema) []violation {
	var out []violation
	types := s.Type.Slice()
	if len(types) > 0 {
		for _, wrong := range []struct {
			typ string
			v   any
		}{
			{openapi3.TypeString, "not-a-" + strings.Join(types, "-or-")},
			{openapi3.TypeNumber, 1.5},
			{openapi3.TypeBoolean, true},
			{openapi3.TypeObject, map[string]any{"a": float64(1)}},
			{openapi3.TypeArray, []any{"a"}},
			{openapi3.TypeNull, nil},
		} {
			// 1.5 is the wrong type for an integer too.
			if s.Type.Permits(wrong.typ) {
				continue
			}
			w := wrong
			out = append(out, func(*rapid.T) (any, string) { return w.v, "wrong type (" + w.typ + ")" })
		}
	}
	if len(s.Enum) > 0 {
		out = append(out, func(*rapid.T) (any, string) { return "not_a_member_of_the_enum", "value outside the enum" })
	}
	if s.Type.Includes(openapi3.TypeString) && len(s.Enum) == 0 {
		if s.MaxLength != nil {
			n := int(*s.MaxLength) + 1
			out = append(out, func(*rapid.T) (any, string) { return strings.Repeat("a", n), "string longer than maxLength" })
		}
		if s.MinLength > 0 {
			n := int(s.MinLength) - 1
			out = append(out, func(*rapid.T) (any, string) { return strings.Repeat("a", n), "string shorter than minLength" })
		}
		switch s.Format {
		case "uuid":
			out = append(out, func(t *rapid.T) (any, string) {
				return rapid.SampledFrom([]string{"not-a-uuid", "01234567-89ab-cdef-0123", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"}).Draw(t, "bad uuid"), "bad uuid format"
			})
		case "date-time":
			out = append(out, func(*rapid.T) (any, string) { return "yesterday", "bad date-time format" })
		case "email":
			out = append(out, func(*rapid.T) (any, string) { return "no-at-sign", "bad email format" })
		}
	}
	if s.Type.Includes(openapi3.TypeInteger) || s.Type.Includes(openapi3.TypeNumber) {
		lo, hi, hasLo, hasHi := intBounds(s)
		if hasLo {
			out = append(out, func(*rapid.T) (any, string) { return float64(lo - 1), "number below minimum" })
		}
		if hasHi {
			out = append(out, func(*rapid.T) (any, string) { return float64(hi + 1), "number above maximum" })
		}
	}
	if s.Type.Includes(openapi3.TypeArray) {
		if s.MaxItems != nil {
			n := int(*s.MaxItems) + 1
			out = append(out, func(t *rapid.T) (any, string) { return distinctItems(t, s, n), "more items than maxItems" })
		}
		if s.MinItems > 0 {
			n := int(s.MinItems) - 1
			out = append(out, func(t *rapid.T) (any, string) { return distinctItems(t, s, n), "fewer items than minItems" })
		}
		if s.UniqueItems && s.Items != nil && (s.MaxItems == nil || *s.MaxItems >= 2) {
			out = append(out, func(t *rapid.T) (any, string) {
				v := Value(t, s.Items.Value, "duplicate item", false)
				return []any{v, v}, "duplicate items"
			})
		}
	}
	return out
}

// distinctItems is an array of n different valid items (strings when the
// item schema allows them: they are always distinct).
func distinctItems(t *rapid.T, s *openapi3.Schema, n int) []any {
	out := make([]any, n)
	for i := range out {
		if s.Items == nil || s.Items.Value == nil || s.Items.Value.Type.Permits(openapi3.TypeString) && len(s.Items.Value.Enum) == 0 {
			out[i] = "item" + itoa(i)
			continue
		}
		out[i] = Value(t, s.Items.Value, "item", false)
	}
	return out
}

func drawViolation(t *rapid.T, s *openapi3.Schema, label string) (any, string) {
	vs := violations(s)
	return vs[rapid.IntRange(0, len(vs)-1).Draw(t, label+" (violation)")](t)
}

// paramViolations are the violations of a parameter's schema a parameter
// can carry: parameters are strings on the wire, so "wrong type" means a
// string that does not parse as the declared type.
func paramViolations(p *openapi3.Parameter, s *openapi3.Schema) []violation {
	var out []violation
	if s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber) {
		out = append(out, func(t *rapid.T) (any, string) {
			return rapid.SampledFrom([]string{"abc", "1e3x", "--1", "0x10"}).Draw(t, p.Name+" (not a number)"), "not a number"
		})
		if s.Type.Is(openapi3.TypeInteger) {
			out = append(out, func(*rapid.T) (any, string) { return "1.5", "not an integer" })
		}
	}
	if s.Type.Is(openapi3.TypeBoolean) {
		out = append(out, func(*rapid.T) (any, string) { return "maybe", "not a boolean" })
	}
	for _, v := range violations(s) {
		out = append(out, func(t *rapid.T) (any, string) {
			val, what := v(t)
			switch val.(type) {
			case nil, map[string]any, []any, bool:
				return nil, "" // not expressible as a parameter
			}
			if p.In == openapi3.ParameterInHeader {
				if str, ok := val.(string); ok && strings.TrimSpace(str) != str {
					return nil, ""
				}
			}
			if p.In == openapi3.ParameterInPath {
				if str, ok := val.(string); ok && (str == "" || str == "." || str == "..") {
					return nil, "" // not expressible as a path segment
				}
			}
			if strings.HasPrefix(what, "wrong type") {
				return nil, "" // on the wire every parameter is a string: see above
			}
			return val, what
		})
	}
	return out
}
