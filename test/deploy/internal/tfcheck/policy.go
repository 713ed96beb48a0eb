package tfcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/zclconf/go-cty/cty"
)

// Check evaluates the Rego policies of policyDir over the configuration's
// Document and returns their findings (data.main.deny, conftest's default),
// sorted by position.
func Check(c *Config, policyDir string) ([]Finding, error) {
	rs, err := rego.New(
		rego.Query("data.main.deny"),
		rego.Strict(true),
		rego.Load([]string{policyDir}, nil),
		rego.Input(c.Document()),
	).Eval(context.Background())
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("%s: no data.main.deny", policyDir)
	}
	raw, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		return nil, err
	}
	var out []Finding
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: deny must hold {rule, pos, msg} objects: %w", policyDir, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos != out[j].Pos {
			return out[i].Pos < out[j].Pos
		}
		return out[i].Msg < out[j].Msg
	})
	return out, nil
}

// The document the policies read; deployments/aws/policy/lib.rego describes it.
type (
	document struct {
		Modules map[string]moduleDoc `json:"modules"`
	}
	moduleDoc struct {
		Dir        string                         `json:"dir"`
		Resource   map[string]map[string]blockDoc `json:"resource"`
		Data       map[string]map[string]blockDoc `json:"data"`
		Module     map[string]moduleCallDoc       `json:"module"`
		Variable   map[string]blockDoc            `json:"variable"`
		Output     map[string]blockDoc            `json:"output"`
		Locals     map[string]attrDoc             `json:"locals"`
		Terraform  []blockDoc                     `json:"terraform"`
		Providers  []string                       `json:"providers"`
		References []refDoc                       `json:"references"`
		Calls      []callDoc                      `json:"calls"`
	}
	blockDoc struct {
		Pos    string                `json:"pos"`
		Labels []string              `json:"labels"`
		Attrs  map[string]attrDoc    `json:"attrs"`
		Blocks map[string][]blockDoc `json:"blocks"`
	}
	moduleCallDoc struct {
		blockDoc
		Target *string `json:"target"`
	}
	attrDoc struct {
		Value any      `json:"value"`
		Known bool     `json:"known"`
		Set   bool     `json:"set"`
		Refs  []string `json:"refs"`
		Pos   string   `json:"pos"`
	}
	refDoc struct {
		Ref string `json:"ref"`
		Pos string `json:"pos"`
	}
	callDoc struct {
		Name  string             `json:"name"`
		Pos   string             `json:"pos"`
		Attrs map[string]attrDoc `json:"attrs"`
	}
)

// Document returns the configuration as the policies read it: every block
// with its attributes evaluated statically, and for each module the module
// calls of the stack it is the root of.
func (c *Config) Document() any {
	doc := document{Modules: map[string]moduleDoc{}}
	for dir, m := range c.Modules {
		doc.Modules[dir] = c.moduleDoc(m)
	}
	return doc
}

func (c *Config) moduleDoc(m *Module) moduleDoc {
	d := moduleDoc{
		Dir: m.Dir, Resource: map[string]map[string]blockDoc{}, Data: map[string]map[string]blockDoc{},
		Module: map[string]moduleCallDoc{}, Variable: map[string]blockDoc{}, Output: map[string]blockDoc{},
		Locals: map[string]attrDoc{}, Terraform: []blockDoc{}, Providers: []string{}, References: []refDoc{}, Calls: []callDoc{},
	}
	for _, b := range m.Blocks {
		switch b.Type {
		case "resource", "data":
			byType := d.Resource
			if b.Type == "data" {
				byType = d.Data
			}
			if byType[b.Labels[0]] == nil {
				byType[b.Labels[0]] = map[string]blockDoc{}
			}
			byType[b.Labels[0]][b.Labels[1]] = c.blockDoc(m, b.Block)
		case "module":
			call := moduleCallDoc{blockDoc: c.blockDoc(m, b.Block)}
			if t := c.target(m, b); t != nil {
				call.Target = &t.Dir
			}
			d.Module[b.Labels[0]] = call
		case "variable":
			d.Variable[b.Labels[0]] = c.blockDoc(m, b.Block)
		case "output":
			d.Output[b.Labels[0]] = c.blockDoc(m, b.Block)
		case "locals":
			for n, a := range b.Body.Attributes {
				d.Locals[n] = c.attrDoc(m, a)
			}
		case "terraform":
			d.Terraform = append(d.Terraform, c.blockDoc(m, b.Block))
		case "provider":
			d.Providers = append(d.Providers, b.Labels[0])
		}
		walkBody(b.Body, func(a *hclsyntax.Attribute) {
			for _, r := range Refs(a.Expr) {
				d.References = append(d.References, refDoc{Ref: r, Pos: c.Pos(a.SrcRange)})
			}
		})
	}
	for _, call := range c.Calls(m) {
		args := map[string]attrDoc{}
		for n, a := range call.Block.Body.Attributes {
			args[n] = c.attrDoc(call.Caller, a)
		}
		d.Calls = append(d.Calls, callDoc{Name: call.Block.Labels[0], Pos: c.Pos(call.Block.DefRange()), Attrs: args})
	}
	return d
}

