package migrate

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ownerName is what a Postgres schema owned by a module may be called:
// a plain lower-case identifier that never needs quoting.
var ownerName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// reserved schemas belong to Postgres or to whoever else uses the
// database; no source may claim them.
var reserved = []string{"public", "information_schema"}

// sortSources validates the sources and returns them in the order they are
// applied: the platform first (others may reference its tables and
// functions), then by owner, so PostSQL runs in a stable order.
func sortSources(sources []Source) ([]Source, error) {
	if len(sources) == 0 {
		return nil, errors.New("no schema sources: nothing describes the desired database")
	}
	seen := make(map[string]bool, len(sources))
	for _, s := range sources {
		switch {
		case !ownerName.MatchString(s.Owner):
			return nil, fmt.Errorf("schema source owner %q: must match %s", s.Owner, ownerName)
		case slices.Contains(reserved, s.Owner) || strings.HasPrefix(s.Owner, "pg_"):
			return nil, fmt.Errorf("schema source owner %q: reserved schema name", s.Owner)
		case seen[s.Owner]:
			return nil, fmt.Errorf("schema source owner %q: provided twice", s.Owner)
		}
		seen[s.Owner] = true
	}
	sorted := slices.Clone(sources)
	slices.SortFunc(sorted, func(a, b Source) int {
		switch {
		case a.Owner == b.Owner:
			return 0
		case a.Owner == PlatformOwner:
			return -1
		case b.Owner == PlatformOwner:
			return 1
		}
		return strings.Compare(a.Owner, b.Owner)
	})
	return sorted, nil
}

// desiredState validates the sources, sorts them (sortSources) and
// parses them into one realm whose grants it checks (checkGrants).
func desiredState(sources []Source) ([]Source, *schema.Realm, error) {
	sorted, err := sortSources(sources)
	if err != nil {
		return nil, nil, err
	}
	realm, err := desiredRealm(sorted)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range sorted {
		if err := checkGrants(s, realm); err != nil {
			return nil, nil, err
		}
	}
	return sorted, realm, nil
}

// desiredRealm parses every source into one realm, so a table of one owner
// may reference a table of another (a foreign key to platform, say), and
// checks that each source declares exactly its own schema and keeps its
// tables in it.
func desiredRealm(sources []Source) (*schema.Realm, error) {
	parser := hclparse.NewParser()
	for _, s := range sources {
		name := s.Owner + ".hcl"
		f, diags := parser.ParseHCL(s.HCL, name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %w", name, diags)
		}
		if err := checkOwnership(name, s.Owner, f); err != nil {
			return nil, err
		}
	}
	var realm schema.Realm
	if err := postgres.EvalHCL.Eval(parser, &realm, nil); err != nil {
		return nil, fmt.Errorf("evaluate schema HCL: %w", err)
	}
	return &realm, nil
}

// checkOwnership enforces "each owner's tables live in the Postgres schema
// of the same name" on the syntax of one file: it declares schema "<owner>"
// and nothing else, and every table and enum names schema.<owner>. Other
// block types are refused: Atlas OSS would silently ignore them.
func checkOwnership(name, owner string, f *hcl.File) error {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return fmt.Errorf("%s: not native HCL syntax", name)
	}
	declared := 0
	for _, b := range body.Blocks {
		if err := lintBlock(name, b); err != nil {
			return err
		}
		switch b.Type {
		case "schema":
			if len(b.Labels) != 1 || b.Labels[0] != owner {
				return fmt.Errorf("%s:%d: declares schema %q; a source declares only its own schema %q",
					name, b.DefRange().Start.Line, strings.Join(b.Labels, "."), owner)
			}
			declared++
		case "table", "enum":
			if err := checkSchemaRef(name, owner, b); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s:%d: %q blocks are not supported: the Atlas library in the binary (OSS) "+
				"ignores views, functions, triggers, sequences and custom types; declare schema, table and enum "+
				"blocks here and put the rest, idempotent, in %s.sql", name, b.DefRange().Start.Line, b.Type, owner)
		}
	}
	if declared != 1 {
		return fmt.Errorf("%s: must declare schema %q exactly once (found %d)", name, owner, declared)
	}
	return nil
}

// checkSchemaRef verifies that a table or enum block lives in the owner's
// schema.
func checkSchemaRef(name, owner string, b *hclsyntax.Block) error {
	attr, ok := b.Body.Attributes["schema"]
	if !ok {
		return nil // Atlas reports the missing attribute itself.
	}
	trav, diags := hcl.AbsTraversalForExpr(attr.Expr)
	if diags.HasErrors() || len(trav) != 2 || trav.RootName() != "schema" {
		return fmt.Errorf("%s:%d: %s %q: schema must be a reference like schema.%s",
			name, attr.SrcRange.Start.Line, b.Type, b.Labels[0], owner)
	}
	got, ok := trav[1].(hcl.TraverseAttr)
	if !ok || got.Name != owner {
		return fmt.Errorf("%s:%d: %s %q is in another owner's schema; %s's objects live in schema.%s",
			name, attr.SrcRange.Start.Line, b.Type, b.Labels[0], owner, owner)
	}
	return nil
}
