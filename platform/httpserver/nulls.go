package httpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
)

// bodyShape answers 422 for what huma's validator lets through or trips
// over, checked against the operation's own request schema before huma
// validates:
//   - null in a property whose schema does not allow null: huma skips a
//     null optional property, so {"status": null} would silently mean
//     "absent" although the document says status is a string;
//   - an object or array inside an array declared uniqueItems of scalars:
//     huma's validator panics hashing it.
//
// Each problem names its field by JSON path, like every validation error.
// Bodies that are not JSON objects are left to huma (400 or 422).
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
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "the request is invalid", problems...)
			return
		}
		next(ctx)
	}
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

func walkShape(reg huma.Registry, s *huma.Schema, v any, path string, problems *[]error) {
	if s.Ref != "" {
		if s = reg.SchemaFromRef(s.Ref); s == nil {
			return
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for k, pv := range x {
			ps := s.Properties[k]
			if ps == nil {
				continue // unknown fields are huma's to reject
			}
			p := path + "." + k
			if pv == nil {
				if !allowsNull(reg, ps) {
					*problems = append(*problems, &huma.ErrorDetail{Location: p, Message: "must not be null", Value: nil})
				}
				continue
			}
			walkShape(reg, ps, pv, p, problems)
		}
	case []any:
		if s.Items == nil {
			return
		}
		for i, item := range x {
			p := path + "[" + strconv.Itoa(i) + "]"
			if s.UniqueItems && isContainer(item) && !containerSchema(reg, s.Items) {
				*problems = append(*problems, &huma.ErrorDetail{Location: p, Message: "expected " + s.Items.Type, Value: item})
				continue
			}
			if item == nil {
				if !allowsNull(reg, s.Items) {
					*problems = append(*problems, &huma.ErrorDetail{Location: p, Message: "must not be null"})
				}
				continue
			}
			walkShape(reg, s.Items, item, p, problems)
		}
	}
}

// allowsNull is true for nullable schemas and for those this walker does
// not understand (no type, or a composition), which huma then validates.
func allowsNull(reg huma.Registry, s *huma.Schema) bool {
	if s.Ref != "" {
		if s = reg.SchemaFromRef(s.Ref); s == nil {
			return true
		}
	}
	return s.Nullable || s.Type == "" || s.Type == "null" || len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0
}

func containerSchema(reg huma.Registry, s *huma.Schema) bool {
	if s.Ref != "" {
		if s = reg.SchemaFromRef(s.Ref); s == nil {
			return true
		}
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
