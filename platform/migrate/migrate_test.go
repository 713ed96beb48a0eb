package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/migrate"
)

const notesV1 = `
schema "notes" {
  comment = "notes context"
}
table "notes" {
  schema = schema.notes
  column "id" {
    type = uuid
  }
  column "title" {
    type = varchar(200)
  }
  column "legacy" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}
`

func notes(hcl string) migrate.Source { return source("notes", hcl) }

func without(hcl, block string) string {
	if !strings.Contains(hcl, block) {
		panic("test HCL does not contain " + block)
	}
	return strings.Replace(hcl, block, "", 1)
}

const legacyColumn = `  column "legacy" {
    type = text
    null = true
  }
`

func TestPlanOnEmptyDatabaseCreatesSchemaAndTables(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	stmts := mustPlan(t, db, migrate.PlatformSource(), notes(notesV1))
	joined := strings.Join(stmts, "\n")
	for _, want := range []string{`CREATE SCHEMA "platform"`, `CREATE SCHEMA "notes"`, `CREATE TABLE "notes"."notes"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("plan lacks %s:\n%s", want, joined)
		}
	}
	// Plan changed nothing.
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname IN ('platform', 'notes')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("plan created schemas: n=%d err=%v", n, err)
	}
}

func TestApplyIsANoOpTheSecondTime(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	// PostSQL is where triggers live: a function and a trigger that Atlas
	// OSS neither creates nor inspects, recreated after every apply.
	src := notes(notesV1 + `
table "post_runs" {
  schema = schema.notes
  column "n" {
    type = int
  }
}
`)
	src.PostSQL = []byte(`
CREATE OR REPLACE FUNCTION notes.trim_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.title := btrim(NEW.title);
  RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER notes_trim_title BEFORE INSERT OR UPDATE ON notes.notes
  FOR EACH ROW EXECUTE FUNCTION notes.trim_title();
INSERT INTO notes.post_runs VALUES (1);
`)

	first := mustApply(t, db, src)
	if len(first.Statements) == 0 || !slices.Contains(first.PostSQL, "notes.sql") {
		t.Fatalf("first apply: %+v", first)
	}
	if again := mustPlan(t, db, src); len(again) != 0 {
		t.Fatalf("plan after apply: %q", again)
	}
	second := mustApply(t, db, src)
	if len(second.Statements) != 0 {
		t.Fatalf("second apply ran %q", second.Statements)
	}
	var runs int
	if err := db.QueryRow(`SELECT count(*) FROM notes.post_runs`).Scan(&runs); err != nil || runs != 2 {
		t.Fatalf("PostSQL runs after every apply: runs=%d err=%v", runs, err)
	}
	var title string
	if err := db.QueryRow(`INSERT INTO notes.notes (id, title) VALUES ('0195f1a2-0000-7000-8000-000000000002', '  x  ') RETURNING title`).Scan(&title); err != nil || title != "x" {
		t.Fatalf("trigger from PostSQL: title=%q err=%v", title, err)
	}
}

func TestApplyRefusesDestructiveChangesUnlessAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next string
		want string
	}{
		{"drop column", without(notesV1, legacyColumn), `drop column "notes"."notes"."legacy"`},
		{"drop table", "schema \"notes\" {\n  comment = \"notes context\"\n}\n", `drop table "notes"."notes"`},
		{"narrow type", strings.Replace(notesV1, "varchar(200)", "varchar(20)", 1), `change type of column "notes"."notes"."title"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := emptyDB(t)
			mustApply(t, db, notes(notesV1))
			if _, err := db.Exec(`INSERT INTO notes.notes VALUES ('0195f1a2-0000-7000-8000-000000000001', 'kept', 'old')`); err != nil {
				t.Fatal(err)
			}

			_, err := migrate.Apply(testCtx(t), db, []migrate.Source{notes(tt.next)}, migrate.Options{})
			var de *migrate.DestructiveError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a DestructiveError listing %s", err, tt.want)
			}
			if got := mustPlan(t, db, notes(notesV1)); len(got) != 0 {
				t.Fatalf("a refused apply changed the database: %q", got)
			}

			res, err := migrate.Apply(testCtx(t), db, []migrate.Source{notes(tt.next)}, migrate.Options{AllowDestructive: true})
			if err != nil || len(res.Statements) == 0 {
				t.Fatalf("apply with AllowDestructive: %+v, %v", res, err)
			}
			if got := mustPlan(t, db, notes(tt.next)); len(got) != 0 {
				t.Fatalf("plan after the destructive apply: %q", got)
			}
		})
	}
}

