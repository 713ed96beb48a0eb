// Package tfcheck checks Terraform configurations without Terraform: it
// parses them with HashiCorp's HCL parser, evaluates what can be known
// statically (variables from their defaults, terraform.tfvars or the module
// call, locals, module inputs down an environment's stack) and evaluates the
// Rego policies of deployments/aws/policy over the result with OPA, as
// conftest does. The loading stays here because conftest's HCL conversion
// does not evaluate variables, and the policies need the values an
// environment passes down (docs: deployments/aws/terraform/README.md).
package tfcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Config is every Terraform module (directory of .tf files) under a root.
type Config struct {
	Root    string
	Modules map[string]*Module // by directory, relative to Root, slash-separated
	Files   int
}

// Module is one directory of .tf files.
type Module struct {
	Dir    string // relative to Config.Root
	Blocks []*Block
	// TFVars holds terraform.tfvars of the directory, if any (environments).
	TFVars map[string]*hclsyntax.Attribute

	// inputs are the values a caller passes, when this is an instance of
	// the module called from another (see Config.Calls).
	inputs map[string]cty.Value
	ctx    *hcl.EvalContext
}

// Block is a top-level block with the file it came from.
type Block struct {
	*hclsyntax.Block
	File string // relative to Config.Root
}

// Finding is one rule violation.
type Finding struct {
	Rule string
	Pos  string // file:line
	Msg  string
}

func (f Finding) String() string { return fmt.Sprintf("%s: [%s] %s", f.Pos, f.Rule, f.Msg) }

// Load parses every .tf file (and terraform.tfvars) under root. The
// diagnostics are the parser's; a non-empty error set means the files are
// not valid HCL native syntax.
func Load(root string) (*Config, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	cfg := &Config{Root: root, Modules: map[string]*Module{}}
	var diags hcl.Diagnostics
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return nil
		}
		isTF := strings.HasSuffix(path, ".tf")
		isVars := d.Name() == "terraform.tfvars"
		if !isTF && !isVars {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		dir := filepath.ToSlash(filepath.Dir(rel))
		m := cfg.Modules[dir]
		if m == nil {
			m = &Module{Dir: dir}
			cfg.Modules[dir] = m
		}
		f, ds := parser.ParseHCLFile(path)
		diags = append(diags, ds...)
		if f == nil || ds.HasErrors() {
			return nil
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "not HCL native syntax", Subject: &hcl.Range{Filename: path}})
			return nil
		}
		if isVars {
			if len(body.Blocks) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "terraform.tfvars may only hold attributes", Subject: body.Blocks[0].DefRange().Ptr()})
			}
			m.TFVars = body.Attributes
			return nil
		}
		cfg.Files++
		if len(body.Attributes) > 0 {
			for _, a := range body.Attributes {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "unexpected top-level attribute " + a.Name, Subject: a.SrcRange.Ptr()})
			}
		}
		for _, b := range body.Blocks {
			m.Blocks = append(m.Blocks, &Block{Block: b, File: rel})
		}
		return nil
	})
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error()})
	}
	for _, m := range cfg.Modules {
		diags = append(diags, m.checkTopLevel()...)
	}
	return cfg, diags
}

// topLevel lists the block types Terraform accepts at the top of a module
// and how many labels each takes.
var topLevel = map[string]int{
	"terraform": 0, "provider": 1, "variable": 1, "output": 1, "locals": 0,
	"module": 1, "resource": 2, "data": 2, "moved": 0, "import": 0,
	"check": 1, "removed": 0,
}

func (m *Module) checkTopLevel() hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, b := range m.Blocks {
		n, ok := topLevel[b.Type]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "unknown block type " + b.Type, Subject: b.DefRange().Ptr()})
			continue
		}
		if len(b.Labels) != n {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("%s block needs %d labels", b.Type, n), Subject: b.DefRange().Ptr()})
			continue
		}
		if n > 0 && b.Type != "provider" {
			key := b.Type + "." + strings.Join(b.Labels, ".")
			if seen[key] {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "duplicate " + key, Subject: b.DefRange().Ptr()})
			}
			seen[key] = true
		}
	}
	return diags
}

// Find returns the top-level blocks of a type whose labels start with labels.
func (m *Module) Find(typ string, labels ...string) []*Block {
	var out []*Block
	for _, b := range m.Blocks {
		if b.Type != typ || len(b.Labels) < len(labels) {
			continue
		}
		match := true
		for i, l := range labels {
			if b.Labels[i] != l {
				match = false
			}
		}
		if match {
			out = append(out, b)
		}
	}
	return out
}

// Variables returns the declared variables by name.
func (m *Module) Variables() map[string]*Block {
	out := map[string]*Block{}
	for _, b := range m.Find("variable") {
		out[b.Labels[0]] = b
	}
	return out
}

// Outputs returns the declared outputs by name.
func (m *Module) Outputs() map[string]*Block {
	out := map[string]*Block{}
	for _, b := range m.Find("output") {
		out[b.Labels[0]] = b
	}
	return out
}

