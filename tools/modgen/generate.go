package main

import (
	"bytes"
	"embed"

	"fmt"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// templates holds the module (templates/module, written to modules/NAME)
// and its schema (templates/schema, written to schema/). Path elements
// NAME and SINGULAR take the names; ".tmpl" is dropped.
//
//go:embed templates
var templates embed.FS

// spec is what the templates are rendered with.
type spec struct {
	// Name is the module, its Go package, Postgres schema and table, and
	// the plural in prose and routes: "notes".
	Name string
	// Singular is the entity and its domain package: "note".
	Singular string
	// Title and Type are Name and Singular capitalised: "Notes", "Note".
	Title, Type string
	// A is the article before Singular: "a" or "an".
	A string
	// GoVersion is the go directive of platform/go.mod.
	GoVersion string
}

// derived are the committed copies generated from the code, which `make
// test` compares with it (app/openapi_test.go, test/client): the commands
// are those of `make openapi` and `make client`, run once the module is
// wired in so that its routes appear.
var derived = []struct {
	path string
	cmd  []string
}{
	{"docs/openapi.json", []string{"go", "run", "./app", "openapi", "-o", "docs/openapi.json"}},
	{"test/client/zebra.gen.go", []string{"go", "-C", "test", "generate", "./client"}},
}

// Generate creates modules/<name> and schema/<name>.hcl in the repository
// at root, wires the module in go.work, app/go.mod and app/main.go, tidies
// its go.mod and refreshes the derived files (nothing else). It returns the
// existing files it changed. On any error it has changed nothing.
func Generate(root, name, singular string) ([]string, error) {
	s, err := check(root, name, singular)
	if err != nil {
		return nil, err
	}
	files, err := render(s)
	if err != nil {
		return nil, err
	}
	edits, err := wiring(root, s)
	if err != nil {
		return nil, err
	}
	saved := slices.Clone(edits)
	for _, d := range derived {
		before, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(d.path)))
		if err != nil {
			return nil, err
		}
		saved = append(saved, edit{path: d.path, before: before})
	}
	moduleDir := filepath.Join(root, "modules", s.Name)
	undo := func() {
		_ = os.RemoveAll(moduleDir)
		_ = os.Remove(filepath.Join(root, "schema", s.Name+".hcl"))
		for _, e := range saved {
			_ = os.WriteFile(filepath.Join(root, filepath.FromSlash(e.path)), e.before, 0o644)
		}
	}
	if err := write(root, files, edits); err != nil {
		undo()
		return nil, err
	}
	run := func(dir string, args ...string) error {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = filepath.Join(root, dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			undo()
			return fmt.Errorf("`%s` failed in %s/, nothing was changed: %s", strings.Join(args, " "), dir, firstLine(out, err))
		}
		return nil
	}
	if err := run(path.Join("modules", s.Name), "go", "mod", "tidy"); err != nil {
		return nil, err
	}
	for _, d := range derived {
		if err := run(".", d.cmd...); err != nil {
			return nil, err
		}
	}
	var changed []string
	for _, e := range saved {
		if after, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(e.path))); err != nil || !bytes.Equal(after, e.before) {
			changed = append(changed, e.path)
		}
	}
	return changed, nil
}

// render returns every file of the new module and its schema, by path
// relative to the repository root. Go files are gofmt'ed.
func render(s spec) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(templates, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return fmt.Errorf("template %s: %w", p, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, s); err != nil {
			return fmt.Errorf("template %s: %w", p, err)
		}
		target := targetPath(p, s)
		content := b.Bytes()
		if strings.HasSuffix(target, ".go") {
			if content, err = format.Source(content); err != nil {
				return fmt.Errorf("template %s renders invalid Go: %w", p, err)
			}
		}
		out[target] = content
		return nil
	})
	return out, err
}

// targetPath maps templates/module/... to modules/<name>/... and
// templates/schema/... to schema/..., naming NAME and SINGULAR.
func targetPath(p string, s spec) string {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".tmpl")
	p = strings.NewReplacer("NAME", s.Name, "SINGULAR", s.Singular).Replace(p)
	if rest, ok := strings.CutPrefix(p, "module/"); ok {
		return path.Join("modules", s.Name, rest)
	}
	return p
}

// write creates the new files (never overwriting one) and replaces the
// edited ones.
func write(root string, files map[string][]byte, edits []edit) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(files[p])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	for _, e := range edits {
		if err := os.WriteFile(filepath.Join(root, e.path), e.after, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// firstLine is the first line of a failed command's output that says
// what failed (not go's "# package" header or download notes), or its error.
func firstLine(out []byte, err error) string {
	for line := range strings.Lines(string(out)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") && !strings.HasPrefix(line, "go: downloading") {
			return line
		}
	}
	return err.Error()
}