func TestWideningAColumnIsNotDestructive(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	mustApply(t, db, notes(notesV1))
	wider := strings.Replace(notesV1, "varchar(200)", "text", 1)
	if res := mustApply(t, db, notes(wider)); len(res.Statements) != 1 {
		t.Fatalf("widening: %q", res.Statements)
	}
}

func TestBrokenSourcesGiveAClearError(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	tests := []struct {
		name    string
		sources []migrate.Source
		want    string
	}{
		{"syntax", []migrate.Source{notes("schema \"notes\" {\ntable \"x\" {")}, "notes.hcl:"},
		{"unknown type", []migrate.Source{notes(strings.Replace(notesV1, "type = uuid", "type = uuidd", 1))}, "uuidd"},
		{"bad reference", []migrate.Source{notes(strings.Replace(notesV1, "[column.id]", "[column.nope]", 1))}, "nope"},
		{"other owner's schema", []migrate.Source{notes(strings.Replace(notesV1, `schema "notes"`, `schema "audit"`, 1))}, `declares schema "audit"`},
		{"table elsewhere", []migrate.Source{notes(notesV1 + "schema \"x\" {}\n")}, `declares schema "x"`},
		{"table in another schema", []migrate.Source{notes(strings.Replace(notesV1, "schema = schema.notes", "schema = schema.platform", 1))}, `table "notes" is in another owner's schema`},
		{"view block", []migrate.Source{notes(notesV1 + "view \"v\" {\n  schema = schema.notes\n  as = \"SELECT 1\"\n}\n")}, `"view" blocks are not supported`},
		{"typo in column", []migrate.Source{notes(strings.Replace(notesV1, "null = true", "nul = true", 1))}, `unknown attribute "nul" in column "legacy"`},
		{"typo in table", []migrate.Source{notes(strings.Replace(notesV1, "primary_key {", "primary {", 1))}, `unknown block "primary" in table "notes"`},
		{"unnamed check", []migrate.Source{notes(strings.Replace(notesV1, "  primary_key {", "  check {\n    expr = \"title <> ''\"\n  }\n  primary_key {", 1))}, "name the check"},
		{"no schema block", []migrate.Source{notes("")}, `must declare schema "notes" exactly once`},
		{"duplicate owner", []migrate.Source{notes(notesV1), notes(notesV1)}, "provided twice"},
		{"reserved owner", []migrate.Source{source("public", `schema "public" {}`)}, "reserved"},
		{"bad owner", []migrate.Source{source("Notes", `schema "Notes" {}`)}, "must match"},
		{"no sources", nil, "no schema sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, planErr := migrate.Changes(testCtx(t), db, tt.sources)
			_, applyErr := migrate.Apply(testCtx(t), db, tt.sources, migrate.Options{})
			for _, err := range []error{planErr, applyErr} {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want it to contain %q", err, tt.want)
				}
			}
		})
	}
}