// Locals returns every local value definition by name.
func (m *Module) Locals() map[string]*hclsyntax.Attribute {
	out := map[string]*hclsyntax.Attribute{}
	for _, b := range m.Find("locals") {
		for n, a := range b.Body.Attributes {
			out[n] = a
		}
	}
	return out
}

// Pos formats a range as file:line relative to the config root.
func (c *Config) Pos(r hcl.Range) string {
	rel, err := filepath.Rel(c.Root, r.Filename)
	if err != nil {
		rel = r.Filename
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(rel), r.Start.Line)
}

// evalContext returns the context used to evaluate expressions statically:
// variables take the value their caller passes, or their tfvars value, or
// their default; locals their value where it can be computed; everything
// else is unknown.
func (m *Module) evalContext() *hcl.EvalContext {
	if m.ctx != nil {
		return m.ctx
	}
	vars := map[string]cty.Value{}
	for name, b := range m.Variables() {
		vars[name] = cty.DynamicVal
		if a, ok := b.Body.Attributes["default"]; ok {
			if v, d := a.Expr.Value(nil); !d.HasErrors() {
				vars[name] = v
			}
		}
		if a, ok := m.TFVars[name]; ok {
			if v, d := a.Expr.Value(nil); !d.HasErrors() {
				vars[name] = v
			}
		}
		if v, ok := m.inputs[name]; ok {
			vars[name] = v
		}
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var":   cty.ObjectVal(vars),
		"local": cty.EmptyObjectVal,
	}}
	locals := m.Locals()
	vals := map[string]cty.Value{}
	for n := range locals {
		vals[n] = cty.DynamicVal
	}
	// Locals may refer to each other: a few passes settle them.
	for range 4 {
		ctx.Variables["local"] = cty.ObjectVal(vals)
		for n, a := range locals {
			if v, ok := evalIn(ctx, a.Expr); ok {
				vals[n] = v
			}
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(vals)
	m.ctx = ctx
	return ctx
}

// Eval evaluates an expression statically. ok is false when it cannot be
// evaluated (unknown references, function calls).
func (m *Module) Eval(expr hcl.Expression) (cty.Value, bool) {
	return evalIn(m.evalContext(), expr)
}

func evalIn(base *hcl.EvalContext, expr hcl.Expression) (cty.Value, bool) {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}}
	for k, v := range base.Variables {
		ctx.Variables[k] = v
	}
	for _, t := range expr.Variables() {
		if _, ok := ctx.Variables[t.RootName()]; !ok {
			ctx.Variables[t.RootName()] = cty.DynamicVal
		}
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

// Refs returns the references of an expression as dotted paths of their
// root and attribute steps ("aws_security_group.alb.id", "var.x").
func Refs(expr hcl.Expression) []string {
	var out []string
	for _, t := range expr.Variables() {
		parts := []string{t.RootName()}
		for _, step := range t[1:] {
			if a, ok := step.(hcl.TraverseAttr); ok {
				parts = append(parts, a.Name)
			} else {
				break
			}
		}
		out = append(out, strings.Join(parts, "."))
	}
	return out
}

// Call is one module call as Terraform evaluates it from a root module.
type Call struct {
	Block *Block
	// Caller is the module instance the block stands in: its Eval sees the
	// variables its own caller passed.
	Caller *Module
	// Target is the called module, nil when the source is not a local
	// module of the configuration.
	Target *Module
}

// Calls returns the module calls of root and, depth first, those of the
// modules it calls, each evaluated with what its caller passes: the
// effective configuration of an environment that assembles its stack
// through a shared module.
func (c *Config) Calls(root *Module) []Call {
	var out []Call
	c.appendCalls(&out, root, map[string]bool{root.Dir: true})
	return out
}

func (c *Config) appendCalls(out *[]Call, m *Module, active map[string]bool) {
	for _, b := range m.Find("module") {
		call := Call{Block: b, Caller: m, Target: c.target(m, b)}
		*out = append(*out, call)
		if call.Target == nil || active[call.Target.Dir] {
			continue // not ours, or a cycle
		}
		active[call.Target.Dir] = true
		c.appendCalls(out, call.Target.calledBy(m, b), active)
		delete(active, call.Target.Dir)
	}
}

// target returns the module that module block b of m calls, nil when its
// source is not a literal local path of the configuration.
func (c *Config) target(m *Module, b *Block) *Module {
	a := b.Body.Attributes["source"]
	if a == nil {
		return nil
	}
	v, ok := m.Eval(a.Expr)
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return nil
	}
	src := v.AsString()
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
		return nil
	}
	return c.Modules[path.Clean(path.Join(m.Dir, src))]
}

// calledBy returns an instance of m whose variables take what block b of
// caller passes them (unknown where that cannot be computed statically).
func (m *Module) calledBy(caller *Module, b *Block) *Module {
	inputs := map[string]cty.Value{}
	for name := range m.Variables() {
		a, ok := b.Body.Attributes[name]
		if !ok {
			continue
		}
		v, ok := caller.Eval(a.Expr)
		if !ok {
			v = cty.DynamicVal
		}
		inputs[name] = v
	}
	return &Module{Dir: m.Dir, Blocks: m.Blocks, inputs: inputs}
}

// ReadDirs lists the subdirectories of dir (for the expected layout checks).
func ReadDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}
