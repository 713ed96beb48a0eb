package arch_test

import (
	"path/filepath"
	"slices"
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

// TestPlatformNamesNoContext: nothing in the platform's production code
// names a context of modules/, its routes or its permissions.
func TestPlatformNamesNoContext(t *testing.T) {
	t.Parallel()
	mentions, err := arch.CheckPlatform(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mentions {
		t.Errorf("%s", m)
	}
}

// TestPlatformCheckReportsEachMention runs the check on a small tree whose
// contexts (gadgets, notes, identity) are discovered from its modules/, so
// the architecture test is known to be able to fail: a context's name or
// singular in a comment, an identifier and a table, a route and a
// permission that do not carry the name; not a test file, not a word that
// merely contains a name, not an allowed word.
func TestPlatformCheckReportsEachMention(t *testing.T) {
	t.Parallel()
	const file = "platform/cache/cache.go"
	want := []arch.Mention{
		{File: file, Line: 1, Context: "notes", Text: "notes"},
		{File: file, Line: 7, Context: "gadgets", Text: "gadget"},
		{File: file, Line: 7, Context: "gadgets", Text: "gadgets"},
		{File: file, Line: 9, Context: "gadgets", Text: "/v1/widgets"},
		{File: file, Line: 9, Context: "gadgets", Text: "stock:count"},
		{File: file, Line: 11, Context: "identity", Text: "identity"},
		{File: file, Line: 12, Context: "notes", Text: "Notes"},
	}
	got, err := arch.CheckPlatform(filepath.Join("testdata", "names"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", lines(got), lines(want))
	}
}

func lines(ms []arch.Mention) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.String() + "\n")
	}
	return b.String()
}

func TestViolationString(t *testing.T) {
	t.Parallel()
	v := arch.Violation{File: "a.go", Import: "gorm.io/gorm", Rule: arch.RuleDomain}
	if s := v.String(); !strings.HasPrefix(s, "a.go imports gorm.io/gorm: a domain package") {
		t.Errorf("%q", s)
	}
}

// TestModulesStayInTheirRoles: no module's code changes its database role
// and no schema's SQL defines a function that runs as its definer.
func TestModulesStayInTheirRoles(t *testing.T) {
	t.Parallel()
	escapes, err := arch.CheckRoles(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range escapes {
		t.Errorf("%s", e)
	}
}

// TestRoleCheckReportsEachEscape runs the check on a small tree with one
// of each escape, beside a grant, a test that changes role and a
// SECURITY INVOKER function, so the check is known to be able to fail.
func TestRoleCheckReportsEachEscape(t *testing.T) {
	t.Parallel()
	const repo = "modules/alpha/internal/postgres/repo.go"
	want := []arch.RoleEscape{
		{File: repo, Line: 7, Text: "SET ROLE"},
		{File: repo, Line: 8, Text: "reset role"},
		{File: repo, Line: 9, Text: "SET LOCAL ROLE"},
		{File: repo, Line: 10, Text: "SESSION AUTHORIZATION"},
		{File: repo, Line: 11, Text: "set_config('role'"},
		{File: "schema/alpha.sql", Line: 3, Text: "SECURITY DEFINER"},
	}
	got, err := arch.CheckRoles(filepath.Join("testdata", "roles"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%v\nwant:\n%v", got, want)
	}
}
