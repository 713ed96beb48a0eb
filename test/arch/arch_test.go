package arch_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/test/arch"
)

// repoRoot is the repository, two levels above test/arch.
var repoRoot = filepath.Join("..", "..")

// TestRepositoryFollowsTheRules is the architecture test proper.
func TestRepositoryFollowsTheRules(t *testing.T) {
	t.Parallel()
	violations, err := arch.Check(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("%s", v)
	}
}

// TestCheckerReportsEachViolation runs the checker on a small tree with
// one of each violation (and the allowed imports beside them), so the
// architecture test is known to be able to fail.
func TestCheckerReportsEachViolation(t *testing.T) {
	t.Parallel()
	const alpha = "github.com/zebralabs/zebra/modules/alpha"
	want := []arch.Violation{
		{File: "modules/alpha/internal/app/command/create.go", Import: alpha + "/internal/postgres", Rule: arch.RuleAppAdapters},
		{File: "modules/alpha/internal/app/query/list.go", Import: alpha + "/internal/httpapi", Rule: arch.RuleAppAdapters},
		{File: "modules/alpha/internal/domain/thing/thing.go", Import: "github.com/zebralabs/zebra/platform/apperr", Rule: arch.RuleDomain},
		{File: "modules/alpha/internal/domain/thing/thing.go", Import: "gorm.io/gorm", Rule: arch.RuleDomain},
		{File: "modules/alpha/internal/httpapi/routes.go", Import: alpha + "/internal/postgres", Rule: arch.RuleOnlyWiring},
		{File: "modules/beta/beta.go", Import: alpha + "/internal/domain/thing", Rule: arch.RuleOtherInternals},
		{File: "platform/leak/leak.go", Import: alpha + "/internal/postgres", Rule: arch.RuleOnlyWiring},
		{File: "platform/leak/leak.go", Import: alpha + "/internal/postgres", Rule: arch.RuleOtherInternals},
	}
	got, err := arch.Check(filepath.Join("testdata", "repo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d", len(got), len(want))
	}
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("not reported: %s", w)
		}
	}
	for _, g := range got {
		if !contains(want, g) {
			t.Errorf("reported but allowed: %s", g)
		}
	}
}

func contains(vs []arch.Violation, v arch.Violation) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func TestViolationString(t *testing.T) {
	t.Parallel()
	v := arch.Violation{File: "a.go", Import: "gorm.io/gorm", Rule: arch.RuleDomain}
	if s := v.String(); !strings.HasPrefix(s, "a.go imports gorm.io/gorm: a domain package") {
		t.Errorf("%q", s)
	}
}
