package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// grammar lists, per block type, the attributes and nested blocks Atlas's
// Postgres HCL understands for the objects we allow. Atlas ignores an
// attribute it does not know, so a typo such as `nul = true` would
// silently make a column NOT NULL; lintBlock turns it into an error.
var grammar = map[string]struct{ attrs, blocks []string }{
	"schema":      {attrs: []string{"comment"}},
	"enum":        {attrs: []string{"schema", "values", "comment"}},
	"table":       {attrs: []string{"schema", "comment"}, blocks: []string{"column", "primary_key", "foreign_key", "index", "check", "unique", "exclude", "partition"}},
	"column":      {attrs: []string{"type", "null", "default", "comment", "as", "collate"}, blocks: []string{"identity", "as"}},
	"identity":    {attrs: []string{"generated", "start", "increment"}},
	"as":          {attrs: []string{"expr", "type"}},
	"primary_key": {attrs: []string{"columns", "comment", "include"}},
	"foreign_key": {attrs: []string{"columns", "ref_columns", "on_update", "on_delete", "comment"}},
	"index":       {attrs: []string{"columns", "unique", "where", "type", "comment", "include", "nulls_distinct", "page_per_range"}, blocks: []string{"on", "storage_params"}},
	"unique":      {attrs: []string{"columns", "comment", "include", "nulls_distinct"}},
	"on":          {attrs: []string{"column", "expr", "desc", "ops", "collate", "nulls_first", "nulls_last"}},
	"check":       {attrs: []string{"expr", "comment", "no_inherit"}},
	"partition":   {attrs: []string{"type", "columns"}, blocks: []string{"by"}},
	"by":          {attrs: []string{"column", "expr"}},
}

// lintBlock reports the first attribute or nested block of b (recursively)
// that Atlas would ignore. Blocks without a grammar entry (exclude,
// storage_params) are left to Atlas.
func lintBlock(file string, b *hclsyntax.Block) error {
	g, ok := grammar[b.Type]
	if !ok {
		return nil
	}
	if b.Type == "check" && len(b.Labels) == 0 {
		return fmt.Errorf("%s:%d: name the check (check \"<table>_<rule>\" {...}): Postgres rewrites "+
			"the expression, so an unnamed check cannot be matched and would be re-created by every apply",
			file, b.DefRange().Start.Line)
	}
	what := b.Type
	if len(b.Labels) > 0 {
		what = fmt.Sprintf("%s %q", b.Type, b.Labels[0])
	}
	for _, name := range slices.Sorted(maps.Keys(b.Body.Attributes)) {
		if !slices.Contains(g.attrs, name) {
			return fmt.Errorf("%s:%d: unknown attribute %q in %s (Atlas would ignore it; known: %s)",
				file, b.Body.Attributes[name].SrcRange.Start.Line, name, what, strings.Join(g.attrs, ", "))
		}
	}
	for _, nested := range b.Body.Blocks {
		if !slices.Contains(g.blocks, nested.Type) {
			return fmt.Errorf("%s:%d: unknown block %q in %s (Atlas would ignore it; known: %s)",
				file, nested.DefRange().Start.Line, nested.Type, what, strings.Join(g.blocks, ", "))
		}
		if err := lintBlock(file, nested); err != nil {
			return err
		}
	}
	return nil
}
