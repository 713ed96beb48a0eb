package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ariga.io/atlas/schemahcl"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

func schemaConfig(t *testing.T, dsn string, create bool) config.Config {
	t.Helper()
	env := map[string]string{"APP_ENV": "test", "DATABASE_URL": dsn, "DATABASE_CREATE": "false"}
	if create {
		env["DATABASE_CREATE"] = "true"
	}
	cfg, err := config.LoadEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runSchemaOut(t *testing.T, cfg config.Config, sources []migrate.Source, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := runSchema(ctx, cfg, sources, args, &out)
	return out.String(), err
}

func mustSources(t *testing.T) []migrate.Source {
	t.Helper()
	sources, err := schemaSources(contexts)
	if err != nil {
		t.Fatal(err)
	}
	return sources
}

// TestEverySchemaSourceHasItsFile: the platform and each plugged context
// contribute their schema as schema/<owner>.hcl, once each.
func TestEverySchemaSourceHasItsFile(t *testing.T) {
	t.Parallel()
	owners := map[string]bool{}
	for _, s := range mustSources(t) {
		if owners[s.Owner] {
			t.Errorf("two schema sources for %q", s.Owner)
		}
		owners[s.Owner] = true
		if _, err := os.Stat(filepath.Join("..", "schema", s.Owner+".hcl")); err != nil {
			t.Errorf("schema source %q has no schema/%s.hcl: %v", s.Owner, s.Owner, err)
		}
	}
	if !owners["platform"] {
		t.Errorf("schema sources %v lack the platform's", owners)
	}
}

// The whole desired schema of the binary, applied to an empty database,
// must plan nothing afterwards: otherwise every deploy re-runs DDL.
func TestSchemaPlanApplyPlanApply(t *testing.T) {
	t.Parallel()
	cfg := schemaConfig(t, dbtest.EmptyURL(t), false)
	sources := mustSources(t)

	plan, err := runSchemaOut(t, cfg, sources, "plan")
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	for _, s := range sources {
		if !strings.Contains(plan, `CREATE SCHEMA "`+s.Owner+`"`) {
			t.Errorf("plan on an empty database lacks CREATE SCHEMA %q:\n%s", s.Owner, plan)
		}
	}

	applied, err := runSchemaOut(t, cfg, sources, "apply")
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	// One line for a person: counts by kind, no SQL (that is -v); and one
	// naming the module roles it created.
	if !regexp.MustCompile(`^-- applied \d+ statement\(s\): \d+ CREATE SCHEMA, .*\d+ CREATE TABLE.*; ran idempotent .*\(-v prints the SQL\)\n` +
		`-- created database role\(s\) [a-z0-9_, ]+ \(NOLOGIN, granted to the user that applied\)\n$`).MatchString(applied) {
		t.Errorf("apply does not summarize what it ran in two lines:\n%s", applied)
	}
	for _, s := range sources {
		if s.Owner != migrate.PlatformOwner && !strings.Contains(applied, "_"+s.Owner) {
			t.Errorf("apply created no role for %s:\n%s", s.Owner, applied)
		}
	}

	for _, cmd := range []string{"plan", "apply"} {
		out, err := runSchemaOut(t, cfg, sources, cmd)
		if err != nil {
			t.Fatalf("%s after apply: %v", cmd, err)
		}
		if !strings.HasPrefix(out, "-- schema is up to date\n") || strings.Contains(out, "CREATE") {
			t.Errorf("%s after apply is not a no-op:\n%s", cmd, out)
		}
	}
}

func TestSchemaApplyCreatesTheDatabaseWhenAllowed(t *testing.T) {
	t.Parallel()
	dsn := dbtest.EmptyURL(t) // dropped again in its cleanup
	dropDatabase(t, dsn)

	_, err := runSchemaOut(t, schemaConfig(t, dsn, false), mustSources(t), "apply")
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("apply without DATABASE_CREATE on a missing database: err = %v, want it to say the database does not exist", err)
	}

	out, err := runSchemaOut(t, schemaConfig(t, dsn, true), mustSources(t), "apply", "-v")
	if err != nil {
		t.Fatalf("apply with DATABASE_CREATE: %v", err)
	}
	if !strings.HasPrefix(out, "-- created database ") || !strings.Contains(out, `CREATE SCHEMA "platform"`) {
		t.Fatalf("apply with DATABASE_CREATE did not create and migrate:\n%s", out)
	}
}

