package hardening

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// operation is one route of the OpenAPI document, with what the attacks
// need to know about it.
type operation struct {
	method, path string
	secured      bool
	params       []param
	body         *schema
}

func (o operation) String() string { return o.method + " " + o.path }

type param struct {
	in, name string
	schema   schema
}

// schema is the part of a JSON schema the attacks read.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"`
	Enum                 []any              `json:"enum"`
	Format               string             `json:"format"`
	MaxLength            *int               `json:"maxLength"`
	MaxItems             *int               `json:"maxItems"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	Required             []string           `json:"required"`
	AdditionalProperties any                `json:"additionalProperties"`
}

// is reports whether the schema allows JSON type typ.
func (s *schema) is(typ string) bool {
	switch t := s.Type.(type) {
	case string:
		return t == typ
	case []any:
		for _, x := range t {
			if x == typ {
				return true
			}
		}
	}
	return false
}

// operations reads the binary's /openapi.json.
func operations(t *testing.T, f *fixture) []operation {
	t.Helper()
	r := send(t, f.base, request{method: "GET", path: "/openapi.json"})
	if r.status != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d", r.status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Security   []map[string][]string `json:"security"`
			Parameters []struct {
				In     string `json:"in"`
				Name   string `json:"name"`
				Schema schema `json:"schema"`
			} `json:"parameters"`
			RequestBody *struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(s schema) *schema {
		if s.Ref != "" {
			return doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		}
		return &s
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for method, op := range methods {
			o := operation{method: strings.ToUpper(method), path: path, secured: len(op.Security) > 0}
			for _, p := range op.Parameters {
				o.params = append(o.params, param{in: p.In, name: p.Name, schema: p.Schema})
			}
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					o.body = resolve(c.Schema)
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	if len(ops) < 15 {
		t.Fatalf("only %d operations in /openapi.json", len(ops))
	}
	return ops
}
