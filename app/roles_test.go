package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

// crossModuleWrites is every privilege a module's role holds on a table
// outside its own schema, as "<table> <privilege>": what the platform and
// the audit log share with every module. Anything else is a module reaching
// into another's tables, which this test exists to catch.
var crossModuleWrites = []string{
	"audit.events INSERT",
	"audit.unchained INSERT",
	"platform.idempotency_keys UPDATE (columns)",
	"platform.outbox INSERT",
}

// TestEachModuleReadsOnlyItsOwnTables applies the binary's whole schema,
// then, for each plugged context, opens a pool of its database role as the
// service does and tries to read every table of every schema: its own
// answer, every other one is refused by PostgreSQL (permission denied), the
// platform's included. What it may write outside its schema is exactly
// crossModuleWrites.
func TestEachModuleReadsOnlyItsOwnTables(t *testing.T) {
	t.Parallel()
	sources := mustSources(t)
	parent := dbtest.New(t, sources...)
	ctx := context.Background()

	var tables []string
	err := parent.Raw(`SELECT table_schema || '.' || table_name FROM information_schema.tables
		WHERE table_schema IN ? AND table_type = 'BASE TABLE' ORDER BY 1`, owners(sources)).Scan(&tables).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < len(sources) {
		t.Fatalf("found only tables %v", tables)
	}
	for _, s := range sources {
		if s.Owner == migrate.PlatformOwner {
			continue
		}
		t.Run(s.Owner, func(t *testing.T) {
			db, err := database.OpenRole(ctx, parent, s.Owner, 0)
			if err != nil {
				t.Fatal(err)
			}
			role := database.RoleOf(db)
			var writes []string
			for _, table := range tables {
				own := strings.HasPrefix(table, s.Owner+".")
				q := "SELECT * FROM " + pgx.Identifier(strings.Split(table, ".")).Sanitize() + " LIMIT 1"
				err := db.Exec(q).Error
				var pgErr *pgconn.PgError
				switch {
				case own && err != nil:
					t.Errorf("%s cannot read its own table %s: %v", role, table, err)
				case !own && (!errors.As(err, &pgErr) || pgErr.Code != "42501"):
					t.Errorf("%s: %s: got %v, want permission denied (42501)", role, q, err)
				}
				if own {
					continue
				}
				for _, priv := range []string{"INSERT", "UPDATE", "DELETE"} {
					var whole, columns bool
					if err := parent.Raw("SELECT has_table_privilege(?, ?, ?)", role, table, priv).Scan(&whole).Error; err != nil {
						t.Fatal(err)
					}
					if priv != "DELETE" { // DELETE has no column form
						if err := parent.Raw("SELECT has_any_column_privilege(?, ?, ?)", role, table, priv).Scan(&columns).Error; err != nil {
							t.Fatal(err)
						}
					}
					switch {
					case whole:
						writes = append(writes, table+" "+priv)
					case columns:
						writes = append(writes, table+" "+priv+" (columns)")
					}
				}
			}
			var want []string
			for _, w := range crossModuleWrites {
				if !strings.HasPrefix(w, s.Owner+".") {
					want = append(want, w)
				}
			}
			if !slices.Equal(writes, want) {
				t.Errorf("%s may write outside its schema:\n%s\nwant:\n%s", role, strings.Join(writes, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func owners(sources []migrate.Source) []string {
	var names []string
	for _, s := range sources {
		names = append(names, s.Owner)
	}
	slices.Sort(names)
	return names
}