func TestUnrelatedSchemasAreNeitherInspectedNorTouched(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	for _, q := range []string{
		`CREATE SCHEMA legacy`,
		`CREATE TABLE legacy.keep (id int PRIMARY KEY)`,
		`INSERT INTO legacy.keep VALUES (1), (2)`,
		`CREATE TABLE public.other (id int)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(t, db, notes(notesV1))
	// A source that is no longer plugged in is not dropped either: its
	// schema is simply not part of what Apply looks at.
	if got := mustPlan(t, db, migrate.PlatformSource()); strings.Contains(strings.Join(got, ";"), "DROP") {
		t.Fatalf("plan without the notes source drops something: %q", got)
	}
	mustApply(t, db, migrate.PlatformSource())
	var kept, other, notesTables int
	err := db.QueryRow(`SELECT (SELECT count(*) FROM legacy.keep),
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'other'),
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'notes')`).Scan(&kept, &other, &notesTables)
	if err != nil || kept != 2 || other != 1 || notesTables != 1 {
		t.Fatalf("unrelated objects changed: legacy rows=%d public.other=%d notes tables=%d err=%v", kept, other, notesTables, err)
	}
}

func TestApplyRunsInOneTransaction(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	src := notes(notesV1)
	src.PostSQL = []byte(`SELECT no_such_function()`)
	_, err := migrate.Apply(testCtx(t), db, []migrate.Source{src}, migrate.Options{})
	if err == nil || !strings.Contains(err.Error(), "notes.sql") {
		t.Fatalf("err = %v, want the failing notes.sql named", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname = 'notes'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the failed apply left schema notes behind: n=%d err=%v", n, err)
	}
}

func TestConcurrentAppliesAreSerialised(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	db.SetMaxOpenConns(8)
	sources := []migrate.Source{migrate.PlatformSource(), notes(notesV1)}
	const n = 4
	var (
		wg      sync.WaitGroup
		errs    = make([]error, n)
		results = make([]migrate.Result, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = migrate.Apply(testCtx(t), db, sources, migrate.Options{})
		}()
	}
	wg.Wait()
	ran := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("apply %d: %v", i, errs[i])
		}
		if len(results[i].Statements) > 0 {
			ran++
		}
	}
	if ran != 1 {
		t.Fatalf("%d concurrent applies ran DDL, want exactly 1", ran)
	}
	if got := mustPlan(t, db, sources...); len(got) != 0 {
		t.Fatalf("plan after concurrent applies: %q", got)
	}
}

func TestApplyGivesUpWhenAnotherApplyHoldsTheLock(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	holder, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(`SELECT pg_advisory_xact_lock(8819563688671997287)`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = migrate.Apply(testCtx(t), db, []migrate.Source{notes(notesV1)}, migrate.Options{LockTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another schema apply") {
		t.Fatalf("err = %v, want a lock timeout", err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond || waited > 10*time.Second {
		t.Fatalf("waited %s for a 300ms lock timeout", waited)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	mustApply(t, db, notes(notesV1))
}

func TestThePlatformSourceRoundTrips(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	mustApply(t, db, migrate.PlatformSource())
	if got := mustPlan(t, db, migrate.PlatformSource()); len(got) != 0 {
		t.Fatalf("plan after applying schema/platform.hcl: %q", got)
	}
}

func TestChangingACheckExpressionIsPlanned(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	withCheck := func(expr string) migrate.Source {
		return notes(strings.Replace(notesV1, "  primary_key {",
			"  check \"notes_title_known\" {\n    expr = \""+expr+"\"\n  }\n  primary_key {", 1))
	}
	mustApply(t, db, withCheck(`title IN ('a', 'b')`))
	if got := mustPlan(t, db, withCheck(`title IN ('a', 'b')`)); len(got) != 0 {
		t.Fatalf("unchanged check planned: %q", got)
	}
	changed := withCheck(`title IN ('a', 'b', 'c')`)
	got := mustPlan(t, db, changed)
	if len(got) != 1 || !strings.Contains(got[0], `DROP CONSTRAINT "notes_title_known"`) || !strings.Contains(got[0], "'c'") {
		t.Fatalf("changed check: plan %q, want it dropped and re-added", got)
	}
	mustApply(t, db, changed)
	if _, err := db.Exec(`INSERT INTO notes.notes (id, title) VALUES ('0195f1a2-0000-7000-8000-000000000003', 'c')`); err != nil {
		t.Fatalf("the new check is not in force: %v", err)
	}
	if got := mustPlan(t, db, changed); len(got) != 0 {
		t.Fatalf("plan after applying the changed check: %q", got)
	}
}

func TestAChangedCheckOnANewColumnIsPlannedWithIt(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	check := func(expr string) string {
		return "  check \"notes_rule\" {\n    expr = \"" + expr + "\"\n  }\n  primary_key {"
	}
	v1 := notes(strings.Replace(notesV1, "  primary_key {", check("title <> ''"), 1))
	mustApply(t, db, v1)
	v2 := strings.Replace(notesV1, "  primary_key {", "  column \"rank\" {\n    type = int\n    default = 0\n  }\n"+check("rank >= 0"), 1)
	res := mustApply(t, db, notes(v2))
	if len(res.Statements) == 0 {
		t.Fatal("nothing applied")
	}
	if _, err := db.Exec(`INSERT INTO notes.notes (id, title, rank) VALUES ('0195f1a2-0000-7000-8000-000000000004', 'x', -1)`); err == nil {
		t.Fatal("the new check on the new column is not in force")
	}
	if got := mustPlan(t, db, notes(v2)); len(got) != 0 {
		t.Fatalf("plan after apply: %q", got)
	}
}
