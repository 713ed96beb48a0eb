package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// modulePrefix is the import path of every bounded context.
const modulePrefix = "github.com/zebralabs/zebra/modules/"

// edit is the new content of an existing file, with its old one to
// restore if generation fails (a derived file, which a command rewrites,
// has no after).
type edit struct {
	path          string // relative to the root, with forward slashes
	before, after []byte
}

// wiring prepares the three edits that plug the module in: go.work uses
// it, app/go.mod requires (and replaces) it, and app/main.go lists its
// Module among the contexts.
func wiring(root string, s spec) ([]edit, error) {
	var edits []edit
	for _, w := range []struct {
		path string
		fn   func([]byte, spec) ([]byte, error)
	}{{"go.work", useInWork}, {"app/go.mod", requireInApp}, {"app/main.go", addToContexts}} {
		before, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(w.path)))
		if err != nil {
			return nil, err
		}
		after, err := w.fn(before, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.path, err)
		}
		edits = append(edits, edit{path: w.path, before: before, after: after})
	}
	return edits, nil
}

// useInWork adds ./modules/<name> to go.work's use block, sorted, as `go
// work use` would.
func useInWork(src []byte, s spec) ([]byte, error) {
	wf, err := modfile.ParseWork("go.work", src, nil)
	if err != nil {
		return nil, err
	}
	if err := wf.AddUse("./modules/"+s.Name, ""); err != nil {
		return nil, err
	}
	wf.SortBlocks()
	wf.Cleanup()
	return modfile.Format(wf.Syntax), nil
}

// requireInApp appends the requirement and its replacement to app/go.mod,
// in the form the other contexts have there.
func requireInApp(src []byte, s spec) ([]byte, error) {
	path := modulePrefix + s.Name
	add := fmt.Sprintf("\nrequire %s v0.0.0\n\nreplace %s => ../modules/%s\n", path, path, s.Name)
	out := append(bytes.TrimRight(bytes.Clone(src), "\n"), '\n')
	out = append(out, add...)
	if _, err := modfile.Parse("app/go.mod", out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// addToContexts adds "<name>.Module," at the end of the list in `var
// contexts = []fx.Option{...}` and the module's import beside the other
// contexts' imports. Anything else in the file stays as it is.
func addToContexts(src []byte, s spec) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	list := contextsList(f)
	if list == nil {
		return nil, fmt.Errorf("no `var contexts = []fx.Option{...}` to add %s.Module to", s.Name)
	}
	lastImport := lastContextImport(f)
	if lastImport == nil {
		return nil, fmt.Errorf("no import of %s... beside which to import %s", modulePrefix, s.Name)
	}
	// Insert from the end of the file backwards, so offsets stay valid.
	closing := fset.Position(list.Rbrace).Offset
	lineStart := bytes.LastIndexByte(src[:closing], '\n') + 1
	var out []byte
	if strings.TrimSpace(string(src[lineStart:closing])) == "" {
		out = insert(src, lineStart, "\t"+s.Name+".Module,\n") // the list ends on a line of its own
	} else {
		out = insert(src, closing, ", "+s.Name+".Module")
	}
	importEnd := fset.Position(lastImport.End()).Offset
	out = insert(out, importEnd, "\n\t"+strconv.Quote(modulePrefix+s.Name))
	return format.Source(out)
}

// contextsList is the composite literal assigned to the package-level
// variable contexts, or nil.
func contextsList(f *ast.File) *ast.CompositeLit {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			for i, n := range v.Names {
				if n.Name != "contexts" || i >= len(v.Values) {
					continue
				}
				if list, ok := v.Values[i].(*ast.CompositeLit); ok {
					return list
				}
			}
		}
	}
	return nil
}

// lastContextImport is the last import of a bounded context.
func lastContextImport(f *ast.File) *ast.ImportSpec {
	var last *ast.ImportSpec
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err == nil && strings.HasPrefix(p, modulePrefix) {
			last = imp
		}
	}
	return last
}

func insert(src []byte, at int, text string) []byte {
	out := make([]byte, 0, len(src)+len(text))
	out = append(out, src[:at]...)
	out = append(out, text...)
	return append(out, src[at:]...)
}
