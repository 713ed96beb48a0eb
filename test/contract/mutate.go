package contract

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"
)

// Mutation is how Mutate broke a request, and what docs/api.md says the
// service must answer.
type Mutation struct {
	// Kind names the breakage, e.g. "body: unknown field".
	Kind string
	// Target is the field, parameter or header broken.
	Target string
	// Statuses are the acceptable answers; Code, when set, the envelope
	// code; Field, when set, a field path details.fields must name.
	Statuses []int
	Code     string
	Field    string
	// SchemaInvalid is true when the document itself says the request is
	// invalid (kin-openapi must reject it too); false for breakages the
	// document cannot express (no token, a body over the size limit).
	SchemaInvalid bool
}

// BodyLimit is the service's default body limit (HTTP_BODY_LIMIT).
const BodyLimit = 1 << 20

// Mutate breaks r in one way drawn among those that apply to its
// operation and returns how, or nil when nothing applies (an operation
// without parameters, body or security).
func Mutate(t *rapid.T, r *Request) *Mutation {
	var kinds []func() *Mutation
	if r.Op.BodySchema() != nil {
		kinds = append(kinds,
			func() *Mutation { return mutateEncoding(t, r) },
			func() *Mutation { return mutateBody(t, r) },
		)
	}
	if params := breakableParams(r.Op); len(params) > 0 {
		kinds = append(kinds, func() *Mutation { return mutateParam(t, r, params) })
	}
	if r.Op.Secured() {
		kinds = append(kinds, func() *Mutation { return mutateAuth(t, r) })
	}
	if len(kinds) == 0 {
		return nil
	}
	// A kind may find nothing to break (a body without constraints); try
	// the others before giving up.
	for _, i := range rapid.Permutation(indexes(len(kinds))).Draw(t, "mutation kinds") {
		if m := kinds[i](); m != nil {
			return m
		}
	}
	return nil
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// mutateEncoding breaks the body as a whole: not JSON, not an object, no
// body, the wrong content type, or over the size limit.
func mutateEncoding(t *rapid.T, r *Request) *Mutation {
	switch rapid.IntRange(0, 9).Draw(t, "encoding breakage") {
	case 0, 1:
		r.Raw = []byte(rapid.SampledFrom([]string{`{`, `{"a":`, `{"title":"x",}`, `nul`, `{'a':1}`, "\x00", `{"a":1}}`}).Draw(t, "malformed JSON"))
		return &Mutation{Kind: "body: malformed JSON", Statuses: []int{http.StatusBadRequest}, Code: "bad_request", SchemaInvalid: true}
	case 2, 3:
		r.Body = rapid.SampledFrom([]any{[]any{}, []any{map[string]any{}}, "text", float64(1), true}).Draw(t, "top-level value")
		return &Mutation{Kind: "body: not a JSON object", Statuses: []int{http.StatusBadRequest}, Code: "bad_request", SchemaInvalid: true}
	case 4:
		r.HasBody, r.Body, r.ContentType = false, nil, ""
		return &Mutation{Kind: "body: missing", Statuses: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, SchemaInvalid: true}
	case 5, 6, 7:
		r.ContentType = rapid.SampledFrom([]string{"text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"}).Draw(t, "content type")
		return &Mutation{Kind: "body: wrong content type", Target: r.ContentType, Statuses: []int{http.StatusUnsupportedMediaType}, Code: "unsupported_media_type", SchemaInvalid: true}
	case 8:
		r.ContentType = ""
		return &Mutation{Kind: "body: no content type", Statuses: []int{http.StatusUnsupportedMediaType}, Code: "unsupported_media_type", SchemaInvalid: false}
	default:
		pad := strings.Repeat("x", BodyLimit)
		r.Raw = []byte(`{"padding":"` + pad + `"}`)
		return &Mutation{Kind: "body: over the size limit", Statuses: []int{http.StatusRequestEntityTooLarge}, Code: "payload_too_large"}
	}
}

// site is a place in the body a mutation can break.
type site struct {
	path   string // JSON path, camelCase as the body has it: "title", "roles[1]"
	top    string // the top-level property it is under
	schema *openapi3.Schema
	set    func(any)
	del    func() // nil for array items
}

// mutateBody breaks one place of a body that is otherwise valid: a value
// its schema refuses, a required property left out, or an unknown one.
func mutateBody(t *rapid.T, r *Request) *Mutation {
	obj, ok := r.Body.(map[string]any)
	if !ok {
		return nil
	}
	root := r.Op.BodySchema()
	var sites []site
	collectSites(root, obj, "", "", &sites)
	type option struct {
		kind string
		run  func() *Mutation
	}
	var options []option
	for _, s := range sites {
		if len(violations(s.schema)) > 0 {
			options = append(options, option{"value", func() *Mutation {
				v, what := drawViolation(t, s.schema, s.path)
				s.set(v)
				return bodyMutation("body: "+what, s.path, s.top)
			}})
		}
	}
	for _, name := range root.Required {
		options = append(options, option{"required", func() *Mutation {
			delete(obj, name)
			return bodyMutation("body: required property missing", name, name)
		}})
	}
	if root.AdditionalProperties.Has != nil && !*root.AdditionalProperties.Has {
		options = append(options, option{"unknown", func() *Mutation {
			name := rapid.SampledFrom([]string{"id", "version", "createdBy", "ownerId", "roles", "isAdmin", "zz"}).Draw(t, "unknown field")
			if root.Properties[name] != nil {
				name = "unknown" + strings.ToUpper(name[:1]) + name[1:]
			}
			obj[name] = rapid.SampledFrom([]any{"x", float64(1), nil, true, map[string]any{}}).Draw(t, "unknown value")
			return bodyMutation("body: unknown field", name, name)
		}})
	}
	if len(options) == 0 {
		return nil
	}
	return options[rapid.IntRange(0, len(options)-1).Draw(t, "body breakage")].run()
}

func bodyMutation(kind, target, field string) *Mutation {
	return &Mutation{
		Kind: kind, Target: target, Statuses: []int{http.StatusUnprocessableEntity},
		Code: "validation_failed", Field: field, SchemaInvalid: true,
	}
}

// collectSites lists every value present in v (under schema s) that a
// mutation can replace.
func collectSites(s *openapi3.Schema, v any, path, top string, out *[]site) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for _, name := range sortedKeys(v) {
			ref := s.Properties[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			p, tp := joinPath(path, name), top
			if tp == "" {
				tp = name
			}
			*out = append(*out, site{path: p, top: tp, schema: ref.Value,
				set: func(nv any) { v[name] = nv }, del: func() { delete(v, name) }})
			collectSites(ref.Value, v[name], p, tp, out)
		}
	case []any:
		if s.Items == nil || s.Items.Value == nil {
			return
		}
		for i := range v {
			p := path + "[" + itoa(i) + "]"
			*out = append(*out, site{path: p, top: top, schema: s.Items.Value, set: func(nv any) { v[i] = nv }})
			collectSites(s.Items.Value, v[i], p, top, out)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func itoa(i int) string { return strconv.Itoa(i) }

// breakableParams are op's parameters some value can violate.
func breakableParams(op *Operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, p := range op.Params {
		if s := paramSchema(p); s != nil && len(paramViolations(p, s)) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// mutateParam gives one parameter a value its schema refuses.
func mutateParam(t *rapid.T, r *Request, params []*openapi3.Parameter) *Mutation {
	p := params[rapid.IntRange(0, len(params)-1).Draw(t, "parameter to break")]
	vs := paramViolations(p, paramSchema(p))
	for _, i := range rapid.Permutation(indexes(len(vs))).Draw(t, p.Name+" (violations)") {
		v, what := vs[i](t)
		if v == nil {
			continue
		}
		r.SetParam(p, v)
		m := &Mutation{
			Kind: p.In + " parameter: " + what, Target: p.Name, SchemaInvalid: true,
			Statuses: []int{http.StatusBadRequest, http.StatusUnprocessableEntity},
		}
		if strings.EqualFold(p.Name, "Idempotency-Key") {
			m.Statuses, m.Code = []int{http.StatusBadRequest}, "invalid_idempotency_key"
		}
		if p.In == openapi3.ParameterInQuery && strings.HasPrefix(what, "number ") {
			// docs/api.md: an out-of-range limit is 422 validation_failed.
			m.Statuses, m.Code, m.Field = []int{http.StatusUnprocessableEntity}, "validation_failed", p.Name
		}
		return m
	}
	return nil
}

// mutateAuth sends no token, or one the service never issued.
func mutateAuth(t *rapid.T, r *Request) *Mutation {
	r.Principal = "anonymous"
	switch rapid.IntRange(0, 2).Draw(t, "auth breakage") {
	case 0:
		r.Token = ""
		return &Mutation{Kind: "auth: no token", Statuses: []int{http.StatusUnauthorized}, Code: "unauthorized"}
	case 1:
		r.Token = rapid.SampledFrom([]string{"x", "not.a.jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}).Draw(t, "bad token")
		r.Principal = "forged"
		return &Mutation{Kind: "auth: malformed or unsigned token", Statuses: []int{http.StatusUnauthorized}, Code: "unauthorized"}
	default:
		if r.Token == "" {
			r.Token = "x.y.z"
		}
		// Flip a character of the signature of a real token.
		parts := strings.Split(r.Token, ".")
		sig := []byte(parts[len(parts)-1])
		if len(sig) > 1 {
			// Not the last character: its low bits may be base64 padding
			// that decoding ignores.
			i := rapid.IntRange(0, len(sig)-2).Draw(t, "signature byte")
			if sig[i] == 'A' {
				sig[i] = 'B'
			} else {
				sig[i] = 'A'
			}
		}
		parts[len(parts)-1] = string(sig)
		r.Token = strings.Join(parts, ".")
		r.Principal = "forged"
		return &Mutation{Kind: "auth: tampered signature", Statuses: []int{http.StatusUnauthorized}, Code: "unauthorized"}
	}
}
