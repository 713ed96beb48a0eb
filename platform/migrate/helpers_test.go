package migrate_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

// emptyDB returns a pool on a fresh, empty database dropped after the test.
func emptyDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dbtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustApply(t *testing.T, db *sql.DB, sources ...migrate.Source) migrate.Result {
	t.Helper()
	res, err := migrate.Apply(testCtx(t), db, sources, migrate.Options{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func mustPlan(t *testing.T, db *sql.DB, sources ...migrate.Source) []string {
	t.Helper()
	changes, err := migrate.Changes(testCtx(t), db, sources)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	stmts := make([]string, len(changes))
	for i, c := range changes {
		stmts[i] = c.SQL
	}
	return stmts
}

func source(owner, hcl string) migrate.Source {
	return migrate.Source{Owner: owner, HCL: []byte(hcl)}
}
