package migrate_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

const (
	alphaHCL = `
schema "alpha" {}
table "things" {
  schema = schema.alpha
  column "id" {
    type = int
  }
  primary_key {
    columns = [column.id]
  }
}
table "queue" {
  schema = schema.alpha
  column "id" {
    type = int
  }
}
`
	betaHCL = `
schema "beta" {}
table "secrets" {
  schema = schema.beta
  column "id" {
    type = int
  }
  column "value" {
    type = text
  }
}
`
)

func roleOf(t *testing.T, db *sql.DB, module string) string {
	t.Helper()
	var name string
	if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	role, err := database.RoleName(name, module)
	if err != nil {
		t.Fatal(err)
	}
	return role
}

// privileges lists what role may do with table, as has_table_privilege
// sees it.
func privileges(t *testing.T, db *sql.DB, role, table string) string {
	t.Helper()
	var got []string
	for _, p := range []string{"SELECT", "INSERT", "UPDATE", "DELETE"} {
		var ok bool
		if err := db.QueryRow("SELECT has_table_privilege($1, $2, $3)", role, table, p).Scan(&ok); err != nil {
			t.Fatalf("has_table_privilege(%s, %s, %s): %v", role, table, p, err)
		}
		if ok {
			got = append(got, p)
		}
	}
	return strings.Join(got, ",")
}

func TestApplyGivesEachModuleARoleOnItsOwnSchema(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	alpha, beta := source("alpha", alphaHCL), source("beta", betaHCL)
	first := mustApply(t, db, migrate.PlatformSource(), alpha, beta)
	ra, rb := roleOf(t, db, "alpha"), roleOf(t, db, "beta")
	if !slices.Equal(first.Roles, []string{ra, rb}) || !slices.Equal(first.CreatedRoles, first.Roles) {
		t.Fatalf("first apply: roles %v, created %v", first.Roles, first.CreatedRoles)
	}
	var login, super bool
	if err := db.QueryRow("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1", ra).Scan(&login, &super); err != nil || login || super {
		t.Fatalf("role %s: login=%v super=%v err=%v, want a NOLOGIN role without superuser", ra, login, super, err)
	}
	for _, c := range []struct{ role, table, want string }{
		{ra, "alpha.things", "SELECT,INSERT,UPDATE,DELETE"},
		{ra, "beta.secrets", ""},
		{rb, "alpha.things", ""},
		{rb, "beta.secrets", "SELECT,INSERT,UPDATE,DELETE"},
		{ra, "platform.outbox", "INSERT"},
		{rb, "platform.idempotency_keys", ""}, // column privileges only
	} {
		if got := privileges(t, db, c.role, c.table); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.role, c.table, got, c.want)
		}
	}
	var body, state bool
	err := db.QueryRow(`SELECT has_column_privilege($1, 'platform.idempotency_keys', 'response_body', 'SELECT'),
		has_column_privilege($1, 'platform.idempotency_keys', 'state', 'SELECT')`, rb).Scan(&body, &state)
	if err != nil || body || !state {
		t.Errorf("idempotency_keys columns for %s: response_body readable=%v state readable=%v (%v)", rb, body, state, err)
	}

	again := mustApply(t, db, migrate.PlatformSource(), alpha, beta)
	if len(again.CreatedRoles) != 0 || len(again.Roles) != 2 {
		t.Fatalf("second apply: roles %v, created %v", again.Roles, again.CreatedRoles)
	}
}

func TestApplyGrantsWhatTheSourcesDeclareAndNothingElse(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	alpha, beta := source("alpha", alphaHCL), source("beta", betaHCL)
	alpha.Own = []migrate.Grant{{Table: "things", Privileges: "SELECT, INSERT"}}
	alpha.Shared = []migrate.Grant{{Table: "things", Privileges: "INSERT"}}
	alpha.Maintains = []string{"queue"}
	mustApply(t, db, alpha, beta)
	ra, rb := roleOf(t, db, "alpha"), roleOf(t, db, "beta")
	for _, c := range []struct{ role, table, want string }{
		{ra, "alpha.things", "SELECT,INSERT"},
		{rb, "alpha.things", "INSERT"},
		{ra, "alpha.queue", ""}, // its owner: no privilege it was not granted, but it may VACUUM
	} {
		if got := privileges(t, db, c.role, c.table); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.role, c.table, got, c.want)
		}
	}
	var owner string
	if err := db.QueryRow("SELECT tableowner FROM pg_tables WHERE schemaname = 'alpha' AND tablename = 'queue'").Scan(&owner); err != nil || owner != ra {
		t.Fatalf("alpha.queue owned by %q (%v), want %s", owner, err, ra)
	}
	var create bool
	if err := db.QueryRow("SELECT has_schema_privilege($1, 'alpha', 'CREATE')", ra).Scan(&create); err != nil || create {
		t.Fatalf("%s may create in schema alpha: %v (%v)", ra, create, err)
	}

	// A grant no longer declared is revoked by the next apply, and a
	// privilege granted by hand to a module role is too.
	if _, err := db.Exec("GRANT SELECT ON beta.secrets TO " + ra); err != nil {
		t.Fatal(err)
	}
	alpha.Own, alpha.Shared = nil, nil
	mustApply(t, db, alpha, beta)
	for _, c := range []struct{ role, table, want string }{
		{ra, "alpha.things", "SELECT,INSERT,UPDATE,DELETE"},
		{rb, "alpha.things", ""},
		{ra, "beta.secrets", ""},
	} {
		if got := privileges(t, db, c.role, c.table); got != c.want {
			t.Errorf("after the second apply: %s on %s: %q, want %q", c.role, c.table, got, c.want)
		}
	}
}

