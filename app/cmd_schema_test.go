package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

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
	sources, err := schemaSources()
	if err != nil {
		t.Fatal(err)
	}
	return sources
}

func TestSchemaSourcesAreThePlatformAndEveryModule(t *testing.T) {
	t.Parallel()
	var owners []string
	for _, s := range mustSources(t) {
		owners = append(owners, s.Owner)
	}
	slices.Sort(owners)
	want := []string{"activities", "audit", "identity", "platform"}
	if !slices.Equal(owners, want) {
		t.Fatalf("schema sources %v, want %v", owners, want)
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
	for _, owner := range []string{"platform", "audit", "identity", "activities"} {
		if !strings.Contains(plan, `CREATE SCHEMA "`+owner+`"`) {
			t.Errorf("plan on an empty database lacks CREATE SCHEMA %q:\n%s", owner, plan)
		}
	}

	applied, err := runSchemaOut(t, cfg, sources, "apply")
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	// One line for a person: counts by kind, no SQL (that is -v).
	if !regexp.MustCompile(`^-- applied \d+ statement\(s\): \d+ CREATE SCHEMA, .*\d+ CREATE TABLE.*; ran idempotent .*\(-v prints the SQL\)\n$`).MatchString(applied) {
		t.Errorf("apply does not summarize what it ran in one line:\n%s", applied)
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

// atlas.hcl serves the Atlas CLI; it must list every owner's file and
// schema, or the CLI would plan to drop what it does not know about.
func TestAtlasProjectFileListsEverySchemaFile(t *testing.T) {
	t.Parallel()
	f, diags := hclparse.NewParser().ParseHCLFile("../atlas.hcl")
	if diags.HasErrors() {
		t.Fatalf("atlas.hcl: %v", diags)
	}
	body := f.Body.(*hclsyntax.Body)
	envs := map[string]bool{}
	var src, schemas []string
	for _, b := range body.Blocks {
		switch b.Type {
		case "locals":
			src = staticStrings(t, b.Body.Attributes["src"])
			schemas = staticStrings(t, b.Body.Attributes["schemas"])
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

	files, err := filepath.Glob("../schema/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	var wantSrc, wantSchemas []string
	for _, file := range files {
		wantSrc = append(wantSrc, "file://schema/"+filepath.Base(file))
	}
	for _, s := range mustSources(t) {
		wantSchemas = append(wantSchemas, s.Owner)
	}
	slices.Sort(src)
	slices.Sort(schemas)
	slices.Sort(wantSrc)
	slices.Sort(wantSchemas)
	if !slices.Equal(src, wantSrc) {
		t.Errorf("atlas.hcl src = %v, want every schema/*.hcl file: %v", src, wantSrc)
	}
	if !slices.Equal(schemas, wantSchemas) {
		t.Errorf("atlas.hcl schemas = %v, want the binary's owners: %v", schemas, wantSchemas)
	}
}

func staticStrings(t *testing.T, attr *hclsyntax.Attribute) []string {
	t.Helper()
	if attr == nil {
		t.Fatal("atlas.hcl locals lack src or schemas")
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("atlas.hcl %s is not a static list: %v", attr.Name, diags)
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out
}
