package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// repoRoot is the directory holding go.work.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.work not found above the test directory")
		}
		dir = parent
	}
}

// repoPath joins path elements onto the repository root.
func repoPath(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{repoRoot(t)}, elem...)...)
}

// readRepoFile returns the content of a file of the repository.
func readRepoFile(t testing.TB, elem ...string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ctyZero indexes the first element of a cty list or tuple.
var ctyZero = cty.NumberIntVal(0)
