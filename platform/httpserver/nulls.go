package httpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
)

// bodyShape answers 422 for what huma's validator lets through or trips
// over, checked against the operation's own request schema before huma
// validates:
//   - a NUL character (\u0000) in any string or property name: valid JSON,
//     but PostgreSQL text cannot hold it (see text.go);
//   - null in a property whose schema does not allow null: huma skips a
//     null optional property, so {"status": null} would silently mean
//     "absent" although the document says status is a string;
//   - an object or array inside an array declared uniqueItems of scalars:
//     huma's validator panics hashing it.
//
// Each problem names its field by JSON path, like every validation error,
// and the same 422 reports what the schema finds wrong with the other
// fields. (Rules that the operations check beyond the schema run after
// huma's validation, which this answer stops before.) Bodies that are not
// JSON are left to huma (400).
func bodyShape(api huma.API) func(huma.Context, func(huma.Context)) {
	reg := api.OpenAPI().Components.Schemas
	return func(ctx huma.Context, next func(huma.Context)) {
		schema := requestSchema(ctx.Operation())
		if schema == nil {
			next(ctx)
			return
		}
		req := humagin.Unwrap(ctx).Request
		data, readErr := io.ReadAll(req.Body)
		// huma reads the body next: give it the same bytes, and the same
		// error (e.g. the body limit's) after them.
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{readErr}))
		var v any
		if readErr != nil || json.Unmarshal(data, &v) != nil {
			next(ctx)
			return
		}
		var problems []error
		walkShape(reg, schema, v, "body", &problems)
		if len(problems) > 0 {
			problems = append(problems, schemaErrors(reg, schema, v)...)
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "the request is invalid", problems...)
			return
		}
		next(huma.WithValue(ctx, schemaRefusesKey{}, func() bool { return len(schemaErrors(reg, schema, v)) > 0 }))
	}
}

// schemaRefusesKey keys, in a request's context, whether huma's schema
// validation refuses its body: a func, so that only a request whose body
// breaks an operation's own rules pays for a second validation.
type schemaRefusesKey struct{}

// AlongsideSchemaErrors is what a request body's huma Resolve returns for
// err, the rules its operation checks beyond the schema (a
// validation_failed *apperr.Error, e.g. the domain's verdict): err when
// the schema refuses the body too, so that huma's one 422 names every
// invalid field (docs/api.md); nothing otherwise, and the command reports err
// itself, after its permission check, like any rule of the domain. So a
// caller without the permission hears 401 or 403 about a body the
// document accepts, never the domain's rules.
func AlongsideSchemaErrors(ctx huma.Context, err error) []error {
	if err == nil {
		return nil
	}
	if refuses, _ := ctx.Context().Value(schemaRefusesKey{}).(func() bool); refuses == nil || !refuses() {
		return nil
	}
	return []error{err}
}

// schemaErrors are huma's validation errors of body v, or none when the
// validator panics on it (see validationPanics).
func schemaErrors(reg huma.Registry, schema *huma.Schema, v any) (errs []error) {
	defer func() {
		if recover() != nil {
			errs = nil
		}
	}()
	res := &huma.ValidateResult{}
	pb := huma.NewPathBuffer([]byte{}, 0)
	pb.Push("body")
	huma.Validate(reg, schema, pb, huma.ModeWriteToServer, v, res)
	return res.Errors
}

func requestSchema(op *huma.Operation) *huma.Schema {
	if op == nil || op.RequestBody == nil {
		return nil
	}
	mt := op.RequestBody.Content["application/json"]
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// walkShape walks v, the body decoded, along s (nil where the schema says
// nothing, e.g. under additionalProperties: NUL is refused there too).
func walkShape(reg huma.Registry, s *huma.Schema, v any, path string, problems *[]error) {
	s = deref(reg, s)
	add := func(path, message string) {
		*problems = append(*problems, &huma.ErrorDetail{Location: path, Message: message})
	}
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			add(path, "must not contain a NUL character")
		}
	case map[string]any:
		for k, pv := range x {
			p := path + "." + k
			if strings.IndexByte(k, 0) >= 0 {
				add(p, "is not a known field: a name cannot contain a NUL character")
				continue
			}
			var ps *huma.Schema
			if s != nil {
				ps = s.Properties[k]
			}
			if pv == nil {
				if ps != nil && !allowsNull(reg, ps) {
					add(p, "must not be null")
				}
				continue
			}
			walkShape(reg, ps, pv, p, problems)
		}
	case []any:
		var items *huma.Schema
		if s != nil {
			items = s.Items
		}
		for i, item := range x {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case items != nil && s.UniqueItems && isContainer(item) && !containerSchema(reg, items):
				add(p, "expected "+deref(reg, items).Type)
			case item == nil && items != nil && !allowsNull(reg, items):
				add(p, "must not be null")
			case item != nil:
				walkShape(reg, items, item, p, problems)
			}
		}
	}
}

// deref follows a $ref; nil stays nil, and so does an unknown reference.
func deref(reg huma.Registry, s *huma.Schema) *huma.Schema {
	if s != nil && s.Ref != "" {
		return reg.SchemaFromRef(s.Ref)
	}
	return s
}

// allowsNull is true for nullable schemas and for those this walker does
// not understand (no type, or a composition), which huma then validates.
func allowsNull(reg huma.Registry, s *huma.Schema) bool {
	if s = deref(reg, s); s == nil {
		return true
	}
	return s.Nullable || s.Type == "" || s.Type == "null" || len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0
}

func containerSchema(reg huma.Registry, s *huma.Schema) bool {
	if s = deref(reg, s); s == nil {
		return true
	}
	return s.Type == "" || s.Type == huma.TypeObject || s.Type == huma.TypeArray
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// errReader returns err (or io.EOF) once the real bytes are consumed.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}
