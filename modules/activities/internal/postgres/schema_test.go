package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

// TestSchemaPlanIsEmptyAfterApply proves activities.hcl is written the way
// Atlas reads it back (check expressions, partial indexes), so every
// deploy does not re-run DDL.
func TestSchemaPlanIsEmptyAfterApply(t *testing.T) {
	t.Parallel()
	dsn := dbtest.URL(t, postgres.SchemaSource())
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := migrate.Changes(context.Background(), db, []migrate.Source{migrate.PlatformSource(), postgres.SchemaSource()})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Fatalf("plan after apply is not empty:\n%+v", changes)
	}
}
