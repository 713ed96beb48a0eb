package main

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ariga.io/atlas/schemahcl"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// atlasEnv is one env block of atlas.hcl, evaluated.
type atlasEnv struct {
	url, dev string
	exclude  []string
}

// loadAtlasProject evaluates atlas.hcl as the Atlas CLI would with the
// given environment variables: locals first (fileset from the Atlas
// library, regexreplace from its stdlib, getenv returning "" when unset),
// then every env block's url, dev and exclude. The CLI itself cannot be
// installed here (ariga.io/atlas/cmd/atlas is not served by the module
// proxy, and the npm package downloads a binary at install time), so its
// parts are what this evaluates with.
func loadAtlasProject(t *testing.T, vars map[string]string) map[string]atlasEnv {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCLFile("../atlas.hcl")
	if diags.HasErrors() {
		t.Fatalf("atlas.hcl: %v", diags)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	getenv := function.New(&function.Spec{
		Params: []function.Parameter{{Name: "key", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(vars[args[0].AsString()]), nil
		},
	})
	ctx := &hcl.EvalContext{
		Functions: map[string]function.Function{
			"fileset":      schemahcl.MakeFileSetFunc(root),
			"regexreplace": stdlib.RegexReplaceFunc,
			"getenv":       getenv,
		},
		Variables: map[string]cty.Value{},
	}
	body := f.Body.(*hclsyntax.Body)
	locals := map[string]cty.Value{}
	for _, b := range body.Blocks {
		if b.Type != "locals" {
			continue
		}
		for name, a := range b.Body.Attributes {
			v, diags := a.Expr.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("atlas.hcl local.%s: %v", name, diags)
			}
			locals[name] = v
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)

	envs := map[string]atlasEnv{}
	for _, b := range body.Blocks {
		if b.Type != "env" {
			continue
		}
		var e atlasEnv
		for name, a := range b.Body.Attributes {
			v, diags := a.Expr.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("atlas.hcl env %q %s: %v", b.Labels[0], name, diags)
			}
			switch name {
			case "url":
				e.url = v.AsString()
			case "dev":
				e.dev = v.AsString()
			case "exclude":
				for it := v.ElementIterator(); it.Next(); {
					_, s := it.Element()
					e.exclude = append(e.exclude, s.AsString())
				}
			}
		}
		envs[b.Labels[0]] = e
	}
	return envs
}

// TestAtlasProjectWorksWithoutDocker: `atlas schema apply --env local`
// needs no Docker. With no variable set, the target is the dev database
// of `make run` (the binary's own DATABASE_URL default) and the dev
// database, which Atlas empties and fills at will, is a separate
// zebra_atlas_dev on the same local server, database-scoped since the
// project spans several schemas. Neither is ever the other.
func TestAtlasProjectWorksWithoutDocker(t *testing.T) {
	t.Parallel()
	defaults, err := config.LoadEnv(map[string]string{"APP_ENV": "test"})
	if err != nil {
		t.Fatal(err)
	}
	envs := loadAtlasProject(t, nil)
	local := envs["local"]
	if local.url != defaults.Database.URL {
		t.Errorf("env local url = %q, want the binary's DATABASE_URL default %q", local.url, defaults.Database.URL)
	}
	const wantDev = "postgres://postgres@127.0.0.1:5432/zebra_atlas_dev?sslmode=disable"
	for name, e := range envs {
		if e.dev != wantDev {
			t.Errorf("env %s dev = %q, want the local %q by default (no Docker)", name, e.dev, wantDev)
		}
		dev, err := url.Parse(e.dev)
		if err != nil {
			t.Fatalf("env %s dev: %v", name, err)
		}
		if dev.Query().Has("search_path") {
			t.Errorf("env %s dev %q is schema-scoped; the project spans several schemas", name, e.dev)
		}
		if target, err := url.Parse(e.url); err == nil && e.url != "" && target.Host == dev.Host && target.Path == dev.Path {
			t.Errorf("env %s: dev %q is the target database itself; Atlas would wipe it", name, e.dev)
		}
	}

	// The variables override the defaults.
	envs = loadAtlasProject(t, map[string]string{
		"ATLAS_DEV_URL": "docker://postgres/15/dev",
		"DATABASE_URL":  "postgres://app@db.internal:5432/zebra?sslmode=require",
	})
	if got := envs["local"]; got.dev != "docker://postgres/15/dev" || got.url != "postgres://app@db.internal:5432/zebra?sslmode=require" {
		t.Errorf("env local with ATLAS_DEV_URL and DATABASE_URL set: url %q dev %q", got.url, got.dev)
	}
	if got := envs["prod"]; got.url != "postgres://app@db.internal:5432/zebra?sslmode=require" {
		t.Errorf("env prod url = %q, want DATABASE_URL", got.url)
	}
	if got := loadAtlasProject(t, nil)["prod"]; got.url != "" {
		t.Errorf("env prod url = %q without DATABASE_URL; prod must have no default", got.url)
	}
}

// TestAtlasProjectLeavesSchemaSQLAlone: the functions and triggers that
// only `zebra schema apply` creates (schema/<owner>.sql) are not in the
// HCL, so an Atlas build that inspects them would plan to drop them. The
// project's exclude patterns must take every one of them out of what the
// CLI sees, and nothing else. The database is the binary's whole schema
// applied to real PostgreSQL; the objects Atlas Pro would add to the
// inspection are read from the catalog.
func TestAtlasProjectLeavesSchemaSQLAlone(t *testing.T) {
	t.Parallel()
	cfg := schemaConfig(t, dbtest.EmptyURL(t), false)
	sources := mustSources(t)
	if _, err := runSchemaOut(t, cfg, sources, "apply"); err != nil {
		t.Fatalf("apply: %v", err)
	}
	var owners []string
	for _, s := range sources {
		owners = append(owners, s.Owner)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", cfg.Database.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	drv, err := postgres.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	realm, err := drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: owners})
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*schema.Table{}
	columns := 0
	for _, s := range realm.Schemas {
		for _, tb := range s.Tables {
			tables[s.Name+"."+tb.Name] = tb
			columns += len(tb.Columns)
		}
	}

	// What an inspection of functions and triggers would add.
	triggers := 0
	for _, r := range queryRows(ctx, t, db, `
		SELECT n.nspname, c.relname, tg.tgname
		FROM pg_trigger tg
		JOIN pg_class c ON c.oid = tg.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE NOT tg.tgisinternal AND n.nspname = ANY($1)`, owners) {
		tb := tables[r[0]+"."+r[1]]
		if tb == nil {
			t.Fatalf("trigger %s on %s.%s, a table Atlas did not inspect", r[2], r[0], r[1])
		}
		tb.Triggers = append(tb.Triggers, &schema.Trigger{Name: r[2], Table: tb})
		triggers++
	}
	funcs := 0
	for _, r := range queryRows(ctx, t, db, `
		SELECT n.nspname, p.proname
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = ANY($1)`, owners) {
		s, ok := realm.Schema(r[0])
		if !ok {
			t.Fatalf("function %s.%s in a schema Atlas did not inspect", r[0], r[1])
		}
		s.AddFuncs(&schema.Func{Name: r[1]})
		funcs++
	}
	if triggers == 0 || funcs == 0 {
		t.Fatalf("found %d trigger(s) and %d function(s) after apply; schema/audit.sql creates both", triggers, funcs)
	}

	exclude := loadAtlasProject(t, nil)["local"].exclude
	for name, e := range loadAtlasProject(t, nil) {
		if !slices.Equal(e.exclude, exclude) {
			t.Errorf("env %s exclude = %v, want the same as local's %v", name, e.exclude, exclude)
		}
	}
	realm, err = schema.ExcludeRealm(realm, exclude)
	if err != nil {
		t.Fatalf("atlas.hcl exclude %v: %v", exclude, err)
	}
	left, leftColumns := 0, 0
	for _, s := range realm.Schemas {
		for _, f := range s.Funcs {
			t.Errorf("function %s.%s survives exclude %v: the CLI would plan to drop it", s.Name, f.Name, exclude)
		}
		for _, tb := range s.Tables {
			left++
			leftColumns += len(tb.Columns)
			for _, tg := range tb.Triggers {
				t.Errorf("trigger %s on %s.%s survives exclude %v: the CLI would plan to drop it", tg.Name, s.Name, tb.Name, exclude)
			}
		}
	}
	if left != len(tables) || leftColumns != columns {
		t.Errorf("exclude %v also removed tables or columns: %d of %d tables, %d of %d columns left", exclude, left, len(tables), leftColumns, columns)
	}
	if !strings.Contains(strings.Join(owners, ","), "audit") {
		t.Errorf("owners %v lack audit, whose triggers this test is about", owners)
	}
}

// queryRows runs a query whose columns are all text and returns its rows.
func queryRows(ctx context.Context, t *testing.T, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		r := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
