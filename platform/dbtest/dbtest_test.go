package dbtest_test

import (
	"context"
	"database/sql"
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
	})
	if name == "" {
		t.Fatal("no database name")
	}
	admin, err := sql.Open("pgx", dbtest.DefaultServerURL)
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
