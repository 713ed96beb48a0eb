package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// repoRoot is the repository the generator belongs to.
const repoRoot = "../.."

func TestSingularOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"notes", "note"}, {"activities", "activity"}, {"boxes", "box"}, {"matches", "match"},
		{"addresses", "address"}, {"invoices", "invoice"}, {"billing", ""}, {"access", ""}, {"s", ""},
	}
	for _, tt := range tests {
		if got, _ := singularOf(tt.name); got != tt.want {
			t.Errorf("singularOf(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRefusals checks, without writing anything, that each kind of bad or
// taken name is refused with one line naming the problem.
func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, singular, want string }{
		{"Notes", "", "not a lower-case Go identifier"},
		{"9x", "", "not a lower-case Go identifier"},
		{"no-tes", "", "not a lower-case Go identifier"},
		{"type", "", "Go keyword"},
		{"string", "", "predeclared"},
		{"platform", "", "taken: schema/platform.hcl exists"},
		{"audit", "", "taken: modules/audit exists"},
		{"identity", "", "taken: modules/identity exists"},
		{"activities", "", "taken: modules/activities exists"},
		{"public", "", "Postgres system schema"},
		{"billing", "", "cannot tell the singular"},
		{"billing", "Invoice", "singular \"Invoice\" is not a lower-case Go identifier"},
		{"memos", "memos", "must differ"},
		{"commands", "command", "already uses"}, // a function of package main
		{"apps", "", "already uses"},            // the templates import .../internal/app
		{"fmts", "", "already uses"},
		{strings.Repeat("n", 31) + "s", "", "longer than 30"},
	}
	for _, tt := range tests {
		_, err := check(repoRoot, tt.name, tt.singular)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("check(%q, %q) = %v, want one line with %q", tt.name, tt.singular, err, tt.want)
		}
	}
}

// TestTemplatesRenderForOtherNames renders the templates with names whose
// singular is irregular or starts with a vowel: every Go file must parse
// and be gofmt'ed, and no placeholder may be left over.
func TestTemplatesRenderForOtherNames(t *testing.T) {
	t.Parallel()
	for _, s := range []spec{newSpec("activities", "activity", "1.26.0"), newSpec("billing", "invoice", "1.26.0")} {
		files, err := render(s)
		if err != nil {
			t.Fatal(err)
		}
		for p, b := range files {
			if strings.Contains(p, "NAME") || strings.Contains(p, "SINGULAR") || bytes.Contains(b, []byte("{{")) {
				t.Errorf("%s: a placeholder is left", p)
			}
		}
		if !bytes.Contains(files["modules/billing/internal/httpapi/routes.go"], []byte(`"Create an invoice"`)) && s.Name == "billing" {
			t.Error("the article before a vowel is not an")
		}
	}
}