func TestSchemaApplyRefusesDestructiveUnlessAllowed(t *testing.T) {
	t.Parallel()
	cfg := schemaConfig(t, dbtest.EmptyURL(t), false)
	before := []migrate.Source{{Owner: "platform", HCL: []byte(`
schema "platform" {}
table "t" {
  schema = schema.platform
  column "id" {
    type = uuid
  }
  column "legacy" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}`)}}
	after := []migrate.Source{{Owner: "platform", HCL: []byte(strings.Replace(string(before[0].HCL),
		"  column \"legacy\" {\n    type = text\n    null = true\n  }\n", "", 1))}}

	if _, err := runSchemaOut(t, cfg, before, "apply"); err != nil {
		t.Fatal(err)
	}
	plan, err := runSchemaOut(t, cfg, after, "plan")
	if err != nil || !strings.Contains(plan, "-- DESTRUCTIVE: drop column") || !strings.Contains(plan, `DROP COLUMN "legacy"`) {
		t.Fatalf("plan does not flag the drop: err=%v\n%s", err, plan)
	}
	_, err = runSchemaOut(t, cfg, after, "apply")
	var destructive *migrate.DestructiveError
	if !errors.As(err, &destructive) || !strings.Contains(err.Error(), "--allow-destructive") {
		t.Fatalf("apply without --allow-destructive: err = %v, want a DestructiveError naming the flag", err)
	}
	out, err := runSchemaOut(t, cfg, after, "apply", "--allow-destructive", "-v")
	if err != nil || !strings.Contains(out, `DROP COLUMN "legacy"`) {
		t.Fatalf("apply --allow-destructive: err=%v\n%s", err, out)
	}
}

func TestSchemaCommandRejectsBadArguments(t *testing.T) {
	t.Parallel()
	cfg := schemaConfig(t, "postgres://postgres@127.0.0.1:1/none?sslmode=disable", false)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "usage: zebra schema"},
		{"unknown subcommand", []string{"drop"}, `unknown command "drop"`},
		{"unknown flag", []string{"apply", "--force"}, "flag provided but not defined"},
		{"extra argument", []string{"plan", "now"}, `unexpected argument "now"`},
		{"apply flag on plan", []string{"plan", "--allow-destructive"}, "are apply flags"},
		{"verbose plan", []string{"plan", "-v"}, "are apply flags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runSchemaOut(t, cfg, nil, tt.args...)
			var usage *usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestSchemaCommandNamesAnUnreachableServer(t *testing.T) {
	t.Parallel()
	cfg := schemaConfig(t, "postgres://postgres@127.0.0.1:1/zebra?sslmode=disable", true)
	_, err := runSchemaOut(t, cfg, mustSources(t), "plan")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "make up") {
		t.Fatalf("err = %v, want the server named and how to start it", err)
	}
}

// dropDatabase drops the database of dsn, connecting to its server's
// maintenance database.
func dropDatabase(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP DATABASE "` + name + `" WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
}

// atlas.hcl serves the Atlas CLI; its src and schemas must cover every
// schema/*.hcl file and so every owner of the binary, or the CLI would plan
// to drop what it does not know about. They are derived with Atlas'
// fileset; the test evaluates them with the same function.
func TestAtlasProjectFileDiscoversEverySchemaFile(t *testing.T) {
	t.Parallel()
	f, diags := hclparse.NewParser().ParseHCLFile("../atlas.hcl")
	if diags.HasErrors() {
		t.Fatalf("atlas.hcl: %v", diags)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	body := f.Body.(*hclsyntax.Body)
	envs := map[string]bool{}
	var src, schemas []string
	for _, b := range body.Blocks {
		switch b.Type {
		case "locals":
			src = evalStrings(t, root, b.Body.Attributes["src"])
			schemas = evalStrings(t, root, b.Body.Attributes["schemas"])
		case "env":
			envs[b.Labels[0]] = true
			for _, attr := range []string{"src", "url", "dev", "schemas"} {
				if _, ok := b.Body.Attributes[attr]; !ok {
					t.Errorf("env %q has no %s", b.Labels[0], attr)
				}
			}
		}
	}
	for _, env := range []string{"local", "test", "prod"} {
		if !envs[env] {
			t.Errorf("atlas.hcl has no env %q", env)
		}
	}

	files, err := filepath.Glob(filepath.Join(root, "schema", "*.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	var wantSrc, wantSchemas []string
	for _, file := range files {
		wantSrc = append(wantSrc, "file://"+file)
		wantSchemas = append(wantSchemas, strings.TrimSuffix(filepath.Base(file), ".hcl"))
	}
	slices.Sort(src)
	slices.Sort(schemas)
	if !slices.Equal(src, wantSrc) {
		t.Errorf("atlas.hcl src = %v, want every schema/*.hcl file: %v", src, wantSrc)
	}
	if !slices.Equal(schemas, wantSchemas) {
		t.Errorf("atlas.hcl schemas = %v, want the name of every schema/*.hcl file: %v", schemas, wantSchemas)
	}
	for _, s := range mustSources(t) {
		if !slices.Contains(schemas, s.Owner) {
			t.Errorf("atlas.hcl schemas %v lack the binary's owner %q", schemas, s.Owner)
		}
	}
}

// evalStrings evaluates a list attribute of atlas.hcl's locals with the
// functions it uses, as the Atlas CLI defines them for a project file in
// root: fileset from the Atlas library, regexreplace from its stdlib.
func evalStrings(t *testing.T, root string, attr *hclsyntax.Attribute) []string {
	t.Helper()
	if attr == nil {
		t.Fatal("atlas.hcl locals lack src or schemas")
	}
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{
		"fileset":      schemahcl.MakeFileSetFunc(root),
		"regexreplace": stdlib.RegexReplaceFunc,
	}}
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("atlas.hcl %s: %v", attr.Name, diags)
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out
}