// blockDoc converts a block; the content of a `dynamic "x"` block counts as
// an x block.
func (c *Config) blockDoc(m *Module, b *hclsyntax.Block) blockDoc {
	d := blockDoc{Pos: c.Pos(b.DefRange()), Labels: append([]string{}, b.Labels...), Attrs: map[string]attrDoc{}, Blocks: map[string][]blockDoc{}}
	for n, a := range b.Body.Attributes {
		d.Attrs[n] = c.attrDoc(m, a)
	}
	for _, nb := range b.Body.Blocks {
		if nb.Type != "dynamic" || len(nb.Labels) != 1 {
			d.Blocks[nb.Type] = append(d.Blocks[nb.Type], c.blockDoc(m, nb))
			continue
		}
		for _, content := range nb.Body.Blocks {
			if content.Type == "content" {
				d.Blocks[nb.Labels[0]] = append(d.Blocks[nb.Labels[0]], c.blockDoc(m, content))
			}
		}
	}
	return d
}

func (c *Config) attrDoc(m *Module, a *hclsyntax.Attribute) attrDoc {
	v, known := m.partial(a.Expr)
	lit, diags := a.Expr.Value(nil)
	return attrDoc{
		Value: v, Known: known,
		Set:  diags.HasErrors() || !lit.IsNull(),
		Refs: append([]string{}, Refs(a.Expr)...),
		Pos:  c.Pos(a.SrcRange),
	}
}

// partial evaluates expr as far as it can: an object or tuple constructor
// that does not evaluate as a whole keeps the items that do, and a function
// call (which the static evaluation has none of) becomes the list of its
// arguments, so that jsonencode([{ user = "app" }]) still shows the object.
// known reports a wholly known value.
func (m *Module) partial(expr hclsyntax.Expression) (v any, known bool) {
	if v, ok := m.Eval(expr); ok {
		return jsonValue(v), v.IsWhollyKnown()
	}
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		out := map[string]any{}
		for _, it := range e.Items {
			k, diags := it.KeyExpr.Value(nil)
			if diags.HasErrors() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
				continue
			}
			out[k.AsString()], _ = m.partial(it.ValueExpr)
		}
		return out, false
	case *hclsyntax.TupleConsExpr:
		return m.partialList(e.Exprs), false
	case *hclsyntax.FunctionCallExpr:
		return m.partialList(e.Args), false
	}
	return nil, false
}

func (m *Module) partialList(exprs []hclsyntax.Expression) []any {
	out := []any{}
	for _, e := range exprs {
		v, _ := m.partial(e)
		out = append(out, v)
	}
	return out
}

// jsonValue converts a cty value to its JSON form, unknown parts as null.
func jsonValue(v cty.Value) any {
	v, _ = v.Unmark()
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	switch t := v.Type(); {
	case t == cty.String:
		return v.AsString()
	case t == cty.Number:
		return json.Number(v.AsBigFloat().Text('g', -1))
	case t == cty.Bool:
		return v.True()
	case t.IsObjectType() || t.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = jsonValue(e)
		}
		return out
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, jsonValue(e))
		}
		return out
	}
	return nil
}

// walkBody calls fn for every attribute of body and its nested blocks.
func walkBody(body *hclsyntax.Body, fn func(*hclsyntax.Attribute)) {
	for _, a := range body.Attributes {
		fn(a)
	}
	for _, b := range body.Blocks {
		walkBody(b.Body, fn)
	}
}
