// Package arch checks the rules of docs/architecture.md over the repository's
// source: the first four from the import declarations of every Go file,
// the fifth from the platform's code and comments, the last from the
// modules' code and the schema's SQL.
//
//   - a domain package (modules/<m>/internal/domain/...) imports only the
//     standard library, github.com/google/uuid and its module's other
//     domain packages (its tests may use test libraries);
//   - an application package (modules/<m>/internal/app/...) imports no
//     postgres or httpapi package;
//   - nothing but the module's root package (its fx wiring) imports a
//     postgres or httpapi package (their own tests aside);
//   - no code imports another module's internal packages;
//   - the platform names no context (CheckPlatform, names.go): the contexts
//     are discovered from modules/, with their routes and permissions;
//   - no module's code changes its database role, and no schema SQL
//     defines a SECURITY DEFINER function (CheckRoles, roles.go).
//
// Go's own internal rule already stops most of the fourth one at compile
// time; the check also covers files that do not build together (tests,
// other build tags) and says which rule broke.
package arch

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// Violation is one import that breaks a rule.
type Violation struct {
	// File is relative to the checked root, with forward slashes.
	File   string
	Import string
	Rule   string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s imports %s: %s", v.File, v.Import, v.Rule)
}

// The rules, as reported.
const (
	RuleDomain         = "a domain package imports only the standard library, github.com/google/uuid and its module's domain"
	RuleAppAdapters    = "an application package must not import postgres or httpapi (adapters depend on the app, not the reverse)"
	RuleOnlyWiring     = "only the module's root package (its fx wiring) imports postgres or httpapi"
	RuleOtherInternals = "a module's internal packages are its own: use its facade, a platform port or events"
)

// allowedInDomain are the non-standard imports a domain package may use.
var allowedInDomain = []string{"github.com/google/uuid"}

// goModule is a Go module of the repository.
type goModule struct {
	dir  string // relative to root, forward slashes; "" for the root
	path string // module path
}

// Check walks every Go file under root (skipping testdata, node_modules
// and hidden directories) and returns the violations, sorted.
func Check(root string) ([]Violation, error) {
	mods, err := modules(root)
	if err != nil {
		return nil, err
	}
	var out []Violation
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		pkg := packagePath(mods, filepath.ToSlash(filepath.Dir(rel)))
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			for _, rule := range broken(mods, pkg, imp, strings.HasSuffix(rel, "_test.go")) {
				out = append(out, Violation{File: rel, Import: imp, Rule: rule})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Import < out[j].Import
	})
	return out, nil
}

func skipDir(name string) bool {
	return name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// broken lists the rules that importing imp from package pkg breaks.
func broken(mods []goModule, pkg, imp string, isTest bool) []string {
	var rules []string
	pkgMod, pkgRel := moduleOf(mods, pkg)
	impMod, impRel := moduleOf(mods, imp)

	ownDomain := impMod != nil && impMod == pkgMod && under(impRel, "internal/domain")
	if isContextModule(pkgMod) && under(pkgRel, "internal/domain") && !isTest && !isStdlib(imp) && !allowed(imp) && !ownDomain {
		rules = append(rules, RuleDomain)
	}
	if impMod != nil && isAdapter(impRel) {
		samePackage := isTest && pkg == imp
		switch {
		case pkgMod == impMod && under(pkgRel, "internal/app"):
			rules = append(rules, RuleAppAdapters)
		case pkgMod == impMod && pkgRel == "":
			// the module's wiring: allowed
		case samePackage:
			// a package's own external tests
		case pkgMod == impMod && adapterRoot(pkgRel) != "" && adapterRoot(pkgRel) == adapterRoot(impRel):
			// inside one adapter (postgres importing postgres/rows)
		default:
			rules = append(rules, RuleOnlyWiring)
		}
	}
	if impMod != nil && pkgMod != impMod && hasSegment(impRel, "internal") {
		rules = append(rules, RuleOtherInternals)
	}
	return rules
}

// modules finds every go.mod under root.
func modules(root string) ([]goModule, error) {
	var mods []goModule
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mf, err := modfile.ParseLax(path, data, nil)
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		if mf.Module == nil {
			return fmt.Errorf("%s declares no module", path)
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(rel)
		if dir == "." {
			dir = ""
		}
		mods = append(mods, goModule{dir: dir, path: mf.Module.Mod.Path})
		return nil
	})
	// Longest path first, so the innermost module wins.
	sort.Slice(mods, func(i, j int) bool { return len(mods[i].path) > len(mods[j].path) })
	return mods, err
}

// packagePath is the import path of the package in dir (relative to root).
func packagePath(mods []goModule, dir string) string {
	if dir == "." {
		dir = ""
	}
	best := -1
	for i, m := range mods {
		if (m.dir == "" || dir == m.dir || strings.HasPrefix(dir, m.dir+"/")) && (best < 0 || len(m.dir) > len(mods[best].dir)) {
			best = i
		}
	}
	if best < 0 {
		return dir
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(dir, mods[best].dir), "/")
	if rest == "" {
		return mods[best].path
	}
	return mods[best].path + "/" + rest
}

// moduleOf returns the repository module an import path belongs to and
// the path inside it ("" for its root package), or nil.
func moduleOf(mods []goModule, path string) (*goModule, string) {
	for i := range mods {
		m := &mods[i]
		if path == m.path {
			return m, ""
		}
		if strings.HasPrefix(path, m.path+"/") {
			return m, strings.TrimPrefix(path, m.path+"/")
		}
	}
	return nil, ""
}

// isContextModule reports whether m is a bounded context (modules/<name>).
func isContextModule(m *goModule) bool {
	return m != nil && strings.HasPrefix(m.dir, "modules/")
}

// isAdapter reports whether rel (inside a module) is a postgres or httpapi
// package, or one below them.
func isAdapter(rel string) bool {
	return hasSegment(rel, "postgres") || hasSegment(rel, "httpapi")
}

// adapterRoot is rel up to its postgres or httpapi segment, or "".
func adapterRoot(rel string) string {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		if s == "postgres" || s == "httpapi" {
			return strings.Join(segs[:i+1], "/")
		}
	}
	return ""
}

func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }

func hasSegment(rel, seg string) bool {
	for _, s := range strings.Split(rel, "/") {
		if s == seg {
			return true
		}
	}
	return false
}

// isStdlib reports whether path is a standard library package: its first
// element has no dot.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func allowed(path string) bool {
	for _, a := range allowedInDomain {
		if path == a || strings.HasPrefix(path, a+"/") {
			return true
		}
	}
	return false
}
