package contract

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Spec is a loaded OpenAPI document and its operations, in a stable order
// (by path, then method) so that a seed draws the same requests every run.
type Spec struct {
	Doc *openapi3.T
	Ops []*Operation
}

// Operation is one method on one path of the document.
type Operation struct {
	ID     string
	Method string
	Path   string
	Op     *openapi3.Operation
	Item   *openapi3.PathItem
	// Params are the path item's and the operation's parameters merged
	// (the operation's win), in document order.
	Params []*openapi3.Parameter
}

// uuidPattern is RFC 9562's UUID (any version), the ids of docs/api.md.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// strictDateTime is docs/api.md's timestamp: RFC 3339 in UTC with milliseconds.
const strictDateTime = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$`

func init() {
	// kin-openapi checks only the formats it is told about. "uuid" and
	// "email" are JSON Schema formats the document uses; "date-time" is
	// held to docs/api.md's stricter form (UTC, milliseconds).
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern))
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
	openapi3.DefineStringFormatValidator("date-time", openapi3.NewRegexpFormatValidator(strictDateTime))
}

// LoadSpec parses and validates an OpenAPI document.
func LoadSpec(data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	inlineRefs(doc)
	s := &Spec{Doc: doc}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		methods := make([]string, 0, len(item.Operations()))
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op := item.GetOperation(m)
			s.Ops = append(s.Ops, &Operation{
				ID: op.OperationID, Method: m, Path: path, Op: op, Item: item,
				Params: mergeParams(item.Parameters, op.Parameters),
			})
		}
	}
	return s, nil
}

// Route is the kin-openapi route of op, for openapi3filter.
func (s *Spec) Route(op *Operation) *routers.Route {
	return &routers.Route{Spec: s.Doc, Path: op.Path, PathItem: op.Item, Method: op.Method, Operation: op.Op}
}

// Secured reports whether op declares a security requirement.
func (o *Operation) Secured() bool {
	if o.Op.Security != nil {
		for _, req := range *o.Op.Security {
			if len(req) > 0 {
				return true
			}
		}
	}
	return false
}

// BodySchema is op's application/json request body schema, or nil.
func (o *Operation) BodySchema() *openapi3.Schema {
	if o.Op.RequestBody == nil || o.Op.RequestBody.Value == nil {
		return nil
	}
	mt := o.Op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// Param returns op's parameter named name in in, or nil.
func (o *Operation) Param(in, name string) *openapi3.Parameter {
	for _, p := range o.Params {
		if p.In == in && strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Response is the response op declares for status, without falling back
// to default: a status that only "default" covers counts as undeclared.
func (o *Operation) Response(status int) *openapi3.Response {
	ref := o.Op.Responses.Value(fmt.Sprint(status))
	if ref == nil {
		return nil
	}
	return ref.Value
}

// String names op the way reports do: "create-activity (POST /v1/activities)".
func (o *Operation) String() string {
	return fmt.Sprintf("%s (%s %s)", o.ID, o.Method, o.Path)
}

func mergeParams(item, op openapi3.Parameters) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	seen := map[string]bool{}
	for _, list := range []openapi3.Parameters{op, item} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			key := ref.Value.In + "\x00" + http.CanonicalHeaderKey(ref.Value.Name)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, ref.Value)
		}
	}
	return out
}

// inlineRefs drops the $ref of every schema reference (its resolved value
// stays). kin-openapi validates a schema holding references with its
// OpenAPI 3.0 validator, where {} refuses null; inlined, it uses the JSON
// Schema 2020-12 validator, whose semantics are OpenAPI 3.1's.
func inlineRefs(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil {
			return
		}
		ref.Ref = ""
		s := ref.Value
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, p := range s.Properties {
			walk(p)
		}
		for _, list := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, r := range list {
				walk(r)
			}
		}
		walk(s.Items)
		walk(s.Not)
		walk(s.AdditionalProperties.Schema)
	}
	for _, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			if p.Value != nil {
				walk(p.Value.Schema)
			}
		}
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
				for _, h := range resp.Value.Headers {
					if h.Value != nil {
						walk(h.Value.Schema)
					}
				}
			}
		}
	}
}
