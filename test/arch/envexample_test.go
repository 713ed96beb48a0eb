package arch_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// codeDirs hold the code whose configuration .env.example documents.
var codeDirs = []string{"app", "platform", "modules", "schema"}

// TestEnvExampleListsEveryVariable keeps .env.example the configuration
// reference: every `env:"X"` tag of the non-test code has a line `X=...`,
// and every such line is a variable some code reads.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	t.Parallel()
	inCode := map[string]string{} // variable -> file declaring it
	for _, dir := range codeDirs {
		for v, file := range envTags(t, filepath.Join(repoRoot, dir)) {
			inCode[v] = file
		}
	}
	if len(inCode) < 20 {
		t.Fatalf("found only %d variables in the code; is the walk broken?", len(inCode))
	}
	documented := envExample(t, filepath.Join(repoRoot, ".env.example"))
	for v, file := range inCode {
		if !documented[v] {
			t.Errorf(".env.example lacks %s (declared in %s): add it with a comment", v, file)
		}
	}
	for v := range documented {
		if _, ok := inCode[v]; !ok {
			t.Errorf(".env.example lists %s, which no code reads: remove it", v)
		}
	}
}

// envTags returns the env tag keys of every struct field in the non-test
// Go files under dir.
func envTags(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			field, ok := n.(*ast.Field)
			if !ok || field.Tag == nil {
				return true
			}
			tag, err := strconv.Unquote(field.Tag.Value)
			if err != nil {
				return true
			}
			if key, _, _ := strings.Cut(reflect.StructTag(tag).Get("env"), ","); key != "" && key != "-" {
				out[key] = path
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var assignment = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=`)

// envExample returns the variables .env.example assigns (commented-out
// lines are documentation of test-only variables, not counted).
func envExample(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := assignment.FindStringSubmatch(sc.Text()); m != nil {
			out[m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
