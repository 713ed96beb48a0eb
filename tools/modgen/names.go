package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// maxNameLen keeps every identifier derived from a name (the longest is
// the "<name>_description_length_check" constraint) within Postgres' 63.
const maxNameLen = 30

var identifier = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// check validates name and singular (derived from name when empty) against
// Go, Postgres and what the repository at root already holds, and returns
// the spec to render. It reads and changes nothing else.
func check(root, name, singular string) (spec, error) {
	if err := checkIdentifier("name", name); err != nil {
		return spec{}, err
	}
	if err := checkTaken(root, name); err != nil {
		return spec{}, err
	}
	if singular == "" {
		var ok bool
		if singular, ok = singularOf(name); !ok {
			return spec{}, fmt.Errorf("cannot tell the singular of %q: pass it, e.g. make module name=%s singular=item", name, name)
		}
	}
	if err := checkIdentifier("singular", singular); err != nil {
		return spec{}, err
	}
	if singular == name {
		return spec{}, fmt.Errorf("singular %q must differ from the module name", singular)
	}
	used, err := usedIdentifiers(root)
	if err != nil {
		return spec{}, err
	}
	for _, n := range []string{name, singular} {
		if used[n] {
			return spec{}, fmt.Errorf("%q is an identifier the generated code or app/main.go already uses: choose another name", n)
		}
	}
	goVersion, err := platformGoVersion(root)
	if err != nil {
		return spec{}, err
	}
	return newSpec(name, singular, goVersion), nil
}

func newSpec(name, singular, goVersion string) spec {
	a := "a"
	if strings.ContainsRune("aeiou", rune(singular[0])) {
		a = "an"
	}
	return spec{
		Name: name, Singular: singular, Title: capitalize(name), Type: capitalize(singular), A: a, GoVersion: goVersion,
	}
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// singularOf derives the entity's name from the module's: activities ->
// activity, boxes -> box, notes -> note. Other names need it given.
func singularOf(name string) (string, bool) {
	switch {
	case len(name) > 3 && strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y", true
	case hasAnySuffix(name, "sses", "shes", "ches", "xes", "zes"):
		return strings.TrimSuffix(name, "es"), true
	case len(name) > 1 && strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss"):
		return strings.TrimSuffix(name, "s"), true
	}
	return "", false
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// checkIdentifier accepts a lower-case Go identifier that is neither a
// keyword nor predeclared, short enough for Postgres.
func checkIdentifier(what, s string) error {
	switch {
	case !identifier.MatchString(s):
		return fmt.Errorf("%s %q is not a lower-case Go identifier (a letter a-z, then a-z or 0-9)", what, s)
	case len(s) > maxNameLen:
		return fmt.Errorf("%s %q is longer than %d characters", what, s, maxNameLen)
	case token.IsKeyword(s):
		return fmt.Errorf("%s %q is a Go keyword", what, s)
	case types.Universe.Lookup(s) != nil:
		return fmt.Errorf("%s %q is a predeclared Go identifier", what, s)
	}
	return nil
}

// checkTaken refuses a name whose module directory, schema file, Postgres
// schema or workspace entry exists already.
func checkTaken(root, name string) error {
	for _, p := range []string{filepath.Join("modules", name), filepath.Join("schema", name+".hcl")} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			return fmt.Errorf("%q is taken: %s exists", name, filepath.ToSlash(p))
		} else if !os.IsNotExist(err) {
			return err
		}
	}
	if name == "public" || name == "information_schema" || strings.HasPrefix(name, "pg_") {
		return fmt.Errorf("%q is taken: it is a Postgres system schema", name)
	}
	owners, err := postgresSchemas(root)
	if err != nil {
		return err
	}
	if file, ok := owners[name]; ok {
		return fmt.Errorf("%q is taken: %s declares the Postgres schema %q", name, file, name)
	}
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return err
	}
	wf, err := modfile.ParseWork("go.work", work, nil)
	if err != nil {
		return err
	}
	for _, u := range wf.Use {
		if filepath.Clean(u.Path) == filepath.Join("modules", name) {
			return fmt.Errorf("%q is taken: go.work already uses %s", name, u.Path)
		}
	}
	return nil
}

var schemaBlock = regexp.MustCompile(`(?m)^schema\s+"([^"]+)"`)

// postgresSchemas maps every Postgres schema declared in schema/*.hcl to
// the file declaring it.
func postgresSchemas(root string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "schema", "*.hcl"))
	if err != nil {
		return nil, err
	}
	owners := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range schemaBlock.FindAllSubmatch(b, -1) {
			owners[string(m[1])] = "schema/" + filepath.Base(f)
		}
	}
	return owners, nil
}

// usedIdentifiers are the names the new module and its import in
// app/main.go could collide with: every lower-case identifier of the
// templates (their imports, variables and fields, rendered with names of
// their own) and the package-level names and imports of package main in
// app/.
func usedIdentifiers(root string) (map[string]bool, error) {
	used := map[string]bool{}
	files, err := render(newSpec("zzplaceholders", "zzplaceholder", "1.0"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for p, src := range files {
		if !strings.HasSuffix(p, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && !strings.Contains(id.Name, "zzplaceholder") {
				used[id.Name] = true
			}
			return true
		})
		addImportNames(used, f)
	}
	mains, err := filepath.Glob(filepath.Join(root, "app", "*.go"))
	if err != nil {
		return nil, err
	}
	for _, p := range mains {
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != "main" {
			continue
		}
		for _, d := range f.Decls {
			for _, name := range declaredNames(d) {
				used[name] = true
			}
		}
		addImportNames(used, f)
	}
	return used, nil
}

// declaredNames are the package-level names a declaration introduces.
func declaredNames(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			names = append(names, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			}
		}
	}
	return names
}

// addImportNames adds the names f's imports bind: the explicit one, else
// the path's last element that is not a major version (go-redis/v9 ->
// go-redis, close enough: such names are not identifiers anyway).
func addImportNames(used map[string]bool, f *ast.File) {
	for _, imp := range f.Imports {
		if imp.Name != nil {
			used[imp.Name.Name] = true
			continue
		}
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		elems := strings.Split(p, "/")
		last := elems[len(elems)-1]
		if len(elems) > 1 && regexp.MustCompile(`^v[0-9]+$`).MatchString(last) {
			last = elems[len(elems)-2]
		}
		used[last] = true
	}
}

// platformGoVersion is the go directive of platform/go.mod, which the new
// module's go.mod repeats.
func platformGoVersion(root string) (string, error) {
	p := filepath.Join(root, "platform", "go.mod")
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(p, b, nil)
	if err != nil {
		return "", err
	}
	if f.Go == nil {
		return "", fmt.Errorf("platform/go.mod has no go directive")
	}
	return f.Go.Version, nil
}