// TestGenerateInACopy is the generator's end-to-end test: in a throwaway
// copy of the repository (tracked and untracked files, not ignored ones)
// it refuses bad names through Generate and `make module` and changes
// nothing, then runs `make module name=<free name>` and checks it changed
// only go.work, app/go.mod, app/main.go, docs/openapi.json,
// test/client/zebra.gen.go and the new files, and that the module stays
// within maxProductionLines; then, with no `make openapi` or `make client`
// in between, builds the binary and runs both drift checks,
// golangci-lint on the new module, its tests (end to end on the built
// binary), the architecture test, the hardening suite and the contract
// suite on its operations.
// The Go build cache is shared with the developer's builds through
// -trimpath, which keeps the copy's paths out of the cache keys.
func TestGenerateInACopy(t *testing.T) {
	start := time.Now()
	root := copyRepo(t)
	free := freeName(t, root)
	name := free.Name
	before := snapshot(t, root)

	for _, bad := range []string{"Notes", "9x", "platform"} {
		if _, err := Generate(root, bad, ""); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("Generate(%q) = %v, want a one-line error", bad, err)
		}
	}
	// One line from the generator, then make's own "make: *** [...] Error 1".
	out, err := command(t, root, "make", "-s", "module", "name=no-tes")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err == nil || !strings.HasPrefix(lines[0], "modgen: name \"no-tes\"") ||
		len(lines) != 2 || !strings.HasPrefix(lines[1], "make") || !strings.Contains(lines[1], "***") {
		t.Errorf("make module name=no-tes: %v\n%s", err, out)
	}
	assertChanged(t, before, snapshot(t, root), nil)

	out, err = command(t, root, "make", "-s", "module", "name="+name)
	if err != nil || !strings.Contains(out, "next: make build") {
		t.Fatalf("make module name=%s: %v\n%s", name, err, out)
	}
	generated := snapshot(t, root)
	assertChanged(t, before, generated, []string{"app/go.mod", "app/main.go", "docs/openapi.json", "go.work",
		"schema/" + name + ".hcl", "test/client/zebra.gen.go"}, "modules/"+name+"/")
	if n := productionLines(t, filepath.Join(root, "modules", name)); n > maxProductionLines {
		t.Errorf("modules/%s has %d production lines, more than %d: keep the template minimal", name, n, maxProductionLines)
	} else {
		t.Logf("modules/%s: %d production lines", name, n)
	}
	if out, err := command(t, root, "make", "-s", "module", "name="+name); err == nil || !strings.Contains(out, "taken") {
		t.Errorf("make module name=%s again: %v\n%s", name, err, out)
	}
	assertChanged(t, generated, snapshot(t, root), nil)
	t.Logf("generated modules/%s in %s", name, time.Since(start).Round(time.Second))

	steps := [][]string{
		{"go", "build", "-o", "bin/zebra", "./app"},
		// The drift checks of `make test` (and `make lint-client`): make module refreshed both copies.
		{"go", "test", "-count=1", "-run", "TestOpenAPIDocumentIsCommitted", "./app"},
		{"go", "-C", "test", "test", "-count=1", "-run", "TestGeneratedClientIsCurrent", "./client"},
		{"go", "tool", "golangci-lint", "run", "--allow-parallel-runners", "./modules/" + name + "/..."}, // `make lint`'s linters, vet included
		{"go", "test", "-count=1", "./modules/" + name + "/...", "./test/arch/"},
		// Every attack of the hardening suite on every route, the new ones included (base bodies derived).
		{"go", "-C", "test", "test", "-count=1", "./hardening/"},
		// The contract suite on the new operations only, 1.3 s each.
		{"env", "CONTRACT_DURATION=60s", "go", "-C", "test", "test", "-count=1", "./contract/",
			"-run", "TestContract$/((create|get|update|delete)-" + free.Singular + "|list-" + name + ")$"},
	}
	for _, step := range steps {
		at := time.Now()
		if out, err := command(t, root, step[0], step[1:]...); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(step, " "), err, out)
		}
		t.Logf("%s: %s", strings.Join(step, " "), time.Since(at).Round(100*time.Millisecond))
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "openapi.json"))
	if err != nil || !bytes.Contains(doc, []byte(`"/v1/`+name+`/{id}"`)) {
		t.Fatalf("docs/openapi.json lacks /v1/%s/{id} (%v)", name, err)
	}
	t.Logf("total %s", time.Since(start).Round(time.Second))
}

// maxProductionLines bounds the generated module's production code: its
// non-test Go files, counted in non-blank lines (comments included).
const maxProductionLines = 500

// productionLines counts the non-blank lines of the non-test Go files
// under dir.
func productionLines(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		for line := range strings.Lines(string(b)) {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// copyRepo copies the files git sees in the repository (tracked, and
// untracked but not ignored) to a temporary directory.
func copyRepo(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	root := t.TempDir()
	for _, p := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(repoRoot, filepath.FromSlash(p))
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the worktree, or a symbolic link
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// freeName is the spec of the first of a few names no module of root uses
// yet.
func freeName(t *testing.T, root string) spec {
	t.Helper()
	for _, n := range []string{"notes", "memos", "jottings"} {
		if s, err := check(root, n, ""); err == nil {
			return s
		}
	}
	t.Fatal("no free module name")
	return spec{}
}

// command runs name args in dir with the workspace on (whatever GOWORK the
// test runs with) and -trimpath added to GOFLAGS, and returns its combined
// output.
func command(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	flags, err := exec.Command("go", "env", "GOFLAGS").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The make that runs this test (make test, with -j) passes its
	// jobserver down in MAKEFLAGS; a make started here is a new one, as a
	// user's would be.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, v := range []string{"GOWORK=", "GOFLAGS=", "ZEBRA_BIN=", "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL="} {
			if strings.HasPrefix(kv, v) {
				return true
			}
		}
		return false
	})
	env = append(env, "GOFLAGS="+strings.TrimSpace(string(flags))+" -trimpath", "ZEBRA_BIN="+filepath.Join(dir, "bin", "zebra"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // make module builds the app
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if strings.HasPrefix(name, "bin/") {
		cmd = exec.CommandContext(ctx, filepath.Join(dir, name), args...)
	}
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// snapshot hashes every file under root but the build output in bin/.
func snapshot(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == filepath.Join(root, "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// assertChanged fails unless exactly want (sorted) changed, appeared or
// disappeared between two snapshots, besides files under the prefixes.
func assertChanged(t *testing.T, before, after map[string][32]byte, want []string, prefixes ...string) {
	t.Helper()
	var got []string
	for _, p := range slices.Sorted(maps.Keys(after)) {
		if before[p] != after[p] && !slices.ContainsFunc(prefixes, func(x string) bool { return strings.HasPrefix(p, x) }) {
			got = append(got, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			got = append(got, p+" (deleted)")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changed %v, want %v", got, want)
	}
}
