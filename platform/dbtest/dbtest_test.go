package dbtest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

var notes = migrate.Source{
	Owner: "notes",
	HCL: []byte(`
schema "notes" {}
table "notes" {
  schema = schema.notes
  column "id" {
    type = uuid
  }
  column "title" {
    type = text
  }
  column "body" {
    type = text
    null = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "version" {
    type    = integer
    default = 1
  }
  primary_key {
    columns = [column.id]
  }
}
`),
}

func TestNewAppliesSchemaAndDropsDatabase(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		db := dbtest.New(t, notes)
		if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO notes.notes (id, title) VALUES (gen_random_uuid(), 'x')").Error; err != nil {
			t.Fatalf("insert into the applied table: %v", err)
		}
		var n int
		if err := db.Raw("SELECT count(*) FROM pg_namespace WHERE nspname = 'platform'").Scan(&n).Error; err != nil || n != 1 {
			t.Fatalf("platform schema applied: n=%d err=%v", n, err)
		}
		// Opened by database.Open, as the binary opens its pool: its
		// session settings are there.
		var app, timeout string
		if err := db.Raw("SELECT current_setting('application_name'), current_setting('statement_timeout')").Row().Scan(&app, &timeout); err != nil || app != "dbtest" || timeout != "1min" {
			t.Fatalf("not opened by database.Open: application_name=%q statement_timeout=%q err=%v", app, timeout, err)
		}
	})
	if name == "" {
		t.Fatal("no database name")
	}
	admin, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after cleanup", name)
	}
}

func TestParallelTestsGetTheirOwnDatabases(t *testing.T) {
	t.Parallel()
	const n = 6
	names := make(chan string, n)
	t.Run("group", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				db := dbtest.New(t, notes)
				var name string
				if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
					t.Fatal(err)
				}
				if err := db.Exec("INSERT INTO notes.notes (id, title) VALUES (gen_random_uuid(), ?)", name).Error; err != nil {
					t.Fatal(err)
				}
				var rows int64
				if err := db.Raw("SELECT count(*) FROM notes.notes").Scan(&rows).Error; err != nil || rows != 1 {
					t.Fatalf("database shared with another test: rows=%d err=%v", rows, err)
				}
				names <- name
			})
		}
	})
	close(names)
	seen := map[string]bool{}
	for name := range names {
		if seen[name] || !strings.HasPrefix(name, dbtest.Prefix) || len(name) > 63 {
			t.Fatalf("bad or repeated database name %q", name)
		}
		seen[name] = true
	}
	if len(seen) != n {
		t.Fatalf("%d databases for %d tests", len(seen), n)
	}
}

func TestURLDropsTheDatabaseEvenWhileConnected(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		dsn := dbtest.URL(t)
		conn, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		// Left open on purpose, like a binary under test that was killed.
		if err := conn.QueryRow("SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	admin, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || exists {
		t.Fatalf("database %s survived its test: exists=%v err=%v", name, exists, err)
	}
}