func TestApplyRefusesBadGrants(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	for _, c := range []struct {
		name string
		edit func(*migrate.Source)
		want string
	}{
		{"unknown table", func(s *migrate.Source) { s.Shared = []migrate.Grant{{Table: "nope", Privileges: "INSERT"}} }, "no such table"},
		{"all privileges", func(s *migrate.Source) { s.Own = []migrate.Grant{{Table: "things", Privileges: "ALL"}} }, "must list SELECT"},
		{"more than privileges", func(s *migrate.Source) {
			s.Shared = []migrate.Grant{{Table: "things", Privileges: "SELECT ON alpha.queue TO PUBLIC; GRANT SELECT"}}
		}, "must list SELECT"},
		{"unknown maintained table", func(s *migrate.Source) { s.Maintains = []string{"nope"} }, "no such table"},
	} {
		src := source("alpha", alphaHCL)
		c.edit(&src)
		_, err := migrate.Apply(testCtx(t), db, []migrate.Source{src}, migrate.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	platform := migrate.PlatformSource()
	platform.Maintains = []string{"outbox"}
	if _, err := migrate.Apply(testCtx(t), db, []migrate.Source{platform}, migrate.Options{}); err == nil || !strings.Contains(err.Error(), "no role of its own") {
		t.Errorf("platform with a role: err = %v", err)
	}
}

// TestApplyAsAUserWithCreateRoleOnly is the managed-database case (RDS,
// a Fly user without superuser): the user that applies may create roles
// and owns what it creates, nothing more. Apply creates the module roles,
// grants them to that user, hands a maintained table to its module's role,
// and the user's sessions then run as the roles, each refused the other's
// tables.
func TestApplyAsAUserWithCreateRoleOnly(t *testing.T) {
	t.Parallel()
	user := createRoleUser(t) // before the database: its cleanup runs after the database is dropped
	dsn := dbtest.EmptyURL(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("GRANT CREATE ON DATABASE " + dbName(t, dsn) + " TO " + user); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	alpha := source("alpha", alphaHCL)
	alpha.Maintains = []string{"queue"}
	res := mustApply(t, db, migrate.PlatformSource(), alpha, source("beta", betaHCL))
	if len(res.CreatedRoles) != 2 {
		t.Fatalf("created roles %v", res.CreatedRoles)
	}
	var member bool
	if err := db.QueryRow("SELECT pg_has_role(current_user, $1, 'MEMBER')", res.Roles[0]).Scan(&member); err != nil || !member {
		t.Fatalf("%s is not a member of %s (%v)", user, res.Roles[0], err)
	}

	cfg, err := config.LoadEnv(map[string]string{"DATABASE_URL": u.String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parent, err := database.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(parent)
	alphaDB, err := database.OpenRole(ctx, parent, "alpha", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := alphaDB.Exec("INSERT INTO alpha.things VALUES (1)").Error; err != nil {
		t.Fatalf("alpha's own table: %v", err)
	}
	if err := alphaDB.Exec("VACUUM alpha.queue").Error; err != nil {
		t.Fatalf("vacuum of the table alpha maintains: %v", err)
	}
	if err := alphaDB.Exec("SELECT * FROM beta.secrets").Error; err == nil || !strings.Contains(err.Error(), "42501") {
		t.Fatalf("alpha read beta's table: %v", err)
	}
	// Applying again as the same user changes nothing and still works.
	if again := mustApply(t, db, migrate.PlatformSource(), alpha, source("beta", betaHCL)); len(again.Statements) != 0 {
		t.Fatalf("second apply ran %v", again.Statements)
	}
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// createRoleUser creates a login user of the test's own with CREATEROLE
// and nothing else, and drops it after the test.
func createRoleUser(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "zt_login_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE ROLE " + name + " LOGIN CREATEROLE"); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP ROLE IF EXISTS " + name); err != nil {
			t.Errorf("drop role %s: %v", name, err)
		}
	})
	return name
}
